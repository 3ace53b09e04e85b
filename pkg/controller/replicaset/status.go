package replicaset

import (
	"context"
	"fmt"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
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
		if !controller.IsPodReady(p) {
			continue
		}
		st.ReadyReplicas++
		switch ok, wait := controller.IsPodAvailable(p, minReady, now); {
		case ok:
			st.AvailableReplicas++
		case wait > 0 && (recheck == 0 || wait < recheck):
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
