package cronjob

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"kubelab/pkg/api"
)

// The key comes back at the next schedule time, read in the CronJob's time
// zone or the controller's (UTC here).
func TestRequeueAtNextScheduleTime(t *testing.T) {
	tests := []struct {
		name     string
		cj       *api.CronJob
		now      time.Time
		wantWait time.Duration
	}{
		{name: "every five minutes", cj: newCronJob("*/5 * * * *", lastScheduled(start)),
			now: start.Add(3 * time.Minute), wantWait: 2 * time.Minute},
		{name: "Monday 9:00 from Saturday noon", cj: newCronJob("0 9 * * 1", createdAt(start)),
			now: start, wantWait: 45 * time.Hour},
		{name: "9:00 in New York is 14:00 UTC in winter", cj: newCronJob("0 9 * * *", createdAt(start), zone("America/New_York")),
			now: start, wantWait: 2 * time.Hour},
		{name: "and 13:00 UTC once summer time starts", cj: newCronJob("0 9 * * *", zone("America/New_York"),
			createdAt(time.Date(2025, 3, 9, 12, 0, 0, 0, time.UTC))),
			now: time.Date(2025, 3, 9, 12, 0, 0, 0, time.UTC), wantWait: time.Hour},
		{name: "a macro", cj: newCronJob("@hourly", createdAt(start)), now: start.Add(10 * time.Minute), wantWait: 50 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.cj)
			f.clock = tt.now
			if writes := f.step(t); len(writes) != 0 {
				t.Errorf("writes %q, want none: nothing is due", writes)
			}
			if want := []string{key + " after " + tt.wantWait.String()}; !slices.Equal(f.requeues, want) {
				t.Errorf("requeues %q, want %q", f.requeues, want)
			}
		})
	}
}

// At its time, the Job is made from the template, named after the time.
func TestStartsTheJob(t *testing.T) {
	cj := newCronJob("0 * * * *", createdAt(start.Add(-30*time.Minute)), zone("Europe/Paris"),
		func(cj *api.CronJob) { cj.Spec.JobTemplate.Annotations = map[string]string{"team": "ops"} })
	f := newFixture(cj)
	f.clock = start.Add(2 * time.Second)
	writes := f.step(t)
	name := nameAt(start)
	if want := []string{"create jobs default/" + name, "updateStatus cronjobs default/backup"}; !slices.Equal(writes, want) {
		t.Fatalf("writes %q, want %q", writes, want)
	}
	if name != "backup-29013840" {
		t.Errorf("name %s: minutes since the epoch", name)
	}
	j := f.w.Actions[0].Object.(*api.Job)
	ref := j.OwnerReferences
	if len(ref) != 1 || ref[0].Kind != "CronJob" || ref[0].APIVersion != "batch/v1" || ref[0].UID != "uid-backup" || !*ref[0].Controller {
		t.Errorf("ownerReferences %+v", ref)
	}
	if got := j.Annotations[ScheduledTimestampAnnotation]; got != "2025-03-01T13:00:00+01:00" || j.Annotations["team"] != "ops" {
		t.Errorf("annotations %v: the time in the CronJob's zone", j.Annotations)
	}
	if j.Labels["app"] != "backup" || j.Spec.Template.Spec.Containers[0].Image != "toolbox" {
		t.Errorf("job %+v", j)
	}
	st := f.cronJob().Status
	if len(st.Active) != 1 || st.Active[0].Name != name || st.Active[0].Kind != "Job" || !st.LastScheduleTime.Equal(start) {
		t.Errorf("status %+v", st)
	}
	if !slices.Equal(f.requeues, []string{key + " after 59m58s"}) {
		t.Errorf("requeues %q", f.requeues)
	}
	if got := f.rec.Events; !slices.Equal(got, []string{"Normal SuccessfulCreate Created job " + name}) {
		t.Errorf("events %q", got)
	}
	// The same time again: nothing more.
	if writes := f.step(t); len(writes) != 0 {
		t.Errorf("second sync wrote %q", writes)
	}
}

