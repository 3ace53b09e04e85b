package nodelifecycle

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Options tune the controller; zero values take the defaults.
type Options struct {
	// GracePeriod is how long a node's heartbeat may stay unchanged before
	// the node is Ready=Unknown. Default 40 s, as Kubernetes'
	// --node-monitor-grace-period.
	GracePeriod time.Duration
	// EvictionTimeout is how long a node may be unreachable or not ready
	// before its pods are deleted. Default 5 min, as Kubernetes' default
	// tolerationSeconds for these taints.
	EvictionTimeout time.Duration
	// MonitorPeriod is how often every node is checked. Default a quarter
	// of GracePeriod, at most 5 s (Kubernetes' --node-monitor-period).
	MonitorPeriod time.Duration
	// Clock tells the time; tests set it. Default time.Now.
	Clock func() time.Time
}

func (o Options) withDefaults() Options {
	if o.GracePeriod <= 0 {
		o.GracePeriod = 40 * time.Second
	}
	if o.EvictionTimeout <= 0 {
		o.EvictionTimeout = 5 * time.Minute
	}
	if o.MonitorPeriod <= 0 {
		o.MonitorPeriod = min(o.GracePeriod/4, 5*time.Second)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o
}

// Messages of the Ready condition this controller writes, Kubernetes' own.
const (
	reasonUnknown      = "NodeStatusUnknown"
	messageUnknown     = "Kubelet stopped posting node status."
	reasonNeverUpdated = "NodeStatusNeverUpdated"
	messageNeverPosted = "Kubelet never posted node status."
)

// Controller watches node heartbeats. Its queue holds node names.
type Controller struct {
	nodes controller.Lister
	pods  controller.Lister
	w     controller.Writer
	rec   controller.EventRecorder
	log   *zap.Logger
	opts  Options
	queue *client.Queue

	mu   sync.Mutex
	seen map[string]observation // node name → its heartbeat as last seen
}

// observation is a node's heartbeat and when, by our clock, it last changed.
type observation struct {
	heartbeat time.Time
	at        time.Time
}

// New returns a controller reading Nodes and Pods (indexed by
// controller.IndexNode) from the given caches.
func New(nodes, pods controller.Lister, w controller.Writer, rec controller.EventRecorder, log *zap.Logger, opts Options) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{
		nodes: nodes,
		pods:  pods,
		w:     w,
		rec:   rec,
		log:   log,
		opts:  opts.withDefaults(),
		queue: client.NewQueue("nodelifecycle"),
		seen:  map[string]observation{},
	}
}

// Run checks every node every MonitorPeriod, and on node events, until ctx
// is done. Call it once the informers have synced.
func (c *Controller) Run(ctx context.Context, workers int) {
	go c.monitor(ctx)
	client.RunWorkers(ctx, c.queue, workers, c.Sync, c.log)
}

// Queue is the controller's work queue, for the manager's metrics and
// health check.
func (c *Controller) Queue() *client.Queue { return c.queue }

// monitor queues every node now and then every MonitorPeriod: a dead node
// sends no events, so time alone must bring it back to the queue.
func (c *Controller) monitor(ctx context.Context) {
	t := time.NewTicker(c.opts.MonitorPeriod)
	defer t.Stop()
	for {
		for _, n := range c.nodes.List() {
			c.queue.Add(client.KeyOf(n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// NodeHandler is for the nodes informer.
func (c *Controller) NodeHandler() client.Handler {
	enqueue := func(obj api.Object) { c.queue.Add(client.KeyOf(obj)) }
	return client.Handler{
		OnAdd:    enqueue,
		OnUpdate: func(_, obj api.Object) { enqueue(obj) },
		OnDelete: enqueue,
	}
}

// Sync brings one node's Ready condition, taints and pods in line with
// its heartbeat.
func (c *Controller) Sync(ctx context.Context, name string) error {
	obj, ok := c.nodes.Get(name)
	if !ok {
		c.forget(name) // its pods are the pod garbage collector's (package podgc)
		return nil
	}
	node := obj.(*api.Node)
	now := c.opts.Clock()

	// 1. A kubelet that stopped posting cannot say so: we say Unknown.
	ready := readyCondition(node)
	if c.silentFor(node, ready, now) > c.opts.GracePeriod && (ready == nil || ready.Status != api.ConditionUnknown) {
		var err error
		if node, err = c.markUnknown(ctx, node, now); err != nil {
			return err
		}
	}
	// 2. The NoExecute taints follow the Ready condition.
	node, err := c.syncTaints(ctx, node, now)
	if err != nil {
		return err
	}
	// 3. Pods of a tainted node: no traffic now, deletion later.
	return c.syncPods(ctx, node, now)
}

// readyCondition returns the node's Ready condition, or nil if the kubelet
// never posted one.
func readyCondition(node *api.Node) *api.NodeCondition {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == api.NodeReady {
			return &node.Status.Conditions[i]
		}
	}
	return nil
}

// silentFor says how long, by our clock, the node's heartbeat has not
// changed. See "Whose clock?" in the package documentation.
func (c *Controller) silentFor(node *api.Node, ready *api.NodeCondition, now time.Time) time.Duration {
	if ready == nil || ready.LastHeartbeatTime.IsZero() {
		return now.Sub(node.CreationTimestamp.Time) // never reported: count from its registration
	}
	return now.Sub(c.heartbeatSeen(node.Name, ready.LastHeartbeatTime.Time, now))
}

// heartbeatSeen records the heartbeat hb of a node, observed at now, and
// returns when it was first seen with that value.
func (c *Controller) heartbeatSeen(name string, hb, now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.seen[name]
	if !ok || !o.heartbeat.Equal(hb) {
		o = observation{heartbeat: hb, at: now}
		c.seen[name] = o
	}
	return o.at
}

func (c *Controller) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.seen, name)
}

// markUnknown sets the node's Ready condition to Unknown through
// nodes/status and returns the node as written. The update carries the
// cached resourceVersion: if the kubelet has just posted a heartbeat, the
// write fails with a conflict, and the retry sees the fresh heartbeat.
func (c *Controller) markUnknown(ctx context.Context, node *api.Node, now time.Time) (*api.Node, error) {
	node = api.DeepCopy(node)
	cond := readyCondition(node)
	if cond == nil {
		node.Status.Conditions = append(node.Status.Conditions, api.NodeCondition{
			Type: api.NodeReady, Reason: reasonNeverUpdated, Message: messageNeverPosted,
		})
		cond = &node.Status.Conditions[len(node.Status.Conditions)-1]
	} else {
		cond.Reason, cond.Message = reasonUnknown, messageUnknown
	}
	cond.Status = api.ConditionUnknown
	cond.LastTransitionTime = api.NewTime(now) // lastHeartbeatTime stays: it is the kubelet's
	out, err := c.w.UpdateStatus(ctx, node)
	if err != nil {
		return nil, fmt.Errorf("marking node %s Ready=Unknown: %w", node.Name, err)
	}
	c.log.Info("node stopped posting status", zap.String("key", node.Name))
	c.rec.Eventf(node, api.EventNormal, "NodeNotReady", "Node %s status is now: NodeNotReady", node.Name)
	return out.(*api.Node), nil
}
