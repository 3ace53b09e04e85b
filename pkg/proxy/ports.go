package proxy

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"kubelab/pkg/api"
)

// This file reads Services and Endpoints into ServicePorts: everything the
// rules need to know, and nothing else. It is pure.

// ServicePort is one port of one Service, as the proxy sees it: the
// addresses it answers on and the endpoints behind it. Each ServicePort
// gets chains of its own.
type ServicePort struct {
	Name      string   // "default/kubia:http", or "default/kubia:80" for an unnamed port
	Protocol  string   // tcp, udp or sctp, as iptables spells them
	ClusterIP string   // the virtual IP
	Port      int32    // the port on ClusterIP and on External addresses
	NodePort  int32    // 0 when the service has none
	External  []string // addresses reached from outside at Port: this node's IPs for a LoadBalancer, spec.externalIPs
	Local     bool     // externalTrafficPolicy Local: outside traffic only to endpoints on this node
	Affinity  int32    // sessionAffinity ClientIP: seconds a client sticks to its endpoint; 0 for none
	Endpoints []Endpoint
	Refused   []Endpoint // ready endpoints outside the cluster, left out while pod egress is denied
}

// Endpoint is one ready backend of a ServicePort.
type Endpoint struct {
	IP       string
	Port     int32
	NodeName string // where it runs, when the Endpoints say so
}

// Addr is the endpoint as DNAT writes it: "10.244.1.2:8080".
func (e Endpoint) Addr() string { return e.IP + ":" + strconv.Itoa(int(e.Port)) }

// servicePorts turns the API objects into ServicePorts, sorted by name and
// protocol. Services that get no rules are left out: ExternalName ones (a
// DNS matter), headless ones (clusterIP None: DNS answers with the pod IPs
// directly) and those not yet given a cluster IP.
func servicePorts(services []*api.Service, endpoints []*api.Endpoints, node NodeInfo) []ServicePort {
	byKey := make(map[string]*api.Endpoints, len(endpoints))
	for _, ep := range endpoints {
		byKey[ep.Namespace+"/"+ep.Name] = ep
	}

	out := make([]ServicePort, 0, len(services)) // most have one port: no copying as it grows
	for _, svc := range services {
		if !hasRules(svc) {
			continue
		}
		for _, p := range svc.Spec.Ports {
			sp := ServicePort{
				Name:      portName(svc, p),
				Protocol:  strings.ToLower(cmp.Or(p.Protocol, "TCP")),
				ClusterIP: svc.Spec.ClusterIP,
				Port:      p.Port,
				NodePort:  p.NodePort,
				External:  externalAddresses(svc, node),
				Local:     svc.Spec.ExternalTrafficPolicy == "Local",
				Affinity:  affinitySeconds(svc),
				Endpoints: endpointsFor(byKey[svc.Namespace+"/"+svc.Name], p),
			}
			if !node.AllowEgress {
				sp.Endpoints, sp.Refused = partition(sp.Endpoints, insideCluster(svc, node))
			}
			out = append(out, sp)
		}
	}
	slices.SortFunc(out, portOrder)
	return out
}

// hasRules reports whether a Service gets iptables rules at all.
func hasRules(svc *api.Service) bool {
	return svc.Spec.Type != api.ServiceTypeExternalName && isIPv4(svc.Spec.ClusterIP) // not "", not "None"
}

// isIPv4 guards the rule text: one malformed address would make
// iptables-restore reject the whole update, every other service's with it.
func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// portName names a service port the way kube-proxy's comments do:
// namespace/service:port-name, with the number for an unnamed port.
func portName(svc *api.Service, p api.ServicePort) string {
	name := p.Name
	if name == "" {
		name = strconv.Itoa(int(p.Port))
	}
	return svc.Namespace + "/" + svc.Name + ":" + name
}

