package proxy

import (
	"regexp"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// Builders for the objects the tests feed Generate.

var node1 = NodeInfo{Name: "node1", IPs: []string{"192.168.56.11"}, ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14}

// service is a ClusterIP service with one TCP port 80 named http, whose
// endpoints (see endpoints) are on 8080; opts change it.
func service(ns, name, clusterIP string, opts ...func(*api.Service)) *api.Service {
	s := &api.Service{
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name},
		Spec: api.ServiceSpec{Type: api.ServiceTypeClusterIP, ClusterIP: clusterIP,
			Ports: []api.ServicePort{{Name: "http", Protocol: "TCP", Port: 80, TargetPort: api.IntOrString{IntVal: 8080}}}},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func nodePort(port int32) func(*api.Service) {
	return func(s *api.Service) { s.Spec.Type = api.ServiceTypeNodePort; s.Spec.Ports[0].NodePort = port }
}

func loadBalancer(port int32) func(*api.Service) {
	return func(s *api.Service) { s.Spec.Type = api.ServiceTypeLoadBalancer; s.Spec.Ports[0].NodePort = port }
}

func localPolicy(s *api.Service) { s.Spec.ExternalTrafficPolicy = "Local" }

func affinity(seconds int32) func(*api.Service) {
	return func(s *api.Service) {
		s.Spec.SessionAffinity = "ClientIP"
		s.Spec.SessionAffinityConfig = &api.SessionAffinityConfig{ClientIP: &api.ClientIPConfig{TimeoutSeconds: &seconds}}
	}
}

func ports(ps ...api.ServicePort) func(*api.Service) {
	return func(s *api.Service) { s.Spec.Ports = ps }
}

// endpoints lists ready addresses "ip" or "ip@node" for the port named
// http, TCP 8080.
func endpoints(ns, name string, addrs ...string) *api.Endpoints {
	return endpointsPorts(ns, name, []api.EndpointPort{{Name: "http", Port: 8080, Protocol: "TCP"}}, addrs...)
}

func endpointsPorts(ns, name string, ports []api.EndpointPort, addrs ...string) *api.Endpoints {
	ep := &api.Endpoints{ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name}}
	if len(addrs) == 0 {
		return ep
	}
	sub := api.EndpointSubset{Ports: ports}
	for _, a := range addrs {
		ip, node, _ := strings.Cut(a, "@")
		addr := api.EndpointAddress{IP: ip}
		if node != "" {
			addr.NodeName = api.String(node)
		}
		sub.Addresses = append(sub.Addresses, addr)
	}
	ep.Subsets = []api.EndpointSubset{sub}
	return ep
}

// Tests write chain names by what they stand for, and expand turns them
// into the hashed names Generate uses:
//
//	SVC(default/kubia:http/tcp)                  → KLAB-SVC-<hash>
//	EXT(default/kubia:http/tcp)                  → KLAB-EXT-<hash>
//	SEP(default/kubia:http/tcp/10.244.1.2:8080)  → KLAB-SEP-<hash>
var symbolic = regexp.MustCompile(`(SVC|EXT|SEP)\(([^)]+)\)`)

func expand(s string) string {
	return symbolic.ReplaceAllStringFunc(s, func(m string) string {
		parts := symbolic.FindStringSubmatch(m)
		return "KLAB-" + parts[1] + "-" + hash(parts[2])
	})
}

// chainOf returns the "-A chain" lines of chain in text, without the
// "-A chain " prefix.
func chainOf(text, chain string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if rule, ok := strings.CutPrefix(l, "-A "+chain+" "); ok {
			out = append(out, rule)
		}
	}
	return out
}

// wantChain fails unless chain holds exactly want (symbolic names allowed).
func wantChain(t *testing.T, text, chain string, want ...string) {
	t.Helper()
	chain = expand(chain)
	got := chainOf(text, chain)
	for i := range want {
		want[i] = expand(want[i])
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("chain %s:\n got:\n  %s\n want:\n  %s", chain, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
