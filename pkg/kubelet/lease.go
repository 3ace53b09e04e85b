package kubelet

import (
	"context"
	"fmt"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// The node Lease is the kubelet's cheap heartbeat, as in Kubernetes: every
// heartbeat period (10 s) it renews the Lease kube-node-lease/<node>, a
// write of a few hundred bytes, and the node lifecycle controller counts
// a renewal as a sign of life. The full node status (kilobytes, and a
// MODIFIED event for every informer of Nodes in the cluster) then goes
// out only when it changed, or every NodeStatusReportFrequency (node.go).
//
// The Lease says it lasts 40 s (Kubernetes' --node-lease-duration-seconds)
// and is owned by the Node, so that deleting the Node deletes it.

// nodeLeaseDuration is the Lease's leaseDurationSeconds.
const nodeLeaseDuration = 40

// leaseAPI is what the kubelet reads and writes of its Lease.
type leaseAPI interface {
	GetLease(ctx context.Context, namespace, name string) (*api.Lease, error)
	CreateLease(ctx context.Context, lease *api.Lease) (*api.Lease, error)
	UpdateLease(ctx context.Context, lease *api.Lease) (*api.Lease, error)
}

// nodeLease renews one node's Lease.
type nodeLease struct {
	api  leaseAPI
	node string
	now  func() time.Time

	// latest is the Lease as last written: the next renewal updates it
	// without reading first, as Kubernetes' lease controller does, and
	// reads only after a conflict.
	latest *api.Lease
}

// renew writes a fresh renewTime, creating the Lease if there is none.
// node (nil before the Node is known) becomes its owner.
func (l *nodeLease) renew(ctx context.Context, node *api.Node) error {
	if l.latest != nil {
		out, err := l.api.UpdateLease(ctx, l.renewed(l.latest, node))
		if err == nil {
			l.latest = out
			return nil
		}
		l.latest = nil
		if !client.IsConflict(err) && !client.IsNotFound(err) {
			return fmt.Errorf("renew lease %s/%s: %w", api.NamespaceNodeLease, l.node, err)
		}
	}
	cur, err := l.api.GetLease(ctx, api.NamespaceNodeLease, l.node)
	switch {
	case client.IsNotFound(err):
		fresh := &api.Lease{ObjectMeta: api.ObjectMeta{Name: l.node, Namespace: api.NamespaceNodeLease}}
		out, err := l.api.CreateLease(ctx, l.renewed(fresh, node))
		if err != nil {
			return fmt.Errorf("create lease %s/%s: %w", api.NamespaceNodeLease, l.node, err)
		}
		l.latest = out
		return nil
	case err != nil:
		return fmt.Errorf("read lease %s/%s: %w", api.NamespaceNodeLease, l.node, err)
	}
	out, err := l.api.UpdateLease(ctx, l.renewed(cur, node))
	if err != nil {
		return fmt.Errorf("renew lease %s/%s: %w", api.NamespaceNodeLease, l.node, err)
	}
	l.latest = out
	return nil
}

// renewed is lease held by this node and renewed now, owned by node.
func (l *nodeLease) renewed(lease *api.Lease, node *api.Node) *api.Lease {
	lease = api.DeepCopy(lease)
	renew := api.NewMicroTime(l.now())
	lease.Spec.HolderIdentity = api.String(l.node)
	lease.Spec.LeaseDurationSeconds = api.Int32(nodeLeaseDuration)
	lease.Spec.RenewTime = &renew
	if node != nil && node.UID != "" {
		lease.OwnerReferences = []api.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}
	}
	return lease
}

func (a clientAPI) leases() *client.ResourceClient {
	return a.resource("leases.coordination.k8s.io").Namespace(api.NamespaceNodeLease)
}

func (a clientAPI) GetLease(ctx context.Context, namespace, name string) (*api.Lease, error) {
	return asLease(a.leases().Namespace(namespace).Get(ctx, name))
}

func (a clientAPI) CreateLease(ctx context.Context, lease *api.Lease) (*api.Lease, error) {
	return asLease(a.leases().Namespace(lease.Namespace).Create(ctx, lease))
}

func (a clientAPI) UpdateLease(ctx context.Context, lease *api.Lease) (*api.Lease, error) {
	return asLease(a.leases().Namespace(lease.Namespace).Update(ctx, lease))
}

func asLease(obj api.Object, err error) (*api.Lease, error) {
	if err != nil {
		return nil, err
	}
	return obj.(*api.Lease), nil
}

var _ leaseAPI = clientAPI{}
