package proxy

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// The nftables generator, read as text: each case gives Services and
// Endpoints and the exact rules of some chains and elements of some sets.

// nftChainRules returns the rules of chain in r, and whether it is there.
func nftChainRules(r *NFTRuleset, chain string) ([]string, bool) {
	for _, c := range r.Chains {
		if c.Name == chain {
			return c.Rules, true
		}
	}
	return nil, false
}

// nftSetElements returns the elements of set in r as nft writes them.
func nftSetElements(r *NFTRuleset, set string) ([]string, bool) {
	for _, s := range r.Sets {
		if s.Name == set {
			var out []string
			for _, e := range s.Elements {
				out = append(out, e.String())
			}
			return out, true
		}
	}
	return nil, false
}

func TestGenerateNFT(t *testing.T) {
	const kubia = "svc-default/kubia/tcp/http"
	tests := []struct {
		name      string
		services  []*api.Service
		endpoints []*api.Endpoints
		node      NodeInfo
		chains    map[string][]string // chain → its rules, exactly; nil: must not exist
		sets      map[string][]string // set → its elements, exactly
		absent    []string            // must not appear anywhere in the text
	}{
		{
			name:      "ClusterIP without endpoints is refused at once",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10")},
			endpoints: []*api.Endpoints{endpoints("default", "kubia")},
			sets: map[string][]string{
				"no-endpoint-services": {`10.96.0.10 . tcp . 80 comment "default/kubia:http has no endpoints" : goto refuse`},
				"service-ips":          nil,
				"service-endpoints":    nil,
			},
			absent: []string{"cluster-", "svc-"},
		},
		{
			name:      "ClusterIP with three endpoints: one element to a shared picker, three numbered endpoints",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10")},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.3.2", "10.244.1.2", "10.244.2.2")},
			chains: map[string][]string{
				"cluster-3": {
					"ip saddr != 10.244.0.0/16 jump mark-for-masquerade",
					"dnat to ip daddr . meta l4proto . th dport . numgen random mod 3 map @service-endpoints : ip daddr . meta l4proto . th dport map @service-target-ports",
				},
				kubia: nil,
			},
			sets: map[string][]string{
				"service-ips": {"10.96.0.10 . tcp . 80 : goto cluster-3"},
				"service-endpoints": {
					"10.96.0.10 . tcp . 80 . 0 : 10.244.1.2",
					"10.96.0.10 . tcp . 80 . 1 : 10.244.2.2",
					"10.96.0.10 . tcp . 80 . 2 : 10.244.3.2",
				},
				"hairpin":              {"10.244.1.2 . 10.244.1.2", "10.244.2.2 . 10.244.2.2", "10.244.3.2 . 10.244.3.2"},
				"no-endpoint-services": nil,
			},
		},
		{
			name: "services of the same size share their picker",
			services: []*api.Service{service("default", "a", "10.96.0.10"), service("default", "b", "10.96.0.11"),
				service("default", "c", "10.96.0.12")},
			endpoints: []*api.Endpoints{endpoints("default", "a", "10.244.1.2"), endpoints("default", "b", "10.244.1.3"),
				endpoints("default", "c", "10.244.1.4", "10.244.1.5")},
			sets: map[string][]string{
				"service-ips": {"10.96.0.10 . tcp . 80 : goto cluster-1", "10.96.0.11 . tcp . 80 : goto cluster-1",
					"10.96.0.12 . tcp . 80 : goto cluster-2"},
			},
		},
		{
			name:      "not-ready addresses get no traffic",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10")},
			endpoints: []*api.Endpoints{{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "kubia"}, Subsets: []api.EndpointSubset{{Addresses: []api.EndpointAddress{{IP: "10.244.1.2"}}, NotReadyAddresses: []api.EndpointAddress{{IP: "10.244.1.3"}}, Ports: []api.EndpointPort{{Name: "http", Port: 8080, Protocol: "TCP"}}}}}},
			absent:    []string{"10.244.1.3"},
		},
		{
			name:      "NodePort: masquerade, then any endpoint",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10", nodePort(30080))},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2@node1", "10.244.2.2@node2")},
			chains: map[string][]string{
				"nodeport-2": {
					"jump mark-for-masquerade",
					"dnat to meta l4proto . th dport . numgen random mod 2 map @nodeport-endpoints : meta l4proto . th dport map @nodeport-target-ports",
				},
			},
			sets: map[string][]string{
				"service-nodeports":  {"tcp . 30080 : goto nodeport-2"},
				"nodeport-endpoints": {"tcp . 30080 . 0 : 10.244.1.2", "tcp . 30080 . 1 : 10.244.2.2"},
			},
		},
		{
			// As the iptables mode's KLAB-SEP chains: a pod on node2 reaches
			// itself through node1's rules at node1's node port of a
			// service with policy Local, which sends pods to any endpoint.
			name:      "hairpin: every pod endpoint, on any node, is masqueraded when it reaches itself",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10", nodePort(30080), localPolicy)},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2@node1", "10.244.2.2@node2", "10.244.3.2")},
			chains: map[string][]string{
				"ext-default/kubia/tcp/http": {
					`ip saddr 10.244.0.0/16 goto ` + kubia + ` comment "pods use any endpoint"`,
					`fib saddr type local jump mark-for-masquerade comment "this node uses any endpoint"`,
					"fib saddr type local goto " + kubia,
					"meta l4proto tcp dnat to 10.244.1.2:8080",
				},
			},
			sets: map[string][]string{
				"hairpin": {"10.244.1.2 . 10.244.1.2", "10.244.2.2 . 10.244.2.2", "10.244.3.2 . 10.244.3.2"},
			},
		},
		{
			name:      "NodePort without endpoints is refused on every local address",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10", nodePort(30080))},
			endpoints: nil,
			sets: map[string][]string{
				"no-endpoint-nodeports": {`tcp . 30080 comment "default/kubia:http has no endpoints" : goto refuse`},
				"service-nodeports":     nil,
			},
		},
		{
			name:      "LoadBalancer: a node port, and the service port on the node's address",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10", loadBalancer(30080))},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2")},
			chains: map[string][]string{
				"external-1": {
					"jump mark-for-masquerade",
					"dnat to ip daddr . meta l4proto . th dport . numgen random mod 1 map @service-endpoints : ip daddr . meta l4proto . th dport map @service-target-ports",
				},
			},
			sets: map[string][]string{
				"service-ips": {"10.96.0.10 . tcp . 80 : goto cluster-1", "192.168.56.11 . tcp . 80 : goto external-1"},
				"service-endpoints": {"10.96.0.10 . tcp . 80 . 0 : 10.244.1.2",
					"192.168.56.11 . tcp . 80 . 0 : 10.244.1.2"},
				"service-nodeports": {"tcp . 30080 : goto nodeport-1"},
			},
		},
		{
			name: "two LoadBalancers on one port: the first by name gets the node's address, as in iptables",
			services: []*api.Service{service("default", "b", "10.96.0.11", loadBalancer(30081)),
				service("default", "a", "10.96.0.10", loadBalancer(30080))},
			endpoints: []*api.Endpoints{endpoints("default", "a", "10.244.1.2"), endpoints("default", "b", "10.244.1.3", "10.244.1.4")},
			sets: map[string][]string{
				"service-ips": {"10.96.0.10 . tcp . 80 : goto cluster-1", "10.96.0.11 . tcp . 80 : goto cluster-2",
					"192.168.56.11 . tcp . 80 : goto external-1"},
			},
		},
		{
			name:     "egress denied: an endpoint outside the cluster is refused; a node endpoint is masqueraded",
			services: []*api.Service{service("default", "kubia", "10.96.0.10")},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2", "192.168.56.12",
				"198.51.100.7")},
			node: NodeInfo{Name: "node1", ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14,
				NodeAddresses: []string{"192.168.56.11", "192.168.56.12"}},
			sets: map[string][]string{
				"service-endpoints": {"10.96.0.10 . tcp . 80 . 0 : 10.244.1.2",
					"10.96.0.10 . tcp . 80 . 1 : 192.168.56.12"},
				"masquerade-endpoints": {"192.168.56.12 . tcp . 8080"},
				"hairpin":              {"10.244.1.2 . 10.244.1.2"},
			},
			absent: []string{"198.51.100.7"},
		},
		{
			name:      "egress denied: a service whose endpoints are all outside is refused",
			services:  []*api.Service{service("default", "external-service", "10.96.0.11")},
			endpoints: []*api.Endpoints{endpoints("default", "external-service", "198.51.100.7", "203.0.113.9")},
			sets: map[string][]string{
				"no-endpoint-services": {`10.96.0.11 . tcp . 80 comment "default/external-service:http has no endpoints inside the cluster (pod egress denied)" : goto refuse`},
			},
			absent: []string{"198.51.100.7"},
		},
		{
			name:      "egress allowed: an endpoint outside the cluster is used, masqueraded",
			services:  []*api.Service{service("default", "external-service", "10.96.0.11")},
			endpoints: []*api.Endpoints{endpoints("default", "external-service", "198.51.100.7")},
			node:      NodeInfo{Name: "node1", ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14, AllowEgress: true},
			sets: map[string][]string{
				"service-endpoints":    {"10.96.0.11 . tcp . 80 . 0 : 198.51.100.7"},
				"masquerade-endpoints": {"198.51.100.7 . tcp . 8080"},
				"no-endpoint-services": nil,
			},
		},
		{
			name: "a loopback endpoint is refused, even on a node known by 127.0.0.1, but for the apiserver's",
			services: []*api.Service{service("default", "kubernetes", "10.96.0.1"),
				service("default", "local-dns", "10.96.0.53")},
			endpoints: []*api.Endpoints{endpoints("default", "kubernetes", "127.0.0.1"),
				endpoints("default", "local-dns", "127.0.0.1")},
			node: NodeInfo{Name: "node1", ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14,
				NodeAddresses: []string{"127.0.0.1"}, APIServer: "127.0.0.1"},
			sets: map[string][]string{
				"service-endpoints":    {"10.96.0.1 . tcp . 80 . 0 : 127.0.0.1"},
				"no-endpoint-services": {`10.96.0.53 . tcp . 80 comment "default/local-dns:http has no endpoints inside the cluster (pod egress denied)" : goto refuse`},
			},
		},
		{
			name:      "Local policy: chains of its own; outside traffic only to endpoints on this node, unmasqueraded",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10", nodePort(30080), localPolicy)},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2@node1", "10.244.1.3@node1", "10.244.2.2@node2")},
			chains: map[string][]string{
				kubia: {
					"ip daddr 10.96.0.10 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade",
					"numgen random mod 3 == 0 meta l4proto tcp dnat to 10.244.1.2:8080",
					"numgen random mod 2 == 0 meta l4proto tcp dnat to 10.244.1.3:8080",
					"meta l4proto tcp dnat to 10.244.2.2:8080",
				},
				"ext-default/kubia/tcp/http": {
					`ip saddr 10.244.0.0/16 goto ` + kubia + ` comment "pods use any endpoint"`,
					`fib saddr type local jump mark-for-masquerade comment "this node uses any endpoint"`,
					"fib saddr type local goto " + kubia,
					"numgen random mod 2 == 0 meta l4proto tcp dnat to 10.244.1.2:8080",
					"meta l4proto tcp dnat to 10.244.1.3:8080",
				},
			},
			sets: map[string][]string{
				"service-ips":           {"10.96.0.10 . tcp . 80 : goto " + kubia},
				"service-nodeports":     {"tcp . 30080 : goto ext-default/kubia/tcp/http"},
				"service-endpoints":     nil,
				"no-endpoint-nodeports": nil,
			},
		},
		{
			name:      "Local policy with no endpoint on this node: dropped, pods and the node still served",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10", nodePort(30080), localPolicy)},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.2.2@node2")},
			chains: map[string][]string{
				"ext-default/kubia/tcp/http": {
					`ip saddr 10.244.0.0/16 goto ` + kubia + ` comment "pods use any endpoint"`,
					`fib saddr type local jump mark-for-masquerade comment "this node uses any endpoint"`,
					"fib saddr type local goto " + kubia,
				},
			},
			sets: map[string][]string{
				"no-endpoint-nodeports": {`tcp . 30080 comment "default/kubia:http has no local endpoints" : drop`},
			},
		},
		{
			name:      "ClientIP affinity: a known client goes back before the draw; each choice is remembered",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10", affinity(600))},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2", "10.244.2.2")},
			chains: map[string][]string{
				kubia: {
					"ip daddr 10.96.0.10 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade",
					"ip saddr @aff-default/kubia/tcp/http__10.244.1.2/8080 meta l4proto tcp update @aff-default/kubia/tcp/http__10.244.1.2/8080 { ip saddr } dnat to 10.244.1.2:8080",
					"ip saddr @aff-default/kubia/tcp/http__10.244.2.2/8080 meta l4proto tcp update @aff-default/kubia/tcp/http__10.244.2.2/8080 { ip saddr } dnat to 10.244.2.2:8080",
					"numgen random mod 2 == 0 meta l4proto tcp update @aff-default/kubia/tcp/http__10.244.1.2/8080 { ip saddr } dnat to 10.244.1.2:8080",
					"meta l4proto tcp update @aff-default/kubia/tcp/http__10.244.2.2/8080 { ip saddr } dnat to 10.244.2.2:8080",
				},
				"ext-default/kubia/tcp/http": nil,
			},
			sets: map[string][]string{
				"service-ips": {"10.96.0.10 . tcp . 80 : goto " + kubia},
				"aff-default/kubia/tcp/http__10.244.1.2/8080": nil,
			},
		},
		{
			name:      "ClientIP affinity and a node port (policy Cluster): ext- masquerades, then the service's chain",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10", affinity(600), nodePort(30080))},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2")},
			chains: map[string][]string{
				"ext-default/kubia/tcp/http": {"jump mark-for-masquerade", "goto " + kubia},
			},
		},
		{
			name: "named and multiple ports, TCP and UDP: endpoints matched by port name",
			services: []*api.Service{service("kube-system", "dns", "10.96.0.53", ports(
				api.ServicePort{Name: "dns", Protocol: "UDP", Port: 53},
				api.ServicePort{Name: "dns-tcp", Protocol: "TCP", Port: 53},
				api.ServicePort{Name: "metrics", Protocol: "TCP", Port: 9153},
			))},
			endpoints: []*api.Endpoints{endpointsPorts("kube-system", "dns", []api.EndpointPort{
				{Name: "dns", Port: 5353, Protocol: "UDP"}, {Name: "dns-tcp", Port: 5353, Protocol: "TCP"},
			}, "10.244.1.5")},
			sets: map[string][]string{
				"service-ips": {"10.96.0.53 . tcp . 53 : goto cluster-1", "10.96.0.53 . udp . 53 : goto cluster-1"},
				"service-endpoints": {"10.96.0.53 . tcp . 53 . 0 : 10.244.1.5",
					"10.96.0.53 . udp . 53 . 0 : 10.244.1.5"},
				// metrics resolved on no pod: refused
				"no-endpoint-services": {`10.96.0.53 . tcp . 9153 comment "kube-system/dns:metrics has no endpoints" : goto refuse`},
			},
		},
		{
			name: "an unnamed port is named by its number",
			services: []*api.Service{service("default", "web", "10.96.0.20", affinity(60), ports(
				api.ServicePort{Protocol: "TCP", Port: 8000}))},
			endpoints: []*api.Endpoints{endpointsPorts("default", "web", []api.EndpointPort{{Port: 8000}}, "10.244.1.2")},
			sets: map[string][]string{
				"service-ips": {"10.96.0.20 . tcp . 8000 : goto svc-default/web/tcp/8000"},
			},
		},
		{
			name: "headless and ExternalName services get nothing",
			services: []*api.Service{
				service("default", "headless", api.ClusterIPNone),
				service("default", "db", "", func(s *api.Service) {
					s.Spec.Type, s.Spec.ExternalName = api.ServiceTypeExternalName, "db.example.com"
				}),
			},
			endpoints: []*api.Endpoints{endpoints("default", "headless", "10.244.1.2")},
			sets:      map[string][]string{"service-ips": nil, "no-endpoint-services": nil},
			absent:    []string{"headless", "db.", "cluster-"},
		},
		{
			name:      "a malformed address is left out, not fed to nft",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10")},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2", "not-an-ip")},
			absent:    []string{"not-an-ip", "cluster-2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := tt.node
			if node.Name == "" {
				node = node1
			}
			r := GenerateNFT(tt.services, tt.endpoints, node)
			text := r.Text()
			for chain, want := range tt.chains {
				got, ok := nftChainRules(r, chain)
				if want == nil {
					if ok {
						t.Errorf("chain %s exists, want none:\n  %s", chain, strings.Join(got, "\n  "))
					}
					continue
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("chain %s:\n got:\n  %s\n want:\n  %s", chain, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
				}
			}
			for set, want := range tt.sets {
				got, ok := nftSetElements(r, set)
				if !ok {
					t.Errorf("no set %s", set)
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("set %s:\n got:\n  %s\n want:\n  %s", set, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(text, s) {
					t.Errorf("text contains %q:\n%s", s, text)
				}
			}
			if err := NewFakeNFT().Run(text); err != nil {
				t.Errorf("nft would refuse the table: %v", err)
			}
		})
	}
}

