package kubelet

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// peersOf lists the nodes other than self that have an InternalIP and a
// pod CIDR, sorted by name so that an unchanged cluster gives an equal
// list.
func peersOf(nodes []api.Object, self string) []runtime.Peer {
	var out []runtime.Peer
	for _, obj := range nodes {
		n := obj.(*api.Node)
		if n.Name == self || n.Spec.PodCIDR == "" || n.InternalIP() == "" {
			continue
		}
		out = append(out, runtime.Peer{NodeName: n.Name, NodeIP: n.InternalIP(), PodCIDR: n.Spec.PodCIDR})
	}
	slices.SortFunc(out, func(a, b runtime.Peer) int { return strings.Compare(a.NodeName, b.NodeName) })
	return out
}

// routeSyncer keeps the node's routes to other nodes' pods in step with the
// Node objects. Node heartbeats change a Node every few seconds, so it
// writes only when the list of peers changed, or every resync, or after a
// failure.
type routeSyncer struct {
	network runtime.PodNetwork
	nodes   interface{ List() []api.Object }
	self    string
	resync  time.Duration
	retry   time.Duration // the first wait after a failure, doubling to a minute
	log     *zap.Logger
	poke    chan struct{} // a Node changed
}

func newRouteSyncer(n runtime.PodNetwork, nodes interface{ List() []api.Object }, self string, resync time.Duration, log *zap.Logger) *routeSyncer {
	return &routeSyncer{network: n, nodes: nodes, self: self, resync: resync, retry: time.Second, log: log, poke: make(chan struct{}, 1)}
}

// changed notes that a Node changed; many changes before the next sync
// make one sync.
func (r *routeSyncer) changed(api.Object) {
	select {
	case r.poke <- struct{}{}:
	default:
	}
}

// run syncs routes until ctx is done.
func (r *routeSyncer) run(ctx context.Context) {
	var last []runtime.Peer
	synced := false
	retry := r.retry
	t := time.NewTicker(r.resync)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.poke:
		case <-t.C:
			synced = false // repair what someone removed
		}
		peers := peersOf(r.nodes.List(), r.self)
		if synced && slices.Equal(peers, last) {
			continue
		}
		if err := r.network.SyncRoutes(ctx, peers); err != nil {
			if ctx.Err() != nil {
				return
			}
			r.log.Warn("could not sync the routes to other nodes' pods; trying again", zap.Error(err), zap.Duration("after", retry))
			synced = false
			time.AfterFunc(retry, func() { r.changed(nil) })
			retry = min(2*retry, time.Minute)
			continue
		}
		last, synced, retry = peers, true, r.retry
		r.log.Debug("routes to other nodes' pods synced", zap.Int("peers", len(peers)))
	}
}

// initNetwork runs n.Init until it works or ctx ends: a node whose network
// cannot be set up yet (iptables busy, a module missing) says so and
// keeps trying rather than exit.
func initNetwork(ctx context.Context, n runtime.PodNetwork, log *zap.Logger) error {
	delay := time.Second
	for {
		err := n.Init(ctx)
		if err == nil {
			return nil
		}
		log.Error("could not set up the node's pod network; trying again", zap.Error(err), zap.Duration("after", delay))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 30*time.Second)
	}
}

// wireSandbox gives a running sandbox its eth0. A hostNetwork pod lives in
// the node's own network and gets nothing. It is called after a sandbox
// starts, and once for a sandbox this kubelet adopted (wiring converges:
// an adopted pod that is wired already stays as it is).
func (w *podWorkers) wireSandbox(ctx context.Context, pod *api.Pod, sandboxID, podIP string) error {
	if w.network == nil || pod.Spec.HostNetwork {
		return nil
	}
	pid, err := w.sandboxPID(ctx, sandboxID)
	if err != nil {
		return err
	}
	if err := w.network.SetupPod(ctx, pod.UID, podIP, pid); err != nil {
		return fmt.Errorf("set up the network of sandbox %s: %w", sandboxID, err)
	}
	w.mu.Lock()
	w.wired[pod.UID] = sandboxID
	w.mu.Unlock()
	return nil
}

// wiredAlready reports whether this kubelet wired (or re-wired after a
// restart) sandboxID.
func (w *podWorkers) wiredAlready(uid, sandboxID string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.wired[uid] == sandboxID
}

// unwire removes the pod's eth0 and veth before its sandbox stops. pod is
// nil for a pod the API no longer has: tearing down a hostNetwork pod's
// network, which does not exist, is harmless.
func (w *podWorkers) unwire(ctx context.Context, pod *api.Pod, uid string) error {
	w.mu.Lock()
	delete(w.wired, uid)
	w.mu.Unlock()
	if w.network == nil || (pod != nil && pod.Spec.HostNetwork) {
		return nil
	}
	if err := w.network.TeardownPod(ctx, uid); err != nil {
		return fmt.Errorf("tear down the pod network: %w", err)
	}
	return nil
}
