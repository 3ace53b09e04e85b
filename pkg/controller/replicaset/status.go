package replicaset

import (
	"context"
	"fmt"
	"time"

	"kubelab/pkg/api"
)

// updateStatus writes the counts observed in pods to o's status, when they
// differ from what it says already. If a ready pod will become available
// later (minReadySeconds), the key comes back then: no event would
// announce that moment.
func (c *Controller) updateStatus(ctx context.Context, o *owner, pods []*api.Pod) error {
	st, recheck := computeStatus(o, pods, c.now())
	if recheck > 0 {
		c.queue.AddAfter(o.key, recheck)
	}
	if st == o.status {
		return nil
	}
	if _, err := c.w.UpdateStatus(ctx, o.withStatus(st)); err != nil {
		return fmt.Errorf("update status of %s: %w", o.key, err)
	}
	return nil
}

// computeStatus counts o's active pods. recheck, when above zero, is how
// long until the next ready pod becomes available. Kubernetes also sets
// a ReplicaFailure condition when creates or deletes fail
// (calculateStatus in replica_set_utils.go).
func computeStatus(o *owner, pods []*api.Pod, now time.Time) (st api.ReplicaSetStatus, recheck time.Duration) {
	st.ObservedGeneration = o.meta.Generation
	minReady := time.Duration(o.minReady) * time.Second
	for _, p := range activePods(pods) {
		st.Replicas++
		if o.template != nil && hasLabels(p.Labels, o.template.Labels) {
			st.FullyLabeledReplicas++
		}
		since, ready := readySince(p)
		if !ready {
			continue
		}
		st.ReadyReplicas++
		switch wait := since.Add(minReady).Sub(now); {
		case minReady == 0 || (!since.IsZero() && wait <= 0):
			st.AvailableReplicas++
		case since.IsZero():
			// Ready since we don't know when: not available yet, as in Kubernetes.
		case recheck == 0 || wait < recheck:
			recheck = wait
		}
	}
	return st, recheck
}

// hasLabels reports whether labels include every pair of want.
func hasLabels(labels, want map[string]string) bool {
	for k, v := range want {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// readySince reports whether the pod's Ready condition is True, and since
// when.
func readySince(p *api.Pod) (time.Time, bool) {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady {
			return c.LastTransitionTime.Time, c.Status == api.ConditionTrue
		}
	}
	return time.Time{}, false
}

func isReady(p *api.Pod) bool {
	_, ok := readySince(p)
	return ok
}
