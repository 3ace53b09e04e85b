package deployment

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// cleanupHistory deletes the oldest revisions beyond
// spec.revisionHistoryLimit (Kubernetes' cleanupDeployment in sync.go).
// Old ReplicaSets scaled to zero are the history a rollback goes back to;
// only those with no pod left, and whose controller has seen that, are
// deleted. It runs when a rollout is complete, and while paused.
func (c *Controller) cleanupHistory(ctx context.Context, r *rollout) error {
	var alive []*api.ReplicaSet
	for _, rs := range r.old {
		if rs.DeletionTimestamp == nil {
			alive = append(alive, rs)
		}
	}
	extra := len(alive) - int(revisionHistoryLimit(r.d))
	if extra <= 0 {
		return nil
	}
	slices.SortStableFunc(alive, func(a, b *api.ReplicaSet) int {
		if c := cmp.Compare(revision(&a.ObjectMeta), revision(&b.ObjectMeta)); c != 0 {
			return c
		}
		return byCreation(a, b)
	})
	for _, rs := range alive[:extra] {
		if rsReplicas(rs) != 0 || rs.Status.Replicas != 0 || rs.Status.ObservedGeneration < rs.Generation {
			continue
		}
		err := c.w.Delete(ctx, replicaSetsResource, rs.Namespace, rs.Name, nil)
		if err != nil && !client.IsNotFound(err) {
			return fmt.Errorf("delete old replicaset %s: %w", client.KeyOf(rs), err)
		}
		r.log.Info("deleted old replicaset", zap.String("replicaSet", rs.Name))
	}
	return nil
}
