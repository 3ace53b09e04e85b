package proxy

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// The rule generator, read as text: each case gives Services and
// Endpoints and the exact rules some chains must hold. Chain names are
// written symbolically (see expand in helpers_test.go).

const (
	masq         = "-j KLAB-MARK-MASQ"
	nodePortsHop = `-m comment --comment "kubelab proxy: node ports (keep last)" -m addrtype --dst-type LOCAL -j KLAB-NODEPORTS`
	rejectIt     = "-j REJECT --reject-with icmp-port-unreachable"
)

func TestGenerate(t *testing.T) {
	kubia := "default/kubia:http/tcp"
	sep := func(addr string) string { return "SEP(" + kubia + "/" + addr + ")" }
	tests := []struct {
		name      string
		services  []*api.Service
		endpoints []*api.Endpoints
		node      NodeInfo
		want      map[string][]string // chain → its rules, exactly
		absent    []string            // must not appear anywhere in the text
	}{
		{
			name:      "ClusterIP without endpoints is rejected at once",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10")},
			endpoints: []*api.Endpoints{endpoints("default", "kubia")},
			want: map[string][]string{
				"KLAB-SERVICES-REJECT": {`-m comment --comment "default/kubia:http has no endpoints" -d 10.96.0.10/32 -p tcp --dport 80 ` + rejectIt},
				"KLAB-SERVICES":        {nodePortsHop},
				"KLAB-EXTERNAL":        nil,
			},
			absent: []string{"KLAB-SVC-", "KLAB-SEP-"},
		},
		{
			name:      "ClusterIP with one endpoint: no dice",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10")},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2")},
			want: map[string][]string{
				"KLAB-SERVICES": {
					`-m comment --comment "default/kubia:http cluster IP" -d 10.96.0.10/32 -p tcp --dport 80 -j SVC(` + kubia + `)`,
					nodePortsHop,
				},
				"SVC(" + kubia + ")": {
					`-m comment --comment "default/kubia:http cluster IP from outside the pod network" ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp --dport 80 ` + masq,
					`-m comment --comment "default/kubia:http -> 10.244.1.2:8080" -j ` + sep("10.244.1.2:8080"),
				},
				sep("10.244.1.2:8080"): {
					`-m comment --comment "default/kubia:http hairpin" -s 10.244.1.2/32 ` + masq,
					`-m comment --comment "default/kubia:http -> 10.244.1.2:8080" -p tcp -j DNAT --to-destination 10.244.1.2:8080`,
				},
				"KLAB-SERVICES-REJECT": nil,
			},
		},
		{
			name:      "ClusterIP with three endpoints: 1/3, then 1/2 of the rest, then the rest",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10")},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.3.2", "10.244.1.2", "10.244.2.2")},
			want: map[string][]string{
				"SVC(" + kubia + ")": {
					`-m comment --comment "default/kubia:http cluster IP from outside the pod network" ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp --dport 80 ` + masq,
					`-m comment --comment "default/kubia:http -> 10.244.1.2:8080" -m statistic --mode random --probability 0.3333333333 -j ` + sep("10.244.1.2:8080"),
					`-m comment --comment "default/kubia:http -> 10.244.2.2:8080" -m statistic --mode random --probability 0.5000000000 -j ` + sep("10.244.2.2:8080"),
					`-m comment --comment "default/kubia:http -> 10.244.3.2:8080" -j ` + sep("10.244.3.2:8080"),
				},
			},
		},
		{
			name:     "not-ready addresses get no traffic",
			services: []*api.Service{service("default", "kubia", "10.96.0.10")},
			endpoints: []*api.Endpoints{{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "kubia"},
				Subsets: []api.EndpointSubset{{
					Addresses:         []api.EndpointAddress{{IP: "10.244.1.2"}},
					NotReadyAddresses: []api.EndpointAddress{{IP: "10.244.1.3"}},
					Ports:             []api.EndpointPort{{Name: "http", Port: 8080, Protocol: "TCP"}},
				}}}},
			absent: []string{"10.244.1.3"},
		},
		{
			name:      "NodePort: masquerade, then any endpoint",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10", nodePort(30080))},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2@node1", "10.244.2.2@node2")},
			want: map[string][]string{
				"KLAB-NODEPORTS": {`-m comment --comment "default/kubia:http node port" -p tcp --dport 30080 -j EXT(` + kubia + `)`},
				"EXT(" + kubia + ")": {
					`-m comment --comment "default/kubia:http from outside: masquerade" ` + masq,
					`-m comment --comment "default/kubia:http to any endpoint" -j SVC(` + kubia + `)`,
				},
			},
		},
		{
			name:      "NodePort without endpoints is rejected on every local address",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10", nodePort(30080))},
			endpoints: nil,
			want: map[string][]string{
				"KLAB-EXTERNAL":  {`-m comment --comment "default/kubia:http has no endpoints" -m addrtype --dst-type LOCAL -p tcp --dport 30080 ` + rejectIt},
				"KLAB-NODEPORTS": nil,
			},
		},
		{
			name:      "LoadBalancer: a node port, and the service port on the node's address",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10", loadBalancer(30080))},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2")},
			want: map[string][]string{
				"KLAB-SERVICES": {
					`-m comment --comment "default/kubia:http cluster IP" -d 10.96.0.10/32 -p tcp --dport 80 -j SVC(` + kubia + `)`,
					`-m comment --comment "default/kubia:http external address" -d 192.168.56.11/32 -p tcp --dport 80 -j EXT(` + kubia + `)`,
					nodePortsHop,
				},
				"KLAB-NODEPORTS": {`-m comment --comment "default/kubia:http node port" -p tcp --dport 30080 -j EXT(` + kubia + `)`},
			},
		},
		{
			name: "LoadBalancer on a node known only by loopback: node port only, nothing on 127.0.0.1:port",
			services: []*api.Service{service("default", "kubia", "10.96.0.10", loadBalancer(30080)),
				service("default", "ext", "10.96.0.11", func(s *api.Service) { s.Spec.ExternalIPs = []string{"127.0.0.1"} })},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2"), endpoints("default", "ext", "10.244.1.2")},
			node:      NodeInfo{Name: "node1", IPs: []string{"127.0.0.1"}, ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14},
			want: map[string][]string{
				"KLAB-NODEPORTS": {`-m comment --comment "default/kubia:http node port" -p tcp --dport 30080 -j EXT(` + kubia + `)`},
			},
			absent: []string{"external address", "127.0.0.1/32"},
		},
		{
			name:     "egress denied: an endpoint outside the cluster is refused, the others used",
			services: []*api.Service{service("default", "kubia", "10.96.0.10")},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2", "192.168.56.12",
				"198.51.100.7")},
			node: NodeInfo{Name: "node1", ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14,
				NodeAddresses: []string{"192.168.56.11", "192.168.56.12"}},
			want: map[string][]string{
				"SVC(" + kubia + ")": {
					`-m comment --comment "default/kubia:http cluster IP from outside the pod network" ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp --dport 80 ` + masq,
					`-m comment --comment "default/kubia:http -> 10.244.1.2:8080" -m statistic --mode random --probability 0.5000000000 -j ` + sep("10.244.1.2:8080"),
					`-m comment --comment "default/kubia:http -> 192.168.56.12:8080" -j ` + sep("192.168.56.12:8080"),
				},
				// A node may have no route back to the pods: masquerade.
				sep("192.168.56.12:8080"): {
					`-m comment --comment "default/kubia:http endpoint outside the pod network" ` + masq,
					`-m comment --comment "default/kubia:http -> 192.168.56.12:8080" -p tcp -j DNAT --to-destination 192.168.56.12:8080`,
				},
			},
			absent: []string{"198.51.100.7"},
		},
		{
			name:      "egress denied: a service whose endpoints are all outside is refused",
			services:  []*api.Service{service("default", "external-service", "10.96.0.11")},
			endpoints: []*api.Endpoints{endpoints("default", "external-service", "198.51.100.7", "203.0.113.9")},
			want: map[string][]string{
				"KLAB-SERVICES-REJECT": {`-m comment --comment "default/external-service:http has no endpoints inside the cluster (pod egress denied)" -d 10.96.0.11/32 -p tcp --dport 80 ` + rejectIt},
			},
			absent: []string{"--to-destination"},
		},
		{
			name:      "egress allowed: an endpoint outside the cluster is used",
			services:  []*api.Service{service("default", "external-service", "10.96.0.11")},
			endpoints: []*api.Endpoints{endpoints("default", "external-service", "198.51.100.7")},
			node:      NodeInfo{Name: "node1", ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14, AllowEgress: true},
			want: map[string][]string{
				"KLAB-SERVICES-REJECT": nil,
			},
			absent: []string{"no endpoints"},
		},
		{
			name:      "the apiserver's own service leads to the apiserver this proxy uses, and nowhere else",
			services:  []*api.Service{service("default", "kubernetes", "10.96.0.1")},
			endpoints: []*api.Endpoints{endpoints("default", "kubernetes", "198.51.100.1", "203.0.113.9")},
			node:      NodeInfo{Name: "node1", ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14, APIServer: "198.51.100.1"},
			want: map[string][]string{
				"SEP(default/kubernetes:http/tcp/198.51.100.1:8080)": {
					`-m comment --comment "default/kubernetes:http endpoint outside the pod network" ` + masq,
					`-m comment --comment "default/kubernetes:http -> 198.51.100.1:8080" -p tcp -j DNAT --to-destination 198.51.100.1:8080`,
				},
			},
			absent: []string{"203.0.113.9"},
		},
		{
			name: "a loopback endpoint is refused, even on a node known by 127.0.0.1, but for the apiserver's",
			services: []*api.Service{service("default", "kubernetes", "10.96.0.1"),
				service("default", "local-dns", "10.96.0.53")},
			endpoints: []*api.Endpoints{endpoints("default", "kubernetes", "127.0.0.1"),
				endpoints("default", "local-dns", "127.0.0.1")},
			node: NodeInfo{Name: "node1", ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14,
				NodeAddresses: []string{"127.0.0.1"}, APIServer: "127.0.0.1"},
			want: map[string][]string{
				"KLAB-SERVICES-REJECT": {`-m comment --comment "default/local-dns:http has no endpoints inside the cluster (pod egress denied)" -d 10.96.0.53/32 -p tcp --dport 80 ` + rejectIt},
			},
			absent: []string{"local-dns -> 127.0.0.1"},
		},
		{
			name:      "Local policy: outside traffic only to endpoints on this node, unmasqueraded",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10", nodePort(30080), localPolicy)},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2@node1", "10.244.1.3@node1", "10.244.2.2@node2")},
			want: map[string][]string{
				"EXT(" + kubia + ")": {
					`-m comment --comment "default/kubia:http pods use any endpoint" -s 10.244.0.0/16 -j SVC(` + kubia + `)`,
					`-m comment --comment "default/kubia:http this node uses any endpoint" -m addrtype --src-type LOCAL ` + masq,
					`-m comment --comment "default/kubia:http this node uses any endpoint" -m addrtype --src-type LOCAL -j SVC(` + kubia + `)`,
					`-m comment --comment "default/kubia:http -> 10.244.1.2:8080" -m statistic --mode random --probability 0.5000000000 -j ` + sep("10.244.1.2:8080"),
					`-m comment --comment "default/kubia:http -> 10.244.1.3:8080" -j ` + sep("10.244.1.3:8080"),
				},
				"KLAB-EXTERNAL": nil,
			},
		},
		{
			name:      "Local policy with no endpoint on this node: dropped, pods and the node still served",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10", nodePort(30080), localPolicy)},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.2.2@node2")},
			want: map[string][]string{
				"EXT(" + kubia + ")": {
					`-m comment --comment "default/kubia:http pods use any endpoint" -s 10.244.0.0/16 -j SVC(` + kubia + `)`,
					`-m comment --comment "default/kubia:http this node uses any endpoint" -m addrtype --src-type LOCAL ` + masq,
					`-m comment --comment "default/kubia:http this node uses any endpoint" -m addrtype --src-type LOCAL -j SVC(` + kubia + `)`,
				},
				"KLAB-EXTERNAL": {`-m comment --comment "default/kubia:http has no local endpoints" -m addrtype --dst-type LOCAL -p tcp --dport 30080 -j DROP`},
			},
		},
		{
			name:      "ClientIP affinity: a known client goes back before the dice",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10", affinity(600))},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2", "10.244.2.2")},
			want: map[string][]string{
				"SVC(" + kubia + ")": {
					`-m comment --comment "default/kubia:http cluster IP from outside the pod network" ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp --dport 80 ` + masq,
					`-m comment --comment "default/kubia:http -> 10.244.1.2:8080 (affinity)" -m recent --name ` + sep("10.244.1.2:8080") + ` --rcheck --seconds 600 --reap -j ` + sep("10.244.1.2:8080"),
					`-m comment --comment "default/kubia:http -> 10.244.2.2:8080 (affinity)" -m recent --name ` + sep("10.244.2.2:8080") + ` --rcheck --seconds 600 --reap -j ` + sep("10.244.2.2:8080"),
					`-m comment --comment "default/kubia:http -> 10.244.1.2:8080" -m statistic --mode random --probability 0.5000000000 -j ` + sep("10.244.1.2:8080"),
					`-m comment --comment "default/kubia:http -> 10.244.2.2:8080" -j ` + sep("10.244.2.2:8080"),
				},
				sep("10.244.1.2:8080"): {
					`-m comment --comment "default/kubia:http hairpin" -s 10.244.1.2/32 ` + masq,
					`-m comment --comment "default/kubia:http -> 10.244.1.2:8080" -p tcp -m recent --name ` + sep("10.244.1.2:8080") + ` --set -j DNAT --to-destination 10.244.1.2:8080`,
				},
			},
		},
		{
			name: "named and multiple ports, TCP and UDP: chains per port, endpoints matched by port name",
			services: []*api.Service{service("kube-system", "dns", "10.96.0.53", ports(
				api.ServicePort{Name: "dns", Protocol: "UDP", Port: 53},
				api.ServicePort{Name: "dns-tcp", Protocol: "TCP", Port: 53},
				api.ServicePort{Name: "metrics", Protocol: "TCP", Port: 9153},
			))},
			endpoints: []*api.Endpoints{endpointsPorts("kube-system", "dns", []api.EndpointPort{
				{Name: "dns", Port: 5353, Protocol: "UDP"}, {Name: "dns-tcp", Port: 5353, Protocol: "TCP"},
			}, "10.244.1.5")},
			want: map[string][]string{
				"KLAB-SERVICES": {
					`-m comment --comment "kube-system/dns:dns cluster IP" -d 10.96.0.53/32 -p udp --dport 53 -j SVC(kube-system/dns:dns/udp)`,
					`-m comment --comment "kube-system/dns:dns-tcp cluster IP" -d 10.96.0.53/32 -p tcp --dport 53 -j SVC(kube-system/dns:dns-tcp/tcp)`,
					nodePortsHop,
				},
				"SEP(kube-system/dns:dns/udp/10.244.1.5:5353)": {
					`-m comment --comment "kube-system/dns:dns hairpin" -s 10.244.1.5/32 ` + masq,
					`-m comment --comment "kube-system/dns:dns -> 10.244.1.5:5353" -p udp -j DNAT --to-destination 10.244.1.5:5353`,
				},
				// metrics resolved on no pod: refused
				"KLAB-SERVICES-REJECT": {`-m comment --comment "kube-system/dns:metrics has no endpoints" -d 10.96.0.53/32 -p tcp --dport 9153 ` + rejectIt},
			},
		},
		{
			name: "an unnamed port is named by its number",
			services: []*api.Service{service("default", "web", "10.96.0.20", ports(
				api.ServicePort{Protocol: "TCP", Port: 8000}))},
			endpoints: []*api.Endpoints{endpointsPorts("default", "web", []api.EndpointPort{{Port: 8000}}, "10.244.1.2")},
			want: map[string][]string{
				"SEP(default/web:8000/tcp/10.244.1.2:8000)": {
					`-m comment --comment "default/web:8000 hairpin" -s 10.244.1.2/32 ` + masq,
					`-m comment --comment "default/web:8000 -> 10.244.1.2:8000" -p tcp -j DNAT --to-destination 10.244.1.2:8000`,
				},
			},
		},
		{
			name: "headless and ExternalName services get no rules",
			services: []*api.Service{
				service("default", "headless", api.ClusterIPNone),
				service("default", "db", "", func(s *api.Service) {
					s.Spec.Type, s.Spec.ExternalName = api.ServiceTypeExternalName, "db.example.com"
				}),
			},
			endpoints: []*api.Endpoints{endpoints("default", "headless", "10.244.1.2")},
			want: map[string][]string{
				"KLAB-SERVICES":        {nodePortsHop},
				"KLAB-SERVICES-REJECT": nil,
			},
			absent: []string{"headless", "db", "KLAB-SVC-", "KLAB-SEP-"},
		},
		{
			name:      "a malformed address is left out, not fed to iptables-restore",
			services:  []*api.Service{service("default", "kubia", "10.96.0.10")},
			endpoints: []*api.Endpoints{endpoints("default", "kubia", "10.244.1.2", "not-an-ip")},
			absent:    []string{"not-an-ip", "statistic"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := tt.node
			if node.Name == "" {
				node = node1
			}
			text := Generate(tt.services, tt.endpoints, node).Text()
			for chain, rules := range tt.want {
				wantChain(t, text, chain, rules...)
			}
			for _, s := range tt.absent {
				if strings.Contains(text, s) {
					t.Errorf("text contains %q:\n%s", s, text)
				}
			}
			checkWellFormed(t, text)
		})
	}
}

