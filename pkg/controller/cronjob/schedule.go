package cronjob

import (
	"context"
	"fmt"
	"time"

	_ "time/tzdata" // spec.timeZone on hosts (and FROM-scratch images) without a zoneinfo database

	"github.com/robfig/cron/v3"
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// tooManyMissed is how many missed start times make a warning: a
// controller that was down for long, or a clock that jumped.
const tooManyMissed = 100

// schedule starts the Job of the most recent schedule time, if it is due
// and has not run. Of several missed times only the most recent runs: a
// CronJob whose controller was down all night starts one Job in the
// morning, not a storm of them. A start later than startingDeadlineSeconds
// is skipped. Whatever happens, the key comes back at the next schedule
// time.
func (c *Controller) schedule(ctx context.Context, key string, cj *api.CronJob, jobs []*api.Job, now time.Time) error {
	if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
		return nil // resumed, the CronJob's update event brings the key back
	}
	sched, loc, err := c.parse(cj)
	if err != nil {
		return nil // an edit of the spec brings the key back; the event says what is wrong
	}
	now = now.In(loc)
	if next := sched.Next(now); !next.IsZero() {
		defer c.after(key, next.Sub(now))
	}

	scheduled, missed := mostRecent(sched, c.earliest(cj, now, false), now)
	if cj.Spec.StartingDeadlineSeconds != nil {
		// Times before the deadline would be skipped anyway: they are not missed.
		_, missed = mostRecent(sched, c.earliest(cj, now, true), now)
	}
	if missed > tooManyMissed {
		c.rec.Eventf(cj, api.EventWarning, "TooManyMissedTimes",
			"too many missed start times: more than %d. Set or decrease .spec.startingDeadlineSeconds or check clock skew", tooManyMissed)
	}
	if scheduled.IsZero() {
		return nil // nothing due since the last run
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil && scheduled.Add(time.Duration(*d)*time.Second).Before(now) {
		c.rec.Eventf(cj, api.EventWarning, "MissSchedule", "Missed scheduled time to start a job: %s",
			scheduled.UTC().Format(time.RFC1123Z))
		return nil
	}
	name := jobName(cj, scheduled)
	if cj.Status.LastScheduleTime != nil && cj.Status.LastScheduleTime.Equal(scheduled) || activeNamed(cj, name) {
		return nil // this time has run
	}
	switch cj.Spec.ConcurrencyPolicy {
	case api.ForbidConcurrent:
		if len(cj.Status.Active) > 0 {
			c.rec.Event(cj, api.EventNormal, "JobAlreadyActive",
				"Not starting job because prior execution is running and concurrency policy is Forbid")
			return nil
		}
	case api.ReplaceConcurrent:
		if err := c.deleteActive(ctx, cj); err != nil {
			return err
		}
	}
	return c.start(ctx, cj, jobs, scheduled, loc)
}

// start creates the Job of the schedule time scheduled and records it in
// status. The Job's name is made of that time, so that a second attempt
// at the same time (after a crash between the create and the status
// update) finds the Job already there instead of making another.
func (c *Controller) start(ctx context.Context, cj *api.CronJob, jobs []*api.Job, scheduled time.Time, loc *time.Location) error {
	j := jobFromTemplate(cj, scheduled, loc)
	created, err := c.w.Create(ctx, j)
	switch {
	case client.IsAlreadyExists(err):
		for _, existing := range jobs {
			if existing.Name == j.Name {
				t := api.NewTime(scheduled)
				cj.Status.LastScheduleTime = &t // ours: made by an earlier attempt
				return nil
			}
		}
		c.rec.Eventf(cj, api.EventWarning, "FailedCreate", "Error creating job: %v", err)
		return fmt.Errorf("create job %s/%s: %w", j.Namespace, j.Name, err)
	case err != nil:
		c.rec.Eventf(cj, api.EventWarning, "FailedCreate", "Error creating job: %v", err)
		return fmt.Errorf("create job %s/%s: %w", j.Namespace, j.Name, err)
	}
	c.inFlight.create(created.GetObjectMeta().UID)
	c.log.Info("created job", zap.String("job", created.GetObjectMeta().Name), zap.Time("scheduled", scheduled))
	c.rec.Eventf(cj, api.EventNormal, "SuccessfulCreate", "Created job %s", created.GetObjectMeta().Name)
	cj.Status.Active = append(cj.Status.Active, refTo(created.(*api.Job)))
	t := api.NewTime(scheduled)
	cj.Status.LastScheduleTime = &t
	return nil
}

// parse reads the schedule (five fields, or a macro such as @hourly) in
// the CronJob's time zone, or the controller's.
func (c *Controller) parse(cj *api.CronJob) (cron.Schedule, *time.Location, error) {
	loc := c.loc
	if tz := cj.Spec.TimeZone; tz != nil {
		var err error
		if loc, err = time.LoadLocation(*tz); err != nil {
			c.rec.Eventf(cj, api.EventWarning, "UnknownTimeZone", "invalid timeZone: %q: %v", *tz, err)
			return nil, nil, err
		}
	}
	sched, err := cron.ParseStandard(cj.Spec.Schedule)
	if err != nil {
		c.rec.Eventf(cj, api.EventWarning, "InvalidSchedule", "invalid schedule: %s : %v", cj.Spec.Schedule, err)
		return nil, nil, err
	}
	return sched, loc, nil
}

// earliest is the time after which schedule times have not run yet: the
// last schedule time, or the CronJob's creation. With withDeadline, no
// earlier than startingDeadlineSeconds ago either, which bounds how many
// missed times there can be.
func (c *Controller) earliest(cj *api.CronJob, now time.Time, withDeadline bool) time.Time {
	t := cj.CreationTimestamp.Time
	if cj.Status.LastScheduleTime != nil {
		t = cj.Status.LastScheduleTime.Time
	}
	if d := cj.Spec.StartingDeadlineSeconds; withDeadline && d != nil {
		if limit := now.Add(-time.Duration(*d) * time.Second); limit.After(t) {
			t = limit
		}
	}
	return t.In(now.Location())
}

// mostRecent returns the latest schedule time in (after, now] (zero if
// there is none) and how many there are, counted up to tooManyMissed+1.
// Beyond that it stops counting and searches back from now, so that a
// year of missed minutes costs no more than a few steps.
func mostRecent(sched cron.Schedule, after, now time.Time) (time.Time, int) {
	var last time.Time
	n := 0
	for t := sched.Next(after); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		last, n = t, n+1
		if n > tooManyMissed {
			return latestUpTo(sched, t, now), n
		}
	}
	return last, n
}

// latestUpTo returns the latest schedule time at or before now, given one,
// known, that is not after now: it looks back from now over a window that
// doubles until the window holds a schedule time, then steps forward.
func latestUpTo(sched cron.Schedule, known, now time.Time) time.Time {
	from := known
	for d := time.Minute; now.Add(-d).After(known); d *= 2 {
		if t := sched.Next(now.Add(-d)); !t.After(now) {
			from = t
			break
		}
	}
	for t := sched.Next(from); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		from = t
	}
	return from
}

// jobName is the name of the Job of schedule time t: the CronJob's name
// and t in minutes since the epoch, as Kubernetes names it.
func jobName(cj *api.CronJob, t time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, t.Unix()/60)
}