// Missed times: only the most recent runs; more than 100 missed make a
// warning, not a storm; startingDeadlineSeconds skips a start too late,
// and bounds what counts as missed.
func TestMissedTimes(t *testing.T) {
	now := start.Add(30 * time.Second)
	tests := []struct {
		name       string
		cj         *api.CronJob
		wantJob    string // "" for none
		wantEvents []string
	}{
		{name: "one missed", cj: newCronJob("* * * * *", lastScheduled(start.Add(-time.Minute))), wantJob: nameAt(start)},
		{name: "fifty missed: the last runs", cj: newCronJob("* * * * *", lastScheduled(start.Add(-50*time.Minute))), wantJob: nameAt(start)},
		{name: "since creation", cj: newCronJob("*/10 * * * *"), wantJob: nameAt(start)},
		{name: "more than 100 missed: a warning and one Job",
			cj: newCronJob("* * * * *", lastScheduled(start.Add(-30*24*time.Hour))), wantJob: nameAt(start),
			wantEvents: []string{"Warning TooManyMissedTimes too many missed start times: more than 100. Set or decrease .spec.startingDeadlineSeconds or check clock skew"}},
		{name: "the deadline bounds what is missed", cj: newCronJob("* * * * *", deadline(300), lastScheduled(start.Add(-30*24*time.Hour))),
			wantJob: nameAt(start)},
		{name: "a start past its deadline is skipped", cj: newCronJob("0 * * * *", deadline(20), lastScheduled(start.Add(-time.Hour))),
			wantEvents: []string{"Warning MissSchedule Missed scheduled time to start a job: Sat, 01 Mar 2025 12:00:00 +0000"}},
		{name: "a start within its deadline runs", cj: newCronJob("0 * * * *", deadline(60), lastScheduled(start.Add(-time.Hour))),
			wantJob: nameAt(start)},
		{name: "nothing due", cj: newCronJob("0 * * * *", lastScheduled(start))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.cj)
			f.clock = now
			writes := f.step(t)
			var jobs []string
			for _, w := range writes {
				if name, ok := strings.CutPrefix(w, "create jobs default/"); ok {
					jobs = append(jobs, name)
				}
			}
			var want []string
			if tt.wantJob != "" {
				want = []string{tt.wantJob}
			}
			if !slices.Equal(jobs, want) {
				t.Errorf("jobs %q, want %q", jobs, want)
			}
			var warnings []string
			for _, e := range f.rec.Events {
				if strings.HasPrefix(e, "Warning") {
					warnings = append(warnings, e)
				}
			}
			if !slices.Equal(warnings, tt.wantEvents) {
				t.Errorf("warnings %q, want %q", warnings, tt.wantEvents)
			}
			if len(f.requeues) != 1 {
				t.Errorf("requeues %q, want one, at the next time", f.requeues)
			}
		})
	}
}

func TestMostRecent(t *testing.T) {
	sched, err := cron.ParseStandard("* 9 * * *") // each minute from 9:00 to 9:59
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		after, now time.Time
		want       time.Time
		wantN      int
	}{
		{name: "none yet", after: day, now: day.Add(8 * time.Hour)},
		{name: "a few", after: day, now: day.Add(9*time.Hour + 2*time.Minute + 30*time.Second), want: day.Add(9*time.Hour + 2*time.Minute), wantN: 3},
		{name: "a year late", after: day, now: day.AddDate(1, 0, 0).Add(15 * time.Hour),
			want: day.AddDate(1, 0, 0).Add(9*time.Hour + 59*time.Minute), wantN: tooManyMissed + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n := mostRecent(sched, tt.after, tt.now)
			if !got.Equal(tt.want) || n != tt.wantN {
				t.Errorf("mostRecent = %v, %d; want %v, %d", got, n, tt.want, tt.wantN)
			}
		})
	}
}

