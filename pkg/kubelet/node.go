package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// nodeAPI is what the kubelet reads and writes of its own Node.
type nodeAPI interface {
	GetNode(ctx context.Context, name string) (*api.Node, error)
	CreateNode(ctx context.Context, node *api.Node) (*api.Node, error)
	UpdateNode(ctx context.Context, node *api.Node) (*api.Node, error)
	UpdateNodeStatus(ctx context.Context, node *api.Node) (*api.Node, error)
}

// nodeFacts is what the kubelet says about its node; it is worked out once,
// at start-up (see host.go).
type nodeFacts struct {
	name       string
	labels     map[string]string
	capacity   api.ResourceList // cpu, memory, pods; allocatable is the same
	internalIP string
	hostname   string
	port       int32 // where the kubelet serves, for the apiserver to reach it
	info       api.NodeSystemInfo

	// annotations are this kubelet's on its Node: the local-path
	// directory (localpath.go).
	annotations map[string]string
}

// status is the node status to report at now. Ready keeps its
// lastTransitionTime while it stays True; conditions others added stay.
func (f *nodeFacts) status(old api.NodeStatus, now time.Time) api.NodeStatus {
	ready := api.NodeCondition{
		Type: api.NodeReady, Status: api.ConditionTrue,
		Reason: "KubeletReady", Message: "kubelet is posting ready status",
		LastHeartbeatTime: api.NewTime(now), LastTransitionTime: api.NewTime(now),
	}
	conds := []api.NodeCondition{ready}
	for _, c := range old.Conditions {
		switch {
		case c.Type != api.NodeReady:
			conds = append(conds, c)
		case c.Status == api.ConditionTrue:
			conds[0].LastTransitionTime = c.LastTransitionTime
		}
	}
	return api.NodeStatus{
		Capacity:    maps.Clone(f.capacity),
		Allocatable: maps.Clone(f.capacity),
		Conditions:  conds,
		Addresses: []api.NodeAddress{
			{Type: api.NodeInternalIP, Address: f.internalIP},
			{Type: api.NodeHostName, Address: f.hostname},
		},
		DaemonEndpoints: api.NodeDaemonEndpoints{KubeletEndpoint: api.DaemonEndpoint{Port: f.port}},
		NodeInfo:        f.info,
	}
}

// nodeAgent registers the Node and keeps its heartbeat going, in two
// forms as in Kubernetes: the node Lease, renewed every period
// (lease.go), and the Ready condition's lastHeartbeatTime, posted with
// the status when the status changed or every reportEvery. The node
// lifecycle controller marks a node that shows neither for its grace
// period Ready=Unknown, and later evicts its pods.
type nodeAgent struct {
	api   nodeAPI
	lease *nodeLease // nil: no Lease, the status alone is the heartbeat
	facts nodeFacts
	now   func() time.Time
	log   *zap.Logger
	poll  time.Duration // between looks while waiting for a pod CIDR

	// reportEvery is how often the status is posted when nothing in it
	// changed (Kubernetes' nodeStatusReportFrequency, 5 min); 0: every
	// period. lastReport is when it was last posted.
	reportEvery time.Duration
	lastReport  time.Time
}

// register creates the Node, or takes over the one that exists (this
// kubelet ran before, or an admin created it): its spec stays as it is
// (podCIDR, taints, cordon), labels others set stay, this kubelet's labels
// and the whole status are refreshed.
func (n *nodeAgent) register(ctx context.Context) (*api.Node, error) {
	now := n.now()
	want := &api.Node{
		ObjectMeta: api.ObjectMeta{Name: n.facts.name, Labels: maps.Clone(n.facts.labels), Annotations: maps.Clone(n.facts.annotations)},
		Status:     n.facts.status(api.NodeStatus{}, now),
	}
	node, err := n.api.CreateNode(ctx, want)
	if err == nil {
		n.lastReport = now
		n.log.Info("registered node", zap.String("podCIDR", node.Spec.PodCIDR))
		return node, nil
	}
	if !client.IsAlreadyExists(err) {
		return nil, fmt.Errorf("register node %s: %w", n.facts.name, err)
	}
	node, err = n.api.GetNode(ctx, n.facts.name)
	if err != nil {
		return nil, fmt.Errorf("read node %s: %w", n.facts.name, err)
	}
	if !hasLabels(node.Labels, n.facts.labels) || !hasLabels(node.Annotations, n.facts.annotations) {
		upd := api.DeepCopy(node)
		if upd.Labels == nil {
			upd.Labels = map[string]string{}
		}
		maps.Copy(upd.Labels, n.facts.labels)
		if len(n.facts.annotations) > 0 && upd.Annotations == nil {
			upd.Annotations = map[string]string{}
		}
		maps.Copy(upd.Annotations, n.facts.annotations)
		if node, err = n.api.UpdateNode(ctx, upd); err != nil {
			return nil, fmt.Errorf("update the labels of node %s: %w", n.facts.name, err)
		}
	}
	if node, err = n.writeStatus(ctx, node); err != nil {
		return nil, err
	}
	n.log.Info("node already registered; updated it", zap.String("podCIDR", node.Spec.PodCIDR))
	return node, nil
}

