package deployment

import (
	"context"
	"slices"

	"kubelab/pkg/api"
)

// A rolling update replaces pods a few at a time, within two bounds:
//
//	pods asked for (the ReplicaSets' spec.replicas)  ≤ replicas + maxSurge
//	pods available (their status.availableReplicas) ≥ replicas − maxUnavailable
//
// Each step does one of: scale the new ReplicaSet up into the room the
// surge leaves, or scale old ones down by what availability can spare.
// Then it waits: new pods must become available before more old ones go.

// rolloutRolling takes one step of a rolling update (Kubernetes'
// rolloutRolling in pkg/controller/deployment/rolling.go).
func (c *Controller) rolloutRolling(ctx context.Context, r *rollout) error {
	if err := c.syncNewReplicaSet(ctx, r, true); err != nil {
		return err
	}
	if scaled, err := c.reconcileNewReplicaSet(ctx, r); err != nil || scaled {
		return err
	}
	if scaled, err := c.reconcileOldReplicaSets(ctx, r); err != nil || scaled {
		return err
	}
	if isComplete(r.d, &r.d.Status) {
		return c.cleanupHistory(ctx, r)
	}
	return nil
}

// reconcileNewReplicaSet scales the new ReplicaSet toward spec.replicas:
// down at once if it has more, up only as far as the surge allows.
func (c *Controller) reconcileNewReplicaSet(ctx context.Context, r *rollout) (bool, error) {
	want := replicas(r.d)
	switch have := rsReplicas(r.newRS); {
	case have == want:
		return false, nil
	case have > want:
		return c.scaleReplicaSet(ctx, r, r.newRS, want)
	}
	return c.scaleReplicaSet(ctx, r, r.newRS, newReplicaSetReplicas(r))
}

// newReplicaSetReplicas is what the new ReplicaSet may have now
// (Kubernetes' NewRSNewReplicas): all the replicas for Recreate; for a
// rolling update, its current count plus the room below
// replicas + maxSurge, never more than replicas.
func newReplicaSetReplicas(r *rollout) int32 {
	want := replicas(r.d)
	if isRecreate(r.d) {
		return want
	}
	have := rsReplicas(r.newRS)
	surge, _, _ := bounds(r.d)
	room := want + surge - sumReplicas(r.all())
	if room <= 0 {
		return have
	}
	return min(have+room, want)
}

// reconcileOldReplicaSets scales old ReplicaSets down as far as
// availability allows. What it may take away is every pod asked for
// beyond the minimum available, less the new pods not available yet
// (they may never be):
//
//	maxScaledDown = all − (replicas − maxUnavailable) − newUnavailable
//
// Old pods that are not available cost no availability, so they go first
// (cleanupUnhealthyReplicas); then available old pods, while more than the
// minimum are available.
func (c *Controller) reconcileOldReplicaSets(ctx context.Context, r *rollout) (bool, error) {
	if sumReplicas(r.old) == 0 {
		return false, nil
	}
	_, unavail, _ := bounds(r.d)
	minAvailable := replicas(r.d) - unavail
	newUnavailable := rsReplicas(r.newRS) - availableOf(r.newRS)
	maxScaledDown := sumReplicas(r.all()) - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return false, nil
	}
	cleaned, err := c.cleanupUnhealthyReplicas(ctx, r, maxScaledDown)
	if err != nil {
		return false, err
	}
	scaled, err := c.scaleDownOldForRollingUpdate(ctx, r, minAvailable)
	return cleaned > 0 || scaled > 0, err
}

// cleanupUnhealthyReplicas scales old ReplicaSets down by their pods that
// are not available, oldest ReplicaSet first, at most max in all.
func (c *Controller) cleanupUnhealthyReplicas(ctx context.Context, r *rollout, max int32) (int32, error) {
	var total int32
	for _, rs := range slices.Clone(r.old) {
		if total >= max {
			break
		}
		have := rsReplicas(rs)
		unhealthy := have - availableOf(rs)
		if have == 0 || unhealthy <= 0 {
			continue
		}
		n := min(max-total, unhealthy)
		if _, err := c.scaleReplicaSet(ctx, r, rs, have-n); err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// scaleDownOldForRollingUpdate scales old ReplicaSets down, oldest first,
// by as many pods as are available beyond minAvailable.
func (c *Controller) scaleDownOldForRollingUpdate(ctx context.Context, r *rollout, minAvailable int32) (int32, error) {
	var available int32
	for _, rs := range r.all() {
		available += availableOf(rs)
	}
	if available <= minAvailable {
		return 0, nil
	}
	spare := available - minAvailable
	var total int32
	for _, rs := range slices.Clone(r.old) {
		if total >= spare {
			break
		}
		have := rsReplicas(rs)
		if have == 0 {
			continue
		}
		n := min(have, spare-total)
		if _, err := c.scaleReplicaSet(ctx, r, rs, have-n); err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// availableOf is rs's available pods, counting no more than it asks for:
// scaled down a moment ago, it still reports the pods its controller is
// about to delete, and counting those would let a second step take the
// same room again.
func availableOf(rs *api.ReplicaSet) int32 {
	return min(rs.Status.AvailableReplicas, rsReplicas(rs))
}

// isComplete reports a Deployment whose every desired pod is updated and
// available, and no old one is left (Kubernetes' DeploymentComplete).
func isComplete(d *api.Deployment, st *api.DeploymentStatus) bool {
	n := replicas(d)
	return st.UpdatedReplicas == n && st.Replicas == n && st.AvailableReplicas == n && st.ObservedGeneration >= d.Generation
}
