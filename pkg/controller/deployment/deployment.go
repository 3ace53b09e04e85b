package deployment

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

var replicaSetsResource = controller.Resource("replicasets")
var deploymentsResource = controller.Resource("deployments")

// Controller rolls each Deployment's pod template out through
// ReplicaSets: one per template, the new one scaled up and the old ones
// down, within the bounds the strategy sets.
type Controller struct {
	deployments controller.Lister
	replicaSets controller.Lister

	w   controller.Writer
	rec controller.EventRecorder
	log *zap.Logger

	queue *client.Queue
	now   func() time.Time // tests set the clock
}

// New returns a controller that reads Deployments and ReplicaSets from the
// given caches, both with the controller.IndexNamespace index, and writes
// through w.
func New(deployments, replicaSets controller.Lister, w controller.Writer, rec controller.EventRecorder, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{
		deployments: deployments,
		replicaSets: replicaSets,
		w:           w,
		rec:         rec,
		log:         log.Named("deployment"),
		queue:       client.NewQueue("deployment"),
		now:         time.Now,
	}
}

// Run syncs keys from the queue with the given number of workers until
// ctx is done. Start it after the informers have synced.
func (c *Controller) Run(ctx context.Context, workers int) {
	client.RunWorkers(ctx, c.queue, workers, c.Sync, c.log)
}

// Queue is the controller's work queue, for the manager's metrics and
// health check.
func (c *Controller) Queue() *client.Queue { return c.queue }

// Sync reconciles the Deployment with key "namespace/name":
//
//  1. claim its ReplicaSets (adopt matching orphans, release those its
//     selector no longer matches) and split them into the new one, whose
//     template is the Deployment's, and the old ones;
//  2. take one step: while paused, or when spec.replicas changed, only
//     scale (scale.go); else one step of the strategy, rolling.go or
//     recreate.go, creating the new ReplicaSet if it is missing;
//  3. write status (counts, Available, Progressing) if it changed.
//
// A step is the fewest writes that move the rollout on; the next event
// (a ReplicaSet's pods becoming available, the apiserver confirming a
// scale) brings the next step. A Deployment being deleted gets step 3
// only: its ReplicaSets are the garbage collector's.
func (c *Controller) Sync(ctx context.Context, key string) error {
	obj, ok := c.deployments.Get(key)
	if !ok {
		return nil
	}
	d := api.DeepCopy(obj.(*api.Deployment))
	sel, err := api.SelectorFromLabelSelector(d.Spec.Selector)
	if err != nil {
		return fmt.Errorf("%s: selector: %w", key, err)
	}
	if sel.Empty() {
		// Validation forbids this; were it to happen, adopting every
		// ReplicaSet of the namespace would be worse than doing nothing.
		c.rec.Event(d, api.EventWarning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
		return nil
	}
	rsList, err := c.claimReplicaSets(ctx, d, sel)
	if err != nil {
		return err
	}
	r := newRollout(key, d, rsList, c.log.With(zap.String("key", key)))
	if d.DeletionTimestamp != nil {
		return c.syncStatus(ctx, r, false)
	}

	rollingOut := !d.Spec.Paused && !r.isScalingEvent()
	switch {
	case !rollingOut:
		err = c.scale(ctx, r)
	case isRecreate(d):
		err = c.rolloutRecreate(ctx, r)
	default:
		err = c.rolloutRolling(ctx, r)
	}
	if err != nil {
		return err
	}
	return c.syncStatus(ctx, r, rollingOut)
}