// checkWellFormed checks what iptables would refuse: a chain name over 28
// characters, a rule in or a jump to an undeclared chain.
func checkWellFormed(t *testing.T, text string) {
	t.Helper()
	f := NewFakeApplier()
	if err := f.Restore(text); err != nil {
		t.Errorf("iptables-restore would fail: %v", err)
	}
	for _, m := range regexp.MustCompile(`(?m)^:(\S+)`).FindAllStringSubmatch(text, -1) {
		if len(m[1]) > 28 {
			t.Errorf("chain name %s is longer than 28 characters", m[1])
		}
	}
}

func TestGenerateFixedChains(t *testing.T) {
	text := Generate(nil, nil, NodeInfo{Name: "n", ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14}).Text()
	wantChain(t, text, "KLAB-MARK-MASQ", "-j MARK --or-mark 0x4000")
	wantChain(t, text, "KLAB-PROXY-POSTROUTING",
		"-m mark ! --mark 0x4000/0x4000 -j RETURN",
		"-j MARK --xor-mark 0x4000",
		`-m comment --comment "kubelab proxy: masquerade marked traffic" -j MASQUERADE`)
	wantChain(t, text, "KLAB-PROXY-FORWARD",
		`-m comment --comment "kubelab proxy: marked for masquerade" -m mark --mark 0x4000/0x4000 -j ACCEPT`,
		`-m comment --comment "kubelab proxy: replies" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
		`-m comment --comment "kubelab proxy: to pods" -d 10.244.0.0/16 -j ACCEPT`)
	wantChain(t, text, "KLAB-FIREWALL",
		`-m comment --comment "kubelab proxy: no outside packets to 127.0.0.0/8" ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`)
	if strings.Contains(text, "KLAB-FORWARD ") || strings.Contains(text, ":KLAB-POSTROUTING ") {
		t.Error("the proxy must not write the kubelet's chains KLAB-FORWARD and KLAB-POSTROUTING")
	}
	other := Generate(nil, nil, NodeInfo{Name: "n", MasqueradeBit: 3}).Text()
	wantChain(t, other, "KLAB-MARK-MASQ", "-j MARK --or-mark 0x8")
}

// Two generations from the same objects, in any order, are byte-identical:
// that is what lets a sync compare chains to find what changed.
func TestGenerateIsDeterministic(t *testing.T) {
	var services []*api.Service
	var eps []*api.Endpoints
	for i, name := range []string{"a", "b", "c", "d", "e", "f"} {
		services = append(services, service("default", name, fmt.Sprintf("10.96.0.%d", i+1), nodePort(30000+int32(i)), affinity(60)))
		eps = append(eps, endpoints("default", name, fmt.Sprintf("10.244.1.%d", i+1), fmt.Sprintf("10.244.2.%d", i+1), "10.244.3.9"))
	}
	want := Generate(services, eps, node1).Text()
	for range 20 {
		rand.Shuffle(len(services), func(i, j int) { services[i], services[j] = services[j], services[i] })
		rand.Shuffle(len(eps), func(i, j int) { eps[i], eps[j] = eps[j], eps[i] })
		for _, e := range eps {
			a := e.Subsets[0].Addresses
			rand.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
		}
		if got := Generate(services, eps, node1).Text(); got != want {
			t.Fatalf("a second generation differs:\n%s\nvs\n%s", got, want)
		}
	}
}

var update = flag.Bool("update", false, "rewrite testdata/*.rules from the generator")

// TestGenerateGolden keeps the full text for a small cluster in
// testdata/kubia.rules, as a reference to read: a NodePort service with
// three endpoints, a UDP service with affinity and one without endpoints.
// Run with -update after a deliberate change, and read the diff.
func TestGenerateGolden(t *testing.T) {
	services := []*api.Service{
		service("default", "kubia", "10.96.0.10", nodePort(30080)),
		service("default", "dns", "10.96.0.53", affinity(10800), ports(api.ServicePort{Name: "dns", Protocol: "UDP", Port: 53})),
		service("default", "nothing", "10.96.0.99"),
	}
	eps := []*api.Endpoints{
		endpoints("default", "kubia", "10.244.1.2@node1", "10.244.1.3@node1", "10.244.2.2@node2"),
		endpointsPorts("default", "dns", []api.EndpointPort{{Name: "dns", Port: 53, Protocol: "UDP"}}, "10.244.2.7"),
	}
	got := Generate(services, eps, node1).Text()
	const file = "testdata/kubia.rules"
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
