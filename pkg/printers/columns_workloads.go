package printers

import (
	"fmt"
	"strings"
	"time"

	"kubelab/pkg/api"
)

// Rows of the workload kinds above ReplicaSet, as kubectl 1.28+ prints
// them: a Deployment as ready/desired, a Job by where it stands and how
// many of its pods succeeded, a CronJob by its schedule, a
// ControllerRevision by its owner.

func deploymentRow(obj api.Object, now time.Time) []any {
	d := obj.(*api.Deployment)
	st := d.Status
	return append([]any{d.Name, fmt.Sprintf("%d/%d", st.ReadyReplicas, Replicas(d.Spec.Replicas)),
		int64(st.UpdatedReplicas), int64(st.AvailableReplicas), Age(d.CreationTimestamp, now)},
		templateColumns(&d.Spec.Template, FormatSelector(d.Spec.Selector))...)
}

func jobRow(obj api.Object, now time.Time) []any {
	j := obj.(*api.Job)
	return append([]any{j.Name, jobStatus(j), jobCompletions(j), jobDuration(j, now), Age(j.CreationTimestamp, now)},
		templateColumns(&j.Spec.Template, FormatSelector(j.Spec.Selector))...)
}

// jobStatus is the STATUS column: a finished Job's condition, else
// Terminating, Suspended or Running.
func jobStatus(j *api.Job) string {
	switch {
	case jobCondition(j, api.JobComplete):
		return "Complete"
	case jobCondition(j, api.JobFailed):
		return "Failed"
	case j.DeletionTimestamp != nil:
		return "Terminating"
	case jobCondition(j, api.JobSuspended):
		return "Suspended"
	}
	return "Running"
}

func jobCondition(j *api.Job, typ string) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == typ && c.Status == api.ConditionTrue {
			return true
		}
	}
	return false
}

// jobCompletions is succeeded/completions; a work-queue Job (no
// completions) needs one success, and says how many pods work at once.
func jobCompletions(j *api.Job) string {
	if c := j.Spec.Completions; c != nil {
		return fmt.Sprintf("%d/%d", j.Status.Succeeded, *c)
	}
	if p := j.Spec.Parallelism; p != nil && *p > 1 {
		return fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, *p)
	}
	return fmt.Sprintf("%d/1", j.Status.Succeeded)
}

// jobDuration is how long the Job ran, or has been running; empty before
// it started.
func jobDuration(j *api.Job, now time.Time) string {
	switch start, end := j.Status.StartTime, j.Status.CompletionTime; {
	case start == nil:
		return ""
	case end == nil:
		return HumanDuration(now.Sub(start.Time))
	default:
		return HumanDuration(end.Sub(start.Time))
	}
}

func cronJobRow(obj api.Object, now time.Time) []any {
	cj := obj.(*api.CronJob)
	tz, last := "<none>", "<none>"
	if cj.Spec.TimeZone != nil {
		tz = *cj.Spec.TimeZone
	}
	if t := cj.Status.LastScheduleTime; t != nil {
		last = Age(*t, now)
	}
	suspend := "<unset>"
	if s := cj.Spec.Suspend; s != nil {
		suspend = map[bool]string{true: "True", false: "False"}[*s]
	}
	return append([]any{cj.Name, cj.Spec.Schedule, tz, suspend, int64(len(cj.Status.Active)), last, Age(cj.CreationTimestamp, now)},
		templateColumns(&cj.Spec.JobTemplate.Spec.Template, FormatSelector(cj.Spec.JobTemplate.Spec.Selector))...)
}

// controllerRevisionRow names the owner as kubectl does: lower-case
// kind.group/name (daemonset.apps/agent).
func controllerRevisionRow(obj api.Object, now time.Time) []any {
	cr := obj.(*api.ControllerRevision)
	controller := "<none>"
	if ref := api.ControllerRef(&cr.ObjectMeta); ref != nil {
		kind := ref.Kind
		if group, _, ok := strings.Cut(ref.APIVersion, "/"); ok {
			kind += "." + group
		}
		controller = strings.ToLower(kind) + "/" + ref.Name
	}
	return []any{cr.Name, controller, cr.Revision, Age(cr.CreationTimestamp, now)}
}
