package podgc

import (
	"context"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// DefaultTerminatedThreshold is Kubernetes' default
// --terminated-pod-gc-threshold.
const DefaultTerminatedThreshold = 12500

// Options tune the collector.
type Options struct {
	// Quarantine is how long a pod's node must be missing before the pod
	// is deleted. Default 40 s, as Kubernetes' quarantineTime.
	Quarantine time.Duration
	// TerminatedThreshold is how many terminated pods may exist before the
	// oldest are deleted; 0 or less turns that off.
	TerminatedThreshold int
	// Clock tells the time; tests set it. Default time.Now.
	Clock func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Quarantine <= 0 {
		o.Quarantine = 40 * time.Second
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o
}

// LiveNodes reads a Node from the apiserver itself, past the cache:
// *client.ResourceClient for nodes is one.
type LiveNodes interface {
	Get(ctx context.Context, name string) (api.Object, error)
}

var _ LiveNodes = (*client.ResourceClient)(nil)

// terminatedKey is the queue key that asks for a count of the terminated
// pods; node keys are "nodes/<name>".
const terminatedKey = "terminated"

func nodeKey(name string) string { return "nodes/" + name }

// Controller is the pod garbage collector.
type Controller struct {
	pods  controller.Lister
	nodes controller.Lister
	live  LiveNodes
	w     controller.Writer
	rec   controller.EventRecorder
	log   *zap.Logger
	opts  Options
	queue *client.Queue

	mu      sync.Mutex
	missing map[string]time.Time // node name → when its pods were first seen without it
}

// New returns a collector that reads Pods (indexed by controller.IndexNode)
// and Nodes from the given caches, confirms a node is gone with live, and
// deletes through w.
func New(pods, nodes controller.Lister, live LiveNodes, w controller.Writer, rec controller.EventRecorder, log *zap.Logger, opts Options) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{
		pods:    pods,
		nodes:   nodes,
		live:    live,
		w:       w,
		rec:     rec,
		log:     log,
		opts:    opts.withDefaults(),
		queue:   client.NewQueue("podgc"),
		missing: map[string]time.Time{},
	}
}

// Run works the queue until ctx is done. Call it once the informers have
// synced.
func (c *Controller) Run(ctx context.Context, workers int) {
	client.RunWorkers(ctx, c.queue, workers, c.Sync, c.log)
}

// Queue is the controller's work queue, for the manager's metrics and
// health check.
func (c *Controller) Queue() *client.Queue { return c.queue }

// Sync takes "nodes/<name>" (delete the pods of that node if it does not
// exist) or "terminated" (delete the oldest terminated pods past the
// threshold).
func (c *Controller) Sync(ctx context.Context, key string) error {
	if key == terminatedKey {
		return c.syncTerminated(ctx)
	}
	if name, ok := strings.CutPrefix(key, "nodes/"); ok && name != "" {
		return c.syncNode(ctx, name)
	}
	return nil
}

// PodHandler is for the pods informer: a pod bound to a node the cache
// does not have, or a pod that has terminated, is worth a look.
func (c *Controller) PodHandler() client.Handler {
	look := func(obj api.Object) {
		pod := obj.(*api.Pod)
		if n := pod.Spec.NodeName; n != "" {
			if _, ok := c.nodes.Get(n); !ok {
				c.queue.Add(nodeKey(n))
			}
		}
		if terminated(pod) && c.opts.TerminatedThreshold > 0 {
			c.queue.Add(terminatedKey)
		}
	}
	return client.Handler{OnAdd: look, OnUpdate: func(_, obj api.Object) { look(obj) }}
}

// NodeHandler is for the nodes informer: the pods of a node deleted may be
// orphans now, and a node added ends its quarantine.
func (c *Controller) NodeHandler() client.Handler {
	look := func(obj api.Object) { c.queue.Add(nodeKey(obj.GetObjectMeta().Name)) }
	return client.Handler{OnAdd: look, OnDelete: look}
}

// terminated reports a pod that has finished and will not run again.
func terminated(pod *api.Pod) bool {
	return pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed
}

// forceDelete deletes pod at once (grace 0), if it is still the pod that
// was judged (same UID). A pod gone already, or replaced, is fine.
func (c *Controller) forceDelete(ctx context.Context, pod *api.Pod) (deleted bool, err error) {
	opts := &api.DeleteOptions{GracePeriodSeconds: api.Int64(0)}
	if pod.UID != "" {
		opts.Preconditions = &api.Precondition{UID: api.String(pod.UID)}
	}
	err = c.w.Delete(ctx, controller.Resource("pods"), pod.Namespace, pod.Name, opts)
	switch {
	case client.IsNotFound(err) || client.IsConflict(err):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}