func TestGenerateNFTFixedChains(t *testing.T) {
	r := GenerateNFT(nil, nil, NodeInfo{Name: "n", ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 3})
	want := map[string][]string{
		"mark-for-masquerade": {"meta mark set meta mark | 0x8"},
		"masquerading": {"meta mark & 0x8 == 0 return", "meta mark set meta mark ^ 0x8",
			`masquerade comment "kubelab proxy: masquerade marked traffic"`},
		"refuse":         {"reject with icmp type port-unreachable"},
		"firewall":       {`ip saddr != 127.0.0.0/8 ip daddr 127.0.0.0/8 ct state != { established, related } ct status & dnat == 0 drop comment "kubelab proxy: no outside packets to 127.0.0.0/8"`},
		"filter-forward": {"ct state new jump no-endpoints"},
	}
	for chain, rules := range want {
		if got, _ := nftChainRules(r, chain); strings.Join(got, "\n") != strings.Join(rules, "\n") {
			t.Errorf("chain %s:\n got:\n  %s\n want:\n  %s", chain, strings.Join(got, "\n  "), strings.Join(rules, "\n  "))
		}
	}
	if strings.Contains(r.Text(), "accept\n") {
		t.Error("an accept in the proxy's table cannot overrule a drop in another (Docker's FORWARD): write none")
	}
}

