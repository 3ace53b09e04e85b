package daemonset

import (
	"context"
	"fmt"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

// updateStatus writes the counts observed on the nodes to ds's status,
// when they differ from what it says already. If a ready pod becomes
// available later (minReadySeconds), the key comes back then.
func (c *Controller) updateStatus(ctx context.Context, ds *api.DaemonSet, key, hash string, nodes []nodeState, now time.Time) error {
	st, recheck := computeStatus(ds, hash, nodes, now)
	if recheck > 0 {
		c.queue.AddAfter(key, recheck)
	}
	if st == ds.Status {
		return nil
	}
	cp := api.DeepCopy(ds)
	cp.Status = st
	if _, err := c.w.UpdateStatus(ctx, cp); err != nil {
		return fmt.Errorf("update status of %s: %w", key, err)
	}
	return nil
}

// computeStatus counts, over the nodes that should run a daemon pod, those
// that have one (current), and of those, the ones whose pod is ready,
// available and made from the current template (updated). A daemon pod on
// a node that should not run one is misscheduled. recheck, when above
// zero, is how long until the next ready pod becomes available.
func computeStatus(ds *api.DaemonSet, hash string, nodes []nodeState, now time.Time) (st api.DaemonSetStatus, recheck time.Duration) {
	st.ObservedGeneration = ds.Generation
	minReady := time.Duration(ds.Spec.MinReadySeconds) * time.Second
	for _, s := range nodes {
		if !s.shouldRun {
			if len(s.pods) > 0 {
				st.NumberMisscheduled++
			}
			continue
		}
		st.DesiredNumberScheduled++
		if len(s.pods) == 0 {
			continue
		}
		st.CurrentNumberScheduled++
		pod := s.running()
		if pod == nil {
			pod = s.pods[0] // only failed pods here
		}
		if pod.Labels[HashLabel] == hash {
			st.UpdatedNumberScheduled++
		}
		if controller.IsPodReady(pod) {
			st.NumberReady++
		}
		switch ok, wait := controller.IsPodAvailable(pod, minReady, now); {
		case ok:
			st.NumberAvailable++
		case wait > 0 && (recheck == 0 || wait < recheck):
			recheck = wait
		}
	}
	st.NumberUnavailable = max(0, st.DesiredNumberScheduled-st.NumberAvailable)
	return st, recheck
}