func TestConcurrencyPolicy(t *testing.T) {
	base := newCronJob("0 * * * *")
	running := newJob(base, start.Add(-time.Hour))
	tests := []struct {
		name       string
		policy     string
		want       []string
		wantActive []string
	}{
		{name: "Allow runs side by side", policy: api.AllowConcurrent,
			want:       []string{"create jobs default/" + nameAt(start), "updateStatus cronjobs default/backup"},
			wantActive: []string{running.Name, nameAt(start)}},
		{name: "Forbid skips", policy: api.ForbidConcurrent, wantActive: []string{running.Name}},
		{name: "Replace deletes first", policy: api.ReplaceConcurrent,
			want: []string{"delete jobs default/" + running.Name, "create jobs default/" + nameAt(start),
				"updateStatus cronjobs default/backup"},
			wantActive: []string{nameAt(start)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cj := newCronJob("0 * * * *", policy(tt.policy), lastScheduled(start.Add(-time.Hour)), activeJobs(running))
			f := newFixture(cj, running)
			f.clock = start.Add(time.Second)
			if writes := f.step(t); !slices.Equal(writes, tt.want) {
				t.Errorf("writes %q, want %q", writes, tt.want)
			}
			var active []string
			for _, r := range f.cronJob().Status.Active {
				active = append(active, r.Name)
			}
			if !slices.Equal(active, tt.wantActive) {
				t.Errorf("active %q, want %q", active, tt.wantActive)
			}
			if tt.policy == api.ForbidConcurrent && !slices.Contains(f.rec.Events,
				"Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid") {
				t.Errorf("events %q", f.rec.Events)
			}
			if tt.policy == api.ReplaceConcurrent {
				opts := f.w.Actions[0].Options
				if *opts.PropagationPolicy != api.DeletePropagationBackground || *opts.Preconditions.UID != running.UID {
					t.Errorf("delete options %+v", opts)
				}
			}
		})
	}
}

// A finished Job leaves status.active; a success sets lastSuccessfulTime.
func TestFinishedJobs(t *testing.T) {
	cj := newCronJob("0 * * * *", lastScheduled(start.Add(-time.Hour)))
	f := newFixture(cj)
	f.clock = start
	f.step(t)
	f.clock = start.Add(5 * time.Minute)
	f.finish(nameAt(start), api.JobComplete)
	writes := f.step(t)
	if !slices.Equal(writes, []string{"updateStatus cronjobs default/backup"}) {
		t.Fatalf("writes %q", writes)
	}
	st := f.cronJob().Status
	if len(st.Active) != 0 || st.LastSuccessfulTime == nil || !st.LastSuccessfulTime.Equal(f.clock) {
		t.Errorf("status %+v", st)
	}
	if !slices.Contains(f.rec.Events, "Normal SawCompletedJob Saw completed job: "+nameAt(start)+", condition: Complete") {
		t.Errorf("events %q", f.rec.Events)
	}
	// A failure later does not move lastSuccessfulTime.
	f.clock = start.Add(time.Hour)
	f.step(t)
	f.finish(nameAt(start.Add(time.Hour)), api.JobFailed)
	f.step(t)
	if got := f.cronJob().Status.LastSuccessfulTime; !got.Equal(start.Add(5 * time.Minute)) {
		t.Errorf("lastSuccessfulTime %v", got)
	}
}

// The oldest finished Jobs beyond the history limits are deleted.
func TestHistoryLimits(t *testing.T) {
	cj := newCronJob("0 * * * *", lastScheduled(start))
	var objs []api.Object
	var complete, failed []string
	for i := range 5 {
		at := start.Add(-time.Duration(10-i) * time.Hour)
		j := newJob(cj, at, finishedAs(api.JobComplete, at.Add(time.Minute)))
		objs, complete = append(objs, j), append(complete, j.Name)
	}
	for i := range 3 {
		at := start.Add(-time.Duration(4-i) * time.Hour)
		j := newJob(cj, at, finishedAs(api.JobFailed, at.Add(time.Minute)))
		objs, failed = append(objs, j), append(failed, j.Name)
	}
	tests := []struct {
		name string
		opt  cronOpt
		want []string
	}{
		{name: "defaults: 3 succeeded, 1 failed", opt: func(*api.CronJob) {},
			want: []string{complete[0], complete[1], failed[0], failed[1]}},
		{name: "none kept", opt: func(cj *api.CronJob) {
			cj.Spec.SuccessfulJobsHistoryLimit, cj.Spec.FailedJobsHistoryLimit = api.Int32(0), api.Int32(0)
		}, want: slices.Concat(complete, failed)},
		{name: "more than there are", opt: func(cj *api.CronJob) {
			cj.Spec.SuccessfulJobsHistoryLimit, cj.Spec.FailedJobsHistoryLimit = api.Int32(10), api.Int32(10)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := api.DeepCopy(cj)
			tt.opt(c)
			f := newFixture(append([]api.Object{c}, objs...)...)
			f.clock = start.Add(time.Minute)
			var deleted []string
			for _, w := range f.step(t) {
				if name, ok := strings.CutPrefix(w, "delete jobs default/"); ok {
					deleted = append(deleted, name)
				}
			}
			slices.Sort(deleted)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(deleted, want) {
				t.Errorf("deleted %q, want %q", deleted, want)
			}
		})
	}
}

