package job

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

// observed is what one sync counts in a Job's pods and status.
type observed struct {
	active    []*api.Pod // pending or running, not being deleted: deletion order
	succeeded int32
	failed    int32
	restarts  int32     // container restarts of the active pods (restartPolicy OnFailure)
	indexes   intervals // the completed indexes of an Indexed Job

	// For the back-off: failures since the latest success, and when the
	// latest of them finished.
	failuresSinceSuccess int
	lastFailure          time.Time
}

// observe counts a Job's pods. A finished pod may be deleted later (by a
// user, or a pod garbage collector), so the counts in the status never go
// down: Kubernetes holds every pod with a finalizer
// (batch.kubernetes.io/job-tracking) until its end is counted in
// status.uncountedTerminatedPods; kubelab counts what its cache shows and
// keeps the larger number. A pod that ends while being deleted is not
// counted as failed: it was killed (by suspend, by the Job's own failure,
// which counts those itself, or by a user); Kubernetes counts the last kind.
func observe(j *api.Job, pods []*api.Pod) *observed {
	s := &observed{}
	var succeeded, failed int32
	var lastSuccess time.Time
	var failures []time.Time
	completions := int32(-1)
	if isIndexed(j) {
		completions = *j.Spec.Completions
		s.indexes = parseIntervals(j.Status.CompletedIndexes, completions)
	}
	for _, p := range pods {
		switch {
		case p.Status.Phase == api.PodSucceeded:
			succeeded++
			lastSuccess = later(lastSuccess, finishTime(p))
			if i, ok := indexOf(p, completions); ok {
				s.indexes = s.indexes.with(i)
			}
		case p.Status.Phase == api.PodFailed && p.DeletionTimestamp == nil:
			failed++
			failures = append(failures, finishTime(p))
		case p.DeletionTimestamp == nil && p.Status.Phase != api.PodFailed:
			s.active = append(s.active, p)
			s.restarts += restarts(p)
		}
	}
	s.succeeded = max(j.Status.Succeeded, succeeded)
	if isIndexed(j) {
		s.succeeded = int32(s.indexes.total())
	}
	s.failed = max(j.Status.Failed, failed)
	for _, t := range failures {
		if t.After(lastSuccess) {
			s.failuresSinceSuccess++
			s.lastFailure = later(s.lastFailure, t)
		}
	}
	slices.SortFunc(s.active, deleteFirst)
	return s
}

// writeCounts puts the counts in st.
func (s *observed) writeCounts(st *api.JobStatus) {
	var ready int32
	for _, p := range s.active {
		if controller.IsPodReady(p) {
			ready++
		}
	}
	st.Active = int32(len(s.active))
	st.Ready = api.Int32(ready)
	st.Succeeded = s.succeeded
	st.Failed = s.failed
	st.CompletedIndexes = s.indexes.String()
}

// finishTime is when a finished pod finished: when its last container
// ended, else when it stopped being ready, else when it was deleted, else
// when it was made (Kubernetes: getFinishedTime in job_controller.go).
func finishTime(p *api.Pod) time.Time {
	var t time.Time
	for _, cs := range p.Status.ContainerStatuses {
		if term := cs.State.Terminated; term != nil {
			t = later(t, term.FinishedAt.Time)
		}
	}
	if !t.IsZero() {
		return t
	}
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady && c.Status == api.ConditionFalse && !c.LastTransitionTime.IsZero() {
			return c.LastTransitionTime.Time
		}
	}
	if p.DeletionTimestamp != nil {
		return p.DeletionTimestamp.Time
	}
	return p.CreationTimestamp.Time
}

// restarts is how often the kubelet restarted a pod's containers: with
// restartPolicy OnFailure, a failure shows here and not as a failed pod.
func restarts(p *api.Pod) int32 {
	var n int32
	for _, cs := range slices.Concat(p.Status.InitContainerStatuses, p.Status.ContainerStatuses) {
		n += cs.RestartCount
	}
	return n
}

// deleteFirst orders the active pods to delete first to the front: not
// yet on a node, then not running, then not ready, then the newest; by
// name otherwise. Kubernetes ranks them as the ReplicaSet controller does
// (controller.ActivePods).
func deleteFirst(a, b *api.Pod) int {
	rank := func(p *api.Pod) int {
		switch {
		case p.Spec.NodeName == "":
			return 0
		case p.Status.Phase != api.PodRunning:
			return 1
		case !controller.IsPodReady(p):
			return 2
		}
		return 3
	}
	if c := cmp.Compare(rank(a), rank(b)); c != 0 {
		return c
	}
	if c := b.CreationTimestamp.Compare(a.CreationTimestamp.Time); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