// Two generations from the same objects, in any order, are byte-identical:
// that is what lets a sync compare them to find what changed.
func TestGenerateNFTIsDeterministic(t *testing.T) {
	var services []*api.Service
	var eps []*api.Endpoints
	for i, name := range []string{"a", "b", "c", "d", "e", "f"} {
		opts := []func(*api.Service){nodePort(30000 + int32(i))}
		if i%2 == 0 {
			opts = append(opts, affinity(60))
		}
		services = append(services, service("default", name, fmt.Sprintf("10.96.0.%d", i+1), opts...))
		eps = append(eps, endpoints("default", name, fmt.Sprintf("10.244.1.%d", i+1), fmt.Sprintf("10.244.2.%d", i+1), "10.244.3.9"))
	}
	want := GenerateNFT(services, eps, node1).Text()
	for range 20 {
		rand.Shuffle(len(services), func(i, j int) { services[i], services[j] = services[j], services[i] })
		rand.Shuffle(len(eps), func(i, j int) { eps[i], eps[j] = eps[j], eps[i] })
		for _, e := range eps {
			a := e.Subsets[0].Addresses
			rand.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
		}
		if got := GenerateNFT(services, eps, node1).Text(); got != want {
			t.Fatalf("a second generation differs:\n%s\nvs\n%s", got, want)
		}
	}
}

