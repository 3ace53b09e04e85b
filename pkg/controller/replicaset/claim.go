package replicaset

import (
	"context"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

// claimPods returns the pods o controls whose labels it selects, adopting
// matching orphans and releasing its pods that no longer match (see
// controller.ClaimPods for the rules). An owner being deleted adopts and
// releases nothing.
func (c *Controller) claimPods(ctx context.Context, o *owner) ([]*api.Pod, error) {
	return controller.ClaimPods(ctx, c.w, c.pods, o.meta, o.controllerRef(), o.selector)
}
