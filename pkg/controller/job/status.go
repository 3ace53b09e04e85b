package job

import (
	"bytes"
	"encoding/json"
	"time"

	"kubelab/pkg/api"
)

// The spec, with the defaults the apiserver fills in for a nil field.

func parallelism(j *api.Job) int32 {
	if j.Spec.Parallelism == nil {
		return 1
	}
	return *j.Spec.Parallelism
}

func backoffLimit(j *api.Job) int32 {
	if j.Spec.BackoffLimit == nil {
		return 6
	}
	return *j.Spec.BackoffLimit
}

// isIndexed: an Indexed Job needs completions (validation says so); one
// without is run as a NonIndexed work queue.
func isIndexed(j *api.Job) bool {
	return j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == api.IndexedCompletion && j.Spec.Completions != nil
}

func isSuspended(j *api.Job) bool { return j.Spec.Suspend != nil && *j.Spec.Suspend }

// finished returns the type of the condition that ended the Job, Complete
// or Failed, if one is True.
func finished(j *api.Job) (string, bool) {
	for _, c := range j.Status.Conditions {
		if (c.Type == api.JobComplete || c.Type == api.JobFailed) && c.Status == api.ConditionTrue {
			return c.Type, true
		}
	}
	return "", false
}

// finishedAt is when the Job finished: its completionTime, or when its
// Failed condition became True.
func finishedAt(j *api.Job) time.Time {
	if j.Status.CompletionTime != nil {
		return j.Status.CompletionTime.Time
	}
	for _, c := range j.Status.Conditions {
		if c.Type == api.JobFailed && c.Status == api.ConditionTrue {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}

// complete reports whether enough pods succeeded and none runs any more.
// A work queue (no completions) is complete after one success.
func complete(j *api.Job, s *observed) bool {
	if len(s.active) > 0 {
		return false
	}
	if j.Spec.Completions == nil {
		return s.succeeded > 0
	}
	return s.succeeded >= *j.Spec.Completions
}

// failure says why the Job has failed, if it has: more failed pods than
// backoffLimit (with restartPolicy OnFailure the kubelet restarts
// containers instead, and their restarts count), or running longer than
// activeDeadlineSeconds. Kubernetes also has podFailurePolicy and
// backoffLimitPerIndex.
func failure(j *api.Job, s *observed, now time.Time) (reason, message string) {
	limit := backoffLimit(j)
	onFailure := j.Spec.Template.Spec.RestartPolicy == api.RestartOnFailure &&
		(s.restarts >= limit && (limit > 0 || s.restarts > 0))
	if s.failed > limit || onFailure {
		return api.ReasonBackoffLimitExceeded, "Job has reached the specified backoff limit"
	}
	if wait, ok := untilDeadline(j, now); ok && wait <= 0 {
		return api.ReasonDeadlineExceeded, "Job was active longer than specified deadline"
	}
	return "", ""
}

// untilDeadline is the time left of activeDeadlineSeconds, counted from
// status.startTime; a suspended Job's clock does not run.
func untilDeadline(j *api.Job, now time.Time) (time.Duration, bool) {
	if j.Spec.ActiveDeadlineSeconds == nil || j.Status.StartTime == nil || isSuspended(j) {
		return 0, false
	}
	deadline := j.Status.StartTime.Add(time.Duration(*j.Spec.ActiveDeadlineSeconds) * time.Second)
	return deadline.Sub(now), true
}

// suspendOrResume keeps the Suspended condition and startTime in step with
// spec.suspend. A resumed Job starts its clock again: activeDeadlineSeconds
// counts the time a Job has been running, not suspended.
func (c *Controller) suspendOrResume(j *api.Job, now time.Time) {
	if isSuspended(j) {
		if setCondition(&j.Status, api.JobSuspended, api.ConditionTrue, "JobSuspended", "Job suspended", now) {
			c.rec.Event(j, api.EventNormal, "Suspended", "Job suspended")
		}
		return
	}
	t := api.NewTime(now)
	if setCondition(&j.Status, api.JobSuspended, api.ConditionFalse, "JobResumed", "Job resumed", now) {
		c.rec.Event(j, api.EventNormal, "Resumed", "Job resumed")
		j.Status.StartTime = &t
	}
	if j.Status.StartTime == nil {
		j.Status.StartTime = &t
	}
}

// setFinished adds the True condition that ends the Job.
func setFinished(j *api.Job, condType, reason, message string, now time.Time) {
	setCondition(&j.Status, condType, api.ConditionTrue, reason, message, now)
}

// setCondition sets the condition of type t, and reports whether anything
// changed. A condition that is not there yet is added only as True: a Job
// never suspended has no Suspended=False.
func setCondition(st *api.JobStatus, t, status, reason, message string, now time.Time) bool {
	for i := range st.Conditions {
		c := &st.Conditions[i]
		if c.Type != t {
			continue
		}
		if c.Status == status && c.Reason == reason && c.Message == message {
			return false
		}
		if c.Status != status {
			c.LastTransitionTime = api.NewTime(now)
		}
		c.Status, c.Reason, c.Message, c.LastProbeTime = status, reason, message, api.NewTime(now)
		return true
	}
	if status != api.ConditionTrue {
		return false
	}
	st.Conditions = append(st.Conditions, api.JobCondition{Type: t, Status: status, Reason: reason, Message: message,
		LastProbeTime: api.NewTime(now), LastTransitionTime: api.NewTime(now)})
	return true
}

// statusEqual compares two statuses as the apiserver would store them.
func statusEqual(a, b api.JobStatus) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}
