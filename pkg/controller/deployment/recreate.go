package deployment

import "context"

// Recreate never runs old and new pods together: every old ReplicaSet
// goes to zero, the controller waits until their pods are gone, and only
// then scales the new one up (Kubernetes' rolloutRecreate in recreate.go).
func (c *Controller) rolloutRecreate(ctx context.Context, r *rollout) error {
	if err := c.syncNewReplicaSet(ctx, r, false); err != nil {
		return err
	}
	scaledDown := false
	for _, rs := range r.activeOld() {
		scaled, err := c.scaleReplicaSet(ctx, r, rs, 0)
		if err != nil {
			return err
		}
		scaledDown = scaledDown || scaled
	}
	if scaledDown || oldPodsRunning(r) {
		return nil // the old ReplicaSets' status will bring the next step
	}
	if r.newRS == nil {
		if err := c.syncNewReplicaSet(ctx, r, true); err != nil {
			return err
		}
	}
	if _, err := c.scaleReplicaSet(ctx, r, r.newRS, replicas(r.d)); err != nil {
		return err
	}
	if isComplete(r.d, &r.d.Status) {
		return c.cleanupHistory(ctx, r)
	}
	return nil
}

// oldPodsRunning reports whether an old ReplicaSet may still have pods:
// its status counts some, or its controller has not yet seen its last
// change. Kubernetes lists the pods themselves (oldPodsRunning).
func oldPodsRunning(r *rollout) bool {
	for _, rs := range r.old {
		if rs.Status.Replicas > 0 || rs.Status.ObservedGeneration < rs.Generation {
			return true
		}
	}
	return false
}