// externalAddresses are the addresses besides the cluster IP where the
// service answers on its own port: spec.externalIPs, and for a
// LoadBalancer this node's own addresses, the way k3s' ServiceLB makes
// every node a load balancer (the status lists them as ingress).
func externalAddresses(svc *api.Service, node NodeInfo) []string {
	addrs := slices.Clone(svc.Spec.ExternalIPs)
	if svc.Spec.Type == api.ServiceTypeLoadBalancer {
		addrs = append(addrs, node.IPs...)
	}
	addrs = slices.DeleteFunc(addrs, func(s string) bool { return !externalAddress(s) })
	slices.Sort(addrs)
	return slices.Compact(addrs)
}

// externalAddress reports whether a service may answer on ip besides its
// cluster IP: an IPv4 address, not loopback. A rule for 127.0.0.1 and a
// service's port would catch the node's own connections to that port:
// a LoadBalancer on port 6443 would cut the control plane off its
// apiserver. So a node known only by 127.0.0.1 (`make up`) publishes no
// load balancer address, and its services answer there on their node
// ports.
func externalAddress(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && a.Is4() && !a.IsLoopback()
}

// insideCluster returns whether an endpoint of svc is inside the cluster:
// a pod address, a node's address (not loopback: an endpoint at 127.0.0.1
// would open every port the node serves only to itself), or for
// default/kubernetes, whose Endpoints the apiserver writes, the apiserver
// this proxy talks to itself.
func insideCluster(svc *api.Service, node NodeInfo) func(ip string) bool {
	pods, podsOK := node.podNetwork()
	apiserver := svc.Namespace == "default" && svc.Name == "kubernetes"
	return func(ip string) bool {
		a, err := netip.ParseAddr(ip)
		switch {
		case err != nil:
			return false
		case apiserver && ip == node.APIServer:
			return true
		case podsOK && pods.Contains(a):
			return true
		}
		return !a.IsLoopback() && slices.Contains(node.NodeAddresses, ip)
	}
}

// partition splits endpoints into those inside the cluster and the others.
func partition(eps []Endpoint, inside func(string) bool) (in, out []Endpoint) {
	for _, e := range eps {
		if inside(e.IP) {
			in = append(in, e)
		} else {
			out = append(out, e)
		}
	}
	return in, out
}

// affinitySeconds is the ClientIP affinity timeout, 0 without affinity.
func affinitySeconds(svc *api.Service) int32 {
	if svc.Spec.SessionAffinity != "ClientIP" {
		return 0
	}
	if c := svc.Spec.SessionAffinityConfig; c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
		return *c.ClientIP.TimeoutSeconds
	}
	return api.DefaultSessionAffinityTimeoutSeconds
}

// endpointsFor collects the ready addresses behind one service port. The
// Endpoints controller has resolved each port already (a named targetPort
// may be a different number on each pod); it names the resolved port after
// the service port, so the match is by name and protocol.
func endpointsFor(ep *api.Endpoints, p api.ServicePort) []Endpoint {
	if ep == nil {
		return nil
	}
	proto := cmp.Or(p.Protocol, "TCP")
	var out []Endpoint
	for _, s := range ep.Subsets {
		for _, port := range s.Ports {
			if port.Name != p.Name || cmp.Or(port.Protocol, "TCP") != proto {
				continue
			}
			for _, a := range s.Addresses { // never NotReadyAddresses
				if !isIPv4(a.IP) || port.Port <= 0 {
					continue
				}
				e := Endpoint{IP: a.IP, Port: port.Port}
				if a.NodeName != nil {
					e.NodeName = *a.NodeName
				}
				out = append(out, e)
			}
		}
	}
	slices.SortFunc(out, func(a, b Endpoint) int {
		return cmp.Or(cmp.Compare(a.IP, b.IP), cmp.Compare(a.Port, b.Port))
	})
	return slices.CompactFunc(out, func(a, b Endpoint) bool { return a.IP == b.IP && a.Port == b.Port })
}
