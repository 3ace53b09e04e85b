package controller

import (
	"time"

	"kubelab/pkg/api"
)

// Ready and available: a pod is ready when its Ready condition is True,
// and available once it has been ready for the owner's minReadySeconds.
// Owners count both in their status; rolling updates wait for the second.

// PodReadySince reports whether pod's Ready condition is True, and since
// when (the condition's last transition).
func PodReadySince(pod *api.Pod) (since time.Time, ready bool) {
	for _, c := range pod.Status.Conditions {
		if c.Type == api.PodReady {
			return c.LastTransitionTime.Time, c.Status == api.ConditionTrue
		}
	}
	return time.Time{}, false
}

// IsPodReady reports whether pod's Ready condition, which the kubelet sets
// from the readiness probes, is True.
func IsPodReady(pod *api.Pod) bool {
	_, ready := PodReadySince(pod)
	return ready
}

// IsPodAvailable reports whether pod has been ready for minReady at now,
// and if it is ready but not available yet, how long until it is. A pod
// ready since a time nobody knows is not available (unless minReady is
// zero), as in Kubernetes, and never will be by waiting: wait is zero.
func IsPodAvailable(pod *api.Pod, minReady time.Duration, now time.Time) (ok bool, wait time.Duration) {
	since, ready := PodReadySince(pod)
	if !ready {
		return false, 0
	}
	switch wait := since.Add(minReady).Sub(now); {
	case minReady == 0 || (!since.IsZero() && wait <= 0):
		return true, 0
	case since.IsZero():
		return false, 0
	default:
		return false, wait
	}
}
