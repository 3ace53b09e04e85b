package cronjob

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// ScheduledTimestampAnnotation is on every Job a CronJob makes: the
// schedule time it was made for, in RFC 3339 (in the CronJob's time zone).
const ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"

// jobFromTemplate is the Job of schedule time t: the template's labels,
// annotations and spec, the time in its name and an annotation, and the
// CronJob as its controller.
func jobFromTemplate(cj *api.CronJob, t time.Time, loc *time.Location) *api.Job {
	tpl := cj.Spec.JobTemplate
	j := api.DeepCopy(&api.Job{ // the template's maps and slices belong to the cache
		TypeMeta: api.TypeMeta{APIVersion: jobsResource.APIVersion(), Kind: jobsResource.Kind},
		ObjectMeta: api.ObjectMeta{
			Name:        jobName(cj, t),
			Namespace:   cj.Namespace,
			Labels:      tpl.Labels,
			Annotations: tpl.Annotations,
			Finalizers:  tpl.Finalizers,
			OwnerReferences: []api.OwnerReference{
				controller.NewControllerRef(&cj.ObjectMeta, cronJobsResource.APIVersion(), cronJobsResource.Kind),
			},
		},
		Spec: tpl.Spec,
	})
	if j.Annotations == nil {
		j.Annotations = map[string]string{}
	}
	if cj.Spec.TimeZone == nil {
		loc = time.UTC
	}
	j.Annotations[ScheduledTimestampAnnotation] = t.In(loc).Format(time.RFC3339)
	return j
}

// reconcileActive brings status.active and lastSuccessfulTime in step with
// the Jobs: a finished Job leaves the list, so does one that is gone; a
// running Job missing from it (the controller crashed between creating it
// and writing status) joins it.
func (c *Controller) reconcileActive(cj *api.CronJob, jobs []*api.Job) {
	byUID := map[string]*api.Job{}
	for _, j := range jobs {
		byUID[j.UID] = j
	}
	var active []api.ObjectReference
	listed := map[string]bool{}
	for _, ref := range cj.Status.Active {
		j, ok := byUID[ref.UID]
		switch {
		case !ok && c.inFlight.isCreated(ref.UID):
			active = append(active, ref) // just made; the cache has not shown it yet
		case !ok:
			c.rec.Eventf(cj, api.EventNormal, "MissingJob", "Active job went missing: %s", ref.Name)
		case isFinished(j) != "":
			c.rec.Eventf(cj, api.EventNormal, "SawCompletedJob", "Saw completed job: %s, condition: %s", j.Name, isFinished(j))
		default:
			active = append(active, ref)
		}
		listed[ref.UID] = true
	}
	for _, j := range jobs {
		if !listed[j.UID] && isFinished(j) == "" {
			c.rec.Eventf(cj, api.EventWarning, "UnexpectedJob", "Saw a job that the controller did not create or forgot: %s", j.Name)
			active = append(active, refTo(j))
		}
		if isFinished(j) == api.JobComplete && j.Status.CompletionTime != nil {
			if last := cj.Status.LastSuccessfulTime; last == nil || j.Status.CompletionTime.After(last.Time) {
				t := *j.Status.CompletionTime
				cj.Status.LastSuccessfulTime = &t
			}
		}
	}
	cj.Status.Active = active
}

// deleteActive deletes the running Jobs, for concurrencyPolicy Replace.
func (c *Controller) deleteActive(ctx context.Context, cj *api.CronJob) error {
	var keep []api.ObjectReference
	var errs []error
	for _, ref := range cj.Status.Active {
		if err := c.deleteJob(ctx, cj, ref.Namespace, ref.Name, ref.UID); err != nil {
			errs = append(errs, err)
			keep = append(keep, ref)
		}
	}
	cj.Status.Active = keep
	return errors.Join(errs...)
}

// pruneHistory deletes the oldest finished Jobs beyond
// successfulJobsHistoryLimit (default 3) and failedJobsHistoryLimit
// (default 1).
func (c *Controller) pruneHistory(ctx context.Context, cj *api.CronJob, jobs []*api.Job) error {
	var succeeded, failed []*api.Job
	for _, j := range jobs {
		switch isFinished(j) {
		case api.JobComplete:
			succeeded = append(succeeded, j)
		case api.JobFailed:
			failed = append(failed, j)
		}
	}
	var errs []error
	for _, h := range []struct {
		jobs  []*api.Job
		limit *int32
		def   int32
	}{{succeeded, cj.Spec.SuccessfulJobsHistoryLimit, 3}, {failed, cj.Spec.FailedJobsHistoryLimit, 1}} {
		limit := int(h.def)
		if h.limit != nil {
			limit = int(max(*h.limit, 0))
		}
		if len(h.jobs) <= limit {
			continue
		}
		slices.SortFunc(h.jobs, oldestFirst)
		for _, j := range h.jobs[:len(h.jobs)-limit] {
			errs = append(errs, c.deleteJob(ctx, cj, j.Namespace, j.Name, j.UID))
		}
	}
	return errors.Join(errs...)
}

// deleteJob deletes a Job in the background: the garbage collector then
// deletes its pods.
func (c *Controller) deleteJob(ctx context.Context, cj *api.CronJob, namespace, name, uid string) error {
	opts := &api.DeleteOptions{
		PropagationPolicy: api.String(api.DeletePropagationBackground),
		Preconditions:     &api.Precondition{UID: api.String(uid)},
	}
	if err := c.w.Delete(ctx, jobsResource, namespace, name, opts); err != nil && !client.IsNotFound(err) {
		c.rec.Eventf(cj, api.EventWarning, "FailedDelete", "Deleted job: %v", err)
		return fmt.Errorf("delete job %s/%s: %w", namespace, name, err)
	}
	c.inFlight.delete(uid)
	c.rec.Eventf(cj, api.EventNormal, "SuccessfulDelete", "Deleted job %s", name)
	return nil
}

// oldestFirst orders Jobs by start time (creation when not started), then
// name.
func oldestFirst(a, b *api.Job) int {
	started := func(j *api.Job) time.Time {
		if j.Status.StartTime != nil {
			return j.Status.StartTime.Time
		}
		return j.CreationTimestamp.Time
	}
	if c := started(a).Compare(started(b)); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// isFinished returns Complete or Failed for a finished Job, "" otherwise.
func isFinished(j *api.Job) string {
	for _, c := range j.Status.Conditions {
		if (c.Type == api.JobComplete || c.Type == api.JobFailed) && c.Status == api.ConditionTrue {
			return c.Type
		}
	}
	return ""
}

// refTo is the status.active entry of a Job.
func refTo(j *api.Job) api.ObjectReference {
	return api.ObjectReference{APIVersion: jobsResource.APIVersion(), Kind: jobsResource.Kind,
		Namespace: j.Namespace, Name: j.Name, UID: j.UID, ResourceVersion: j.ResourceVersion}
}

// activeNamed reports whether status.active has a Job of that name.
func activeNamed(cj *api.CronJob, name string) bool {
	return slices.ContainsFunc(cj.Status.Active, func(r api.ObjectReference) bool { return r.Name == name })
}