// TestGenerateNFTGolden keeps the whole table for a small cluster in
// testdata/kubia.nft, as a reference to read: the cluster of
// testdata/kubia.rules (a NodePort service with three endpoints, a UDP
// service with affinity, one without endpoints) and a LoadBalancer with
// policy Local. Run with -update after a deliberate change, and read the
// diff.
func TestGenerateNFTGolden(t *testing.T) {
	services := []*api.Service{
		service("default", "kubia", "10.96.0.10", nodePort(30080)),
		service("default", "dns", "10.96.0.53", affinity(10800), ports(api.ServicePort{Name: "dns", Protocol: "UDP", Port: 53})),
		service("default", "nothing", "10.96.0.99"),
		service("default", "web", "10.96.0.20", loadBalancer(30020), localPolicy),
	}
	eps := []*api.Endpoints{
		endpoints("default", "kubia", "10.244.1.2@node1", "10.244.1.3@node1", "10.244.2.2@node2"),
		endpointsPorts("default", "dns", []api.EndpointPort{{Name: "dns", Port: 53, Protocol: "UDP"}}, "10.244.2.7"),
		endpoints("default", "web", "10.244.1.3@node1", "10.244.2.3@node2"),
	}
	got := GenerateNFT(services, eps, node1).Text()
	const file = "testdata/kubia.nft"
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to write it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("line %d differs from %s:\n got: %s\nwant: %s", i+1, file, gl[i], wl[i])
			}
		}
		t.Fatalf("%s has %d lines, the generator %d", file, len(wl), len(gl))
	}
}
