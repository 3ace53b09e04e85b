package deployment

import (
	"cmp"
	"context"
	"slices"

	"kubelab/pkg/api"
)

// scale is the step taken while paused, or when spec.replicas changed
// since the ReplicaSets were last scaled: no rollout, only the size
// (Kubernetes' sync and scale in sync.go). One active ReplicaSet takes
// the whole count. Several, mid-rollout, share the change in proportion
// to their size, so that the rollout resumes where it was, at the new
// scale.
func (c *Controller) scale(ctx context.Context, r *rollout) error {
	if err := c.syncNewReplicaSet(ctx, r, false); err != nil {
		return err
	}
	if err := c.scaleToReplicas(ctx, r); err != nil {
		return err
	}
	if r.d.Spec.Paused {
		return c.cleanupHistory(ctx, r)
	}
	return nil
}

func (c *Controller) scaleToReplicas(ctx context.Context, r *rollout) error {
	want := replicas(r.d)
	var active []*api.ReplicaSet
	for _, rs := range r.all() {
		if rsReplicas(rs) > 0 {
			active = append(active, rs)
		}
	}
	if len(active) <= 1 {
		target := r.newRS
		switch {
		case len(active) == 1:
			target = active[0]
		case target == nil && len(r.old) > 0:
			target = r.old[len(r.old)-1] // the newest
		}
		if target == nil {
			return nil
		}
		_, err := c.scaleReplicaSet(ctx, r, target, want)
		return err
	}
	if n := r.newRS; n != nil && rsReplicas(n) == want && n.Status.AvailableReplicas == want {
		// The new ReplicaSet is all there and available: the old ones go.
		for _, rs := range r.activeOld() {
			if _, err := c.scaleReplicaSet(ctx, r, rs, 0); err != nil {
				return err
			}
		}
		return nil
	}
	if isRecreate(r.d) {
		return nil // the next rollout step scales the old ones to zero
	}

	surge, _, _ := bounds(r.d)
	allowed := want + surge
	if want == 0 {
		allowed = 0
	}
	sizes := proportionalSizes(active, allowed)
	for _, rs := range active {
		if _, err := c.scaleReplicaSet(ctx, r, rs, sizes[rs.Name]); err != nil {
			return err
		}
	}
	return nil
}

// proportionalSizes spreads allowed pods over rss in proportion to their
// current size, rounded; what rounding leaves over goes to the largest
// (the newest on a tie when adding, the oldest when taking away). This
// is Kubernetes' getProportion with the current total for the
// max-replicas annotation it keeps.
func proportionalSizes(rss []*api.ReplicaSet, allowed int32) map[string]int32 {
	total := sumReplicas(rss)
	toAdd := allowed - total
	sorted := slices.Clone(rss)
	slices.SortStableFunc(sorted, func(a, b *api.ReplicaSet) int {
		if c := cmp.Compare(rsReplicas(b), rsReplicas(a)); c != 0 {
			return c
		}
		if toAdd > 0 {
			return byCreation(b, a)
		}
		return byCreation(a, b)
	})
	sizes := map[string]int32{}
	var added int32
	for _, rs := range sorted {
		have := rsReplicas(rs)
		share := int32((2*int64(have)*int64(allowed)+int64(total))/(2*int64(total))) - have // rounded
		if toAdd > 0 {
			share = min(share, toAdd-added)
		} else {
			share = max(share, toAdd-added)
		}
		sizes[rs.Name] = have + share
		added += share
	}
	if left := toAdd - added; left != 0 {
		first := sorted[0].Name
		sizes[first] = max(sizes[first]+left, 0)
	}
	return sizes
}
