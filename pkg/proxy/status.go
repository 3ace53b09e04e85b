package proxy

import (
	"context"
	"net/netip"
	"slices"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// A LoadBalancer service in a cloud gets an address from the cloud's load
// balancer. kubelab has none, so, like k3s' ServiceLB, every node is the
// load balancer: the rules make a LoadBalancer service answer on its own
// port at each node's address (externalAddresses), and its
// status.loadBalancer.ingress lists the InternalIPs of the Ready nodes,
// which `kctl get svc` shows as EXTERNAL-IP.
//
// Who writes the status: every proxy computes the same list from the same
// Node objects, but if every proxy wrote it, N proxies would make N
// writes, and while their caches disagree (a node just went NotReady)
// they would overwrite each other back and forth. So one proxy writes: the
// one whose node's name sorts first among the Ready nodes. When that node
// fails, the next one takes over as soon as the node lifecycle controller
// marks it NotReady. Writes happen only when the status differs from the
// list, so a quiet cluster makes none.

// StatusWriter writes a Service's status.
type StatusWriter interface {
	UpdateServiceStatus(ctx context.Context, svc *api.Service) error
}

// RESTStatusWriter writes through the apiserver (PUT .../services/NAME/status).
type RESTStatusWriter struct {
	Client *client.Client
}

var _ StatusWriter = RESTStatusWriter{}

// UpdateServiceStatus writes svc's status; a stale resourceVersion is a
// conflict, and the next sync tries again with the newer object.
func (w RESTStatusWriter) UpdateServiceStatus(ctx context.Context, svc *api.Service) error {
	_, err := w.Client.For(svc).UpdateStatus(ctx, svc)
	return err
}

// statusUpdates returns changed copies of the services whose
// status.loadBalancer.ingress is not what it should be, when this node
// (self) is the one that writes them; nil otherwise.
func statusUpdates(services []*api.Service, nodes []*api.Node, self string) []*api.Service {
	if statusWriterNode(nodes) != self {
		return nil
	}
	ingress := loadBalancerIngress(nodes)
	var out []*api.Service
	for _, svc := range services {
		var want []api.LoadBalancerIngress // a service that stopped being a LoadBalancer loses its addresses
		if svc.Spec.Type == api.ServiceTypeLoadBalancer {
			want = ingress
		}
		if !slices.Equal(svc.Status.LoadBalancer.Ingress, want) {
			c := api.DeepCopy(svc) // the informer's copy is shared
			c.Status.LoadBalancer.Ingress = want
			out = append(out, c)
		}
	}
	return out
}

// statusWriterNode is the Ready node whose name sorts first, or "".
func statusWriterNode(nodes []*api.Node) string {
	first := ""
	for _, n := range nodes {
		if nodeReady(n) && (first == "" || n.Name < first) {
			first = n.Name
		}
	}
	return first
}

// loadBalancerIngress lists the InternalIPs of the Ready nodes, sorted,
// but for loopback addresses, where no rule answers (externalAddress).
func loadBalancerIngress(nodes []*api.Node) []api.LoadBalancerIngress {
	var ips []netip.Addr
	for _, n := range nodes {
		if nodeReady(n) {
			for _, ip := range internalIPs(n) {
				if externalAddress(ip) { // where the rules answer: not loopback
					ips = append(ips, netip.MustParseAddr(ip))
				}
			}
		}
	}
	slices.SortFunc(ips, netip.Addr.Compare)
	var out []api.LoadBalancerIngress
	for _, ip := range slices.Compact(ips) {
		out = append(out, api.LoadBalancerIngress{IP: ip.String()})
	}
	return out
}

// internalIPs are a node's IPv4 InternalIP addresses.
func internalIPs(n *api.Node) []string {
	var out []string
	for _, a := range n.Status.Addresses {
		if a.Type == api.NodeInternalIP && isIPv4(a.Address) {
			out = append(out, a.Address)
		}
	}
	return out
}

func nodeReady(n *api.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == api.NodeReady {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}
