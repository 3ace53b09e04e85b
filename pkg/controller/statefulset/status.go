package statefulset

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

// updateStatus writes what the sync observed to set's status, when it
// differs from what it says already. If a ready pod becomes available
// later (minReadySeconds), the key comes back then.
func (c *Controller) updateStatus(ctx context.Context, set *api.StatefulSet, key string, h *history, r replicas) error {
	st, recheck := computeStatus(set, h, r, c.now())
	if recheck > 0 {
		c.queue.AddAfter(key, recheck)
	}
	if reflect.DeepEqual(st, set.Status) {
		return nil
	}
	cp := api.DeepCopy(set)
	cp.Status = st
	if _, err := c.w.UpdateStatus(ctx, cp); err != nil {
		return fmt.Errorf("update status of %s: %w", key, err)
	}
	return nil
}

// computeStatus counts set's pods: all of them (replicas), the ready and
// available ones, and, of those not being deleted, the ones of the
// current and of the update revision. A rolling update is complete when
// every pod runs the update revision and is ready: the update revision
// then becomes the current one (Kubernetes' completeRollingUpdate; under
// OnDelete the current revision stays, as there). recheck, when above
// zero, is how long until the next ready pod becomes available.
func computeStatus(set *api.StatefulSet, h *history, r replicas, now time.Time) (st api.StatefulSetStatus, recheck time.Duration) {
	st.ObservedGeneration = set.Generation
	st.CurrentRevision, st.UpdateRevision = h.current.Name, h.update.Name
	st.CollisionCount = set.Status.CollisionCount
	st.Conditions = set.Status.Conditions
	minReady := time.Duration(set.Spec.MinReadySeconds) * time.Second
	for _, pod := range r.all() {
		st.Replicas++
		if pod.Status.Phase == api.PodRunning && controller.IsPodReady(pod) {
			st.ReadyReplicas++
			switch ok, wait := controller.IsPodAvailable(pod, minReady, now); {
			case ok:
				st.AvailableReplicas++
			case wait > 0 && (recheck == 0 || wait < recheck):
				recheck = wait
			}
		}
		if pod.DeletionTimestamp != nil {
			continue
		}
		if revisionOf(pod) == h.current.Name {
			st.CurrentReplicas++
		}
		if revisionOf(pod) == h.update.Name {
			st.UpdatedReplicas++
		}
	}
	if set.Spec.UpdateStrategy.Type == api.RollingUpdateStatefulSetStrategyType &&
		st.UpdatedReplicas == st.Replicas && st.ReadyReplicas == st.Replicas {
		st.CurrentRevision, st.CurrentReplicas = st.UpdateRevision, st.UpdatedReplicas
	}
	return st, recheck
}

// all returns every pod of r.
func (r replicas) all() []*api.Pod {
	pods := slices.DeleteFunc(slices.Clone(r.slots), func(p *api.Pod) bool { return p == nil })
	return append(pods, r.condemned...)
}
