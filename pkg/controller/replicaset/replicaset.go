package replicaset

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// The kinds this controller serves, by the resource name that starts each
// of its queue keys: "replicasets/default/web".
const (
	replicaSets            = "replicasets"
	replicationControllers = "replicationcontrollers"
)

var podsResource = controller.Resource("pods")

// Controller keeps the pods of every ReplicaSet and ReplicationController
// at the count their spec asks for.
type Controller struct {
	replicaSets            controller.Lister // nil: ReplicaSets are not served
	replicationControllers controller.Lister // nil: ReplicationControllers are not served
	pods                   controller.Lister

	w   controller.Writer
	rec controller.EventRecorder
	log *zap.Logger

	queue        *client.Queue
	expectations *controller.Expectations
	now          func() time.Time // tests set the clock
}

// New returns a controller that reads ReplicaSets, ReplicationControllers
// and pods from the given caches (either owner lister may be nil to serve
// only the other kind) and writes through w. The pods lister needs the
// controller.IndexNamespace index.
func New(replicaSets, replicationControllers, pods controller.Lister, w controller.Writer, rec controller.EventRecorder, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{
		replicaSets:            replicaSets,
		replicationControllers: replicationControllers,
		pods:                   pods,
		w:                      w,
		rec:                    rec,
		log:                    log.Named("replicaset"),
		queue:                  client.NewQueue("replicaset"),
		expectations:           controller.NewExpectations(controller.ExpectationsTimeout, nil),
		now:                    time.Now,
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

// Sync reconciles one ReplicaSet or ReplicationController, named by a key
// such as "replicasets/default/web":
//
//  1. claim the pods: those it controls and its selector still matches,
//     plus matching orphans it adopts; matching no more, a pod is released;
//  2. unless writes are still in flight (expectations), create or delete
//     pods until the active ones number spec.replicas;
//  3. write the observed counts to status, if they changed.
//
// An owner being deleted is left alone but for its status: its pods are
// the garbage collector's business.
func (c *Controller) Sync(ctx context.Context, key string) error {
	res, cacheKey, _ := strings.Cut(key, "/")
	lister := c.listerFor(res)
	if lister == nil {
		return fmt.Errorf("replicaset: key %q names no kind this controller serves", key)
	}
	obj, ok := lister.Get(cacheKey)
	if !ok {
		c.expectations.Forget(key) // deleted: nothing more to wait for
		return nil
	}
	o, err := ownerOf(key, obj)
	if err != nil {
		return err
	}

	pods, err := c.claimPods(ctx, o)
	if err != nil {
		return err
	}
	var errs []error
	if o.meta.DeletionTimestamp == nil && c.expectations.Satisfied(key) {
		errs = append(errs, c.manage(ctx, o, activePods(pods), c.log.With(zap.String("key", key))))
	}
	errs = append(errs, c.updateStatus(ctx, o, pods))
	return errors.Join(errs...)
}

func (c *Controller) listerFor(res string) controller.Lister {
	switch res {
	case replicaSets:
		return c.replicaSets
	case replicationControllers:
		return c.replicationControllers
	}
	return nil
}

// owner is what Sync needs of a ReplicaSet or a ReplicationController; the
// two kinds differ only in the shape of their selector and template.
type owner struct {
	key      string
	obj      api.Object // shared with the cache: never change it
	meta     *api.ObjectMeta
	res      api.Resource
	replicas int32
	minReady int32
	selector api.Selector
	template *api.PodTemplateSpec // nil only for a ReplicationController without one
	status   api.ReplicaSetStatus
}

func ownerOf(key string, obj api.Object) (*owner, error) {
	o := &owner{key: key, obj: obj, meta: obj.GetObjectMeta(), replicas: 1}
	res, ok := api.ResourceOf(obj)
	if !ok {
		return nil, fmt.Errorf("replicaset: %s: unexpected %T", key, obj)
	}
	o.res = res
	switch x := obj.(type) {
	case *api.ReplicaSet:
		sel, err := api.SelectorFromLabelSelector(x.Spec.Selector)
		if err != nil {
			return nil, fmt.Errorf("%s: selector: %w", key, err)
		}
		o.selector, o.template, o.status, o.minReady = sel, &x.Spec.Template, x.Status, x.Spec.MinReadySeconds
		if x.Spec.Replicas != nil {
			o.replicas = *x.Spec.Replicas
		}
	case *api.ReplicationController:
		o.selector = api.SelectorFromSet(x.Spec.Selector)
		if len(x.Spec.Selector) == 0 {
			// Validation forbids this; were it to happen, select nothing
			// rather than adopt every pod of the namespace.
			o.selector, _ = api.SelectorFromLabelSelector(nil)
		}
		o.template, o.status, o.minReady = x.Spec.Template, x.Status, x.Spec.MinReadySeconds
		if x.Spec.Replicas != nil {
			o.replicas = *x.Spec.Replicas
		}
	default:
		return nil, fmt.Errorf("replicaset: %s: unexpected %T", key, obj)
	}
	if o.template != nil && !o.selector.Matches(o.template.Labels) {
		// Validation forbids this: the pods made would never count, and the
		// owner would create pods forever.
		return nil, fmt.Errorf("%s: selector %q does not match the template's labels", key, o.selector)
	}
	return o, nil
}

// withStatus returns a copy of the owner object carrying st.
func (o *owner) withStatus(st api.ReplicaSetStatus) api.Object {
	switch x := o.obj.(type) {
	case *api.ReplicaSet:
		cp := api.DeepCopy(x)
		cp.Status = st
		return cp
	case *api.ReplicationController:
		cp := api.DeepCopy(x)
		cp.Status = st
		return cp
	}
	panic(fmt.Sprintf("replicaset: unexpected %T", o.obj))
}

// controllerRef is the owner reference the owner's pods carry.
func (o *owner) controllerRef() api.OwnerReference {
	return controller.NewControllerRef(o.meta, o.res.APIVersion(), o.res.Kind)
}

// activePods are the pods that count toward spec.replicas: not being
// deleted and not finished.
func activePods(pods []*api.Pod) []*api.Pod {
	var out []*api.Pod
	for _, p := range pods {
		if isActive(p) {
			out = append(out, p)
		}
	}
	return out
}

func isActive(p *api.Pod) bool {
	return p.DeletionTimestamp == nil && p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed
}