// registerUntilDone registers the node, trying again after a failure
// (the apiserver is not up yet, a pod CIDR was taken by a node registering
// at the same moment) until it works or ctx is done.
func (n *nodeAgent) registerUntilDone(ctx context.Context) (*api.Node, error) {
	delay := n.poll
	for {
		node, err := n.register(ctx)
		if err == nil {
			return node, nil
		}
		n.log.Warn("could not register the node; trying again", zap.Error(err), zap.Duration("after", delay))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 10*time.Second)
	}
}

// hasLabels reports whether have holds every label of want.
func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if w, ok := have[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// waitForPodCIDR returns node once it has a pod CIDR. The apiserver
// assigns one when the Node is created, so this rarely waits; a cluster
// that assigns CIDRs some other way may take a moment.
func (n *nodeAgent) waitForPodCIDR(ctx context.Context, node *api.Node) (*api.Node, error) {
	for node.Spec.PodCIDR == "" {
		n.log.Info("waiting for the node's pod CIDR (spec.podCIDR)")
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(n.poll):
		}
		latest, err := n.api.GetNode(ctx, n.facts.name)
		if err != nil {
			n.log.Warn("could not read the node", zap.Error(err))
			continue
		}
		node = latest
	}
	return node, nil
}

// heartbeat reports the node's status if it changed or is due (see
// statusChanged), and returns the Node. If the Node was deleted (by an
// admin, say), it registers it again.
func (n *nodeAgent) heartbeat(ctx context.Context) (*api.Node, error) {
	for try := 0; ; try++ {
		node, err := n.api.GetNode(ctx, n.facts.name)
		if client.IsNotFound(err) {
			n.log.Warn("the Node object is gone; registering it again")
			return n.register(ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("read node %s: %w", n.facts.name, err)
		}
		if now := n.now(); now.Sub(n.lastReport) < n.reportEvery && !statusChanged(node.Status, n.facts.status(node.Status, now)) {
			return node, nil // the Lease says we are alive; the status says nothing new
		}
		node, err = n.writeStatus(ctx, node)
		if client.IsConflict(err) && try < 2 {
			continue // written by someone else meanwhile: read it again
		}
		return node, err
	}
}

// writeStatus replaces node's status with the current one, on the
// condition that node is still the latest version.
func (n *nodeAgent) writeStatus(ctx context.Context, node *api.Node) (*api.Node, error) {
	upd := api.DeepCopy(node)
	now := n.now()
	upd.Status = n.facts.status(node.Status, now)
	out, err := n.api.UpdateNodeStatus(ctx, upd)
	if err != nil {
		return nil, fmt.Errorf("update the status of node %s: %w", n.facts.name, err)
	}
	n.lastReport = now
	return out, nil
}

// statusChanged compares two statuses but for the heartbeat times of
// their conditions, as Kubernetes' nodeStatusHasChanged: a change (the
// node lifecycle controller set Ready=Unknown, say) is posted at once.
func statusChanged(old, new api.NodeStatus) bool {
	strip := func(s api.NodeStatus) string {
		s.Conditions = slices.Clone(s.Conditions)
		for i := range s.Conditions {
			s.Conditions[i].LastHeartbeatTime = api.Time{}
		}
		b, _ := json.Marshal(s)
		return string(b)
	}
	return strip(old) != strip(new)
}

// run renews the Lease and heartbeats every period until ctx is done,
// handing each node it read or wrote to seen. node is the Node as
// registered, the Lease's owner.
func (n *nodeAgent) run(ctx context.Context, node *api.Node, period time.Duration, seen func(*api.Node)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		if n.lease != nil {
			if err := n.lease.renew(ctx, node); err != nil && ctx.Err() == nil {
				n.log.Warn("could not renew the node lease", zap.Error(err))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		latest, err := n.heartbeat(ctx)
		if err != nil {
			if ctx.Err() == nil {
				n.log.Warn("heartbeat failed", zap.Error(err))
			}
			continue
		}
		node = latest
		seen(node)
	}
}

// nodeLabels are the labels every kubelab node carries, plus extra.
func nodeLabels(name, os, arch string, extra map[string]string) map[string]string {
	l := map[string]string{
		"kubernetes.io/hostname": name,
		"kubernetes.io/os":       os,
		"kubernetes.io/arch":     arch,
	}
	maps.Copy(l, extra)
	return l
}
