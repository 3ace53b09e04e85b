package statefulset

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

var podsResource = controller.Resource("pods")

// Controller runs the pods of StatefulSets, each with its own name and
// claims.
type Controller struct {
	sets      controller.Lister
	revisions controller.Lister
	pods      controller.Lister
	claims    controller.Lister

	w   controller.Writer
	rec controller.EventRecorder
	log *zap.Logger

	queue *client.Queue
	now   func() time.Time // tests set the clock
}

// New returns a controller that reads StatefulSets, their
// ControllerRevisions, pods and PersistentVolumeClaims from the given
// caches and writes through w. The sets, revisions and pods listers need
// the controller.IndexNamespace index.
func New(sets, revisions, pods, claims controller.Lister, w controller.Writer, rec controller.EventRecorder, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{
		sets:      sets,
		revisions: revisions,
		pods:      pods,
		claims:    claims,
		w:         w,
		rec:       rec,
		log:       log.Named("statefulset"),
		queue:     client.NewQueue("statefulset"),
		now:       time.Now,
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

// Sync reconciles the StatefulSet with key "namespace/name":
//
//  1. claim its pods (adopt matching orphans, release pods that no longer
//     match);
//  2. make sure the current template has the newest ControllerRevision,
//     the update revision, and find the current one (revisions.go);
//  3. make at most the next step towards the desired pods: create a
//     missing pod (after its claims), replace a failed one, delete one
//     beyond the replicas, or replace one of an old revision
//     (replicas.go);
//  4. write status, if it changed, and prune old revisions.
//
// A StatefulSet being deleted is left alone: its pods, revisions and
// claims are the garbage collector's.
func (c *Controller) Sync(ctx context.Context, key string) error {
	obj, ok := c.sets.Get(key)
	if !ok {
		return nil
	}
	set := obj.(*api.StatefulSet)
	if set.DeletionTimestamp != nil {
		return nil
	}
	sel, err := api.SelectorFromLabelSelector(set.Spec.Selector)
	if err != nil {
		return fmt.Errorf("%s: selector: %w", key, err)
	}
	if !sel.Matches(set.Spec.Template.Labels) {
		// Validation forbids this: the pods made would never be claimed.
		return fmt.Errorf("%s: selector %q does not match the template's labels", key, sel)
	}
	pods, err := controller.ClaimPods(ctx, c.w, c.pods, &set.ObjectMeta, controllerRef(set), sel)
	if err != nil {
		return err
	}
	revs := controller.OwnedRevisions(c.revisions, &set.ObjectMeta)
	h, err := c.syncRevisions(ctx, set, revs)
	if err != nil {
		return err
	}
	r := sortPods(set, pods)
	errs := []error{c.step(ctx, set, h, r)}
	errs = append(errs, c.updateStatus(ctx, set, key, h, r))
	errs = append(errs, c.pruneRevisions(ctx, set, h, revs, pods))
	return errors.Join(errs...)
}