// A suspended CronJob starts nothing and asks for nothing; its status
// still follows its Jobs.
func TestSuspend(t *testing.T) {
	cj := newCronJob("* * * * *", lastScheduled(start.Add(-time.Hour)), func(cj *api.CronJob) { cj.Spec.Suspend = api.Bool(true) })
	f := newFixture(cj)
	if writes := f.step(t); len(writes) != 0 || len(f.requeues) != 0 {
		t.Errorf("writes %q, requeues %q", writes, f.requeues)
	}
}

// Just after a create, the Job cache may not show the new Job yet: it
// stays in status.active.
func TestJobNotYetInTheCache(t *testing.T) {
	f := newFixture(newCronJob("0 * * * *", lastScheduled(start.Add(-time.Hour))))
	if err := f.c.Sync(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	// The status update reaches the cache; the new Job does not yet.
	f.cronJobs.Add(f.w.Actions[len(f.w.Actions)-1].Object)
	f.w.Reset()
	if err := f.c.Sync(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	if writes := f.w.Strings(); len(writes) != 0 || len(f.rec.Events) != 1 {
		t.Errorf("writes %q, events %q: only the first sync's create", writes, f.rec.Events)
	}
	// A Job the controller forgot (it crashed before writing status) is
	// taken back.
	f2 := newFixture(newCronJob("0 * * * *", lastScheduled(start)), newJob(newCronJob("0 * * * *"), start))
	f2.step(t)
	if st := f2.cronJob().Status; len(st.Active) != 1 || st.Active[0].Name != nameAt(start) {
		t.Errorf("active %+v", st.Active)
	}
}

func TestBadSpec(t *testing.T) {
	tests := []struct {
		name string
		cj   *api.CronJob
		want string
	}{
		{name: "schedule", cj: newCronJob("every day"), want: "Warning InvalidSchedule"},
		{name: "time zone", cj: newCronJob("* * * * *", zone("Mars/Olympus_Mons")), want: "Warning UnknownTimeZone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.cj)
			if writes := f.step(t); len(writes) != 0 || len(f.requeues) != 0 {
				t.Errorf("writes %q, requeues %q", writes, f.requeues)
			}
			if len(f.rec.Events) != 1 || !strings.HasPrefix(f.rec.Events[0], tt.want) {
				t.Errorf("events %q, want %s", f.rec.Events, tt.want)
			}
		})
	}
}

// At rate 60 a minute of the controller's clock is a second of the wall
// clock, and a wait for the next minute is a wait of a second.
func TestSetClockRate(t *testing.T) {
	c := New(nil, nil, nil, nil, time.UTC, nil)
	wall := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return wall }
	var delays []time.Duration
	c.after = func(_ string, d time.Duration) { delays = append(delays, d) }

	c.SetClockRate(60)
	start := c.now()
	if !start.Equal(wall) {
		t.Errorf("the clock jumped at SetClockRate: %v, want %v", start, wall)
	}
	wall = wall.Add(2 * time.Second)
	if got := c.now().Sub(start); got != 2*time.Minute {
		t.Errorf("2 s of wall clock at rate 60 = %v of the controller's; want 2m0s", got)
	}
	c.after("default/every-minute", time.Minute)
	if len(delays) != 1 || delays[0] != time.Second {
		t.Errorf("requeue after a minute at rate 60 = %v; want [1s]", delays)
	}

	slow := New(nil, nil, nil, nil, time.UTC, nil)
	slow.now = func() time.Time { return wall }
	slow.SetClockRate(1)
	if !slow.now().Equal(wall) {
		t.Error("rate 1 changed the clock")
	}
}
