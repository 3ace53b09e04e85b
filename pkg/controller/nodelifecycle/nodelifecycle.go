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
	// EvictionTimeout is how long a pod that has no toleration for the
	// not-ready or unreachable taint stays on such a node (evict.go,
	// toleratedFor). Default 5 min, as the apiserver's default
	// tolerationSeconds, which admitted pods carry.
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
	nodes  controller.Lister
	pods   controller.Lister
	leases controller.Lister // the Leases of kube-node-lease; nil: none
	w      controller.Writer
	rec    controller.EventRecorder
	log    *zap.Logger
	opts   Options
	queue  *client.Queue

	mu   sync.Mutex
	seen map[string]observation // node name → its heartbeats as last seen
}

// probe is what a kubelet last said to show it is alive: the Ready
// condition's lastHeartbeatTime, and its Lease's renewTime.
type probe struct {
	heartbeat time.Time
	renew     time.Time
}

// observation is a node's probe and when, by our clock, it last changed.
type observation struct {
	probe probe
	at    time.Time
}

// New returns a controller reading Nodes, Pods (indexed by
// controller.IndexNode) and the Leases of kube-node-lease (nil for none)
// from the given caches.
func New(nodes, pods, leases controller.Lister, w controller.Writer, rec controller.EventRecorder, log *zap.Logger, opts Options) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{
		nodes:  nodes,
		pods:   pods,
		leases: leases,
		w:      w,
		rec:    rec,
		log:    log,
		opts:   opts.withDefaults(),
		queue:  client.NewQueue("nodelifecycle"),
		seen:   map[string]observation{},
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

// LeaseHandler is for the informer of kube-node-lease: a renewal queues
// the node of the same name.
func (c *Controller) LeaseHandler() client.Handler {
	enqueue := func(obj api.Object) { c.queue.Add(obj.GetObjectMeta().Name) }
	return client.Handler{
		OnAdd:    enqueue,
		OnUpdate: func(_, obj api.Object) { enqueue(obj) },
		OnDelete: enqueue,
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
// its heartbeats.
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
	// 2. The taints follow the Ready condition and spec.unschedulable (taints.go).
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

// silentFor says how long, by our clock, neither the node's heartbeat
// nor its Lease has changed: either one is a sign of life, as in
// Kubernetes, where the kubelet renews its Lease every 10 s and posts
// its status only every few minutes. See "Whose clock?" in the package
// documentation.
func (c *Controller) silentFor(node *api.Node, ready *api.NodeCondition, now time.Time) time.Duration {
	var p probe
	if ready != nil {
		p.heartbeat = ready.LastHeartbeatTime.Time
	}
	if lease := c.lease(node.Name); lease != nil && lease.Spec.RenewTime != nil {
		p.renew = lease.Spec.RenewTime.Time
	}
	if p.heartbeat.IsZero() && p.renew.IsZero() {
		return now.Sub(node.CreationTimestamp.Time) // never reported: count from its registration
	}
	return now.Sub(c.probed(node.Name, p, now))
}

// lease is the node's Lease in kube-node-lease, or nil.
func (c *Controller) lease(node string) *api.Lease {
	if c.leases == nil {
		return nil
	}
	obj, ok := c.leases.Get(api.NamespaceNodeLease + "/" + node)
	if !ok {
		return nil
	}
	return obj.(*api.Lease)
}

// probed records the probe p of a node, observed at now, and returns
// when it was first seen with that value.
func (c *Controller) probed(name string, p probe, now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.seen[name]
	if !ok || !o.probe.heartbeat.Equal(p.heartbeat) || !o.probe.renew.Equal(p.renew) {
		o = observation{probe: p, at: now}
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
