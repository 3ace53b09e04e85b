package kctl

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"

	"kubelab/pkg/nodecheck"
)

// healthy is a node with nothing wrong; each case changes one thing.
func healthy() doctorFacts {
	return doctorFacts{
		root: true, docker: "20.10.24",
		defaultRouteDev: "eth0", defaultRouteIP: "192.168.56.11",
		network: nodecheck.NetworkFacts{IPForward: "1", BrNetfilter: true, BridgeNFCall: "1", ForwardPolicy: "DROP",
			ForwardHooked: true, Egress: nodecheck.EgressDeny, IPTablesVersion: "iptables v1.8.9 (nf_tables)", DefaultRouteDev: "eth0"},
	}
}

func TestDiagnose(t *testing.T) {
	tests := []struct {
		name   string
		change func(*doctorFacts)
		want   string // a line of the report, as printed
	}{
		{"healthy node", func(*doctorFacts) {}, "[ok] Docker reachable, version 20.10.24"},
		{"not root", func(f *doctorFacts) { f.root = false },
			"[problem] not running as root: the kubelet needs root for netlink, iptables and mounts, and doctor to read iptables → fix: run it as root"},
		{"no docker", func(f *doctorFacts) { f.docker, f.dockerErr = "", "/var/run/docker.sock: connection refused" },
			"[problem] Docker is not reachable: /var/run/docker.sock: connection refused → fix: start it"},
		{"one interface", func(*doctorFacts) {}, "[ok] node address without --node-ip: 192.168.56.11 on eth0, the only interface"},
		{"vagrant: the default route is the NAT interface", func(f *doctorFacts) {
			f.defaultRouteDev, f.defaultRouteIP, f.otherAddrs = "eth0", "10.0.2.15", []string{"192.168.56.11 on eth1"}
		}, "[warning] without --node-ip the kubelet takes 10.0.2.15 on eth0 (the default route's interface), but this machine also has 192.168.56.11 on eth1"},
		{"no default route", func(f *doctorFacts) { f.defaultRouteDev = "" },
			"[problem] no default route, so the kubelet cannot guess the node's address → fix: give the kubelet --node-ip"},
		{"--node-ip given: nodecheck judges it", func(f *doctorFacts) {
			f.nodeIP, f.otherAddrs = "192.168.56.11", []string{"10.0.2.15 on eth0"}
			f.network.NodeIP, f.network.NodeIPDev, f.network.DefaultRouteDev = "192.168.56.11", "eth1", "eth1"
		}, "[ok] node IP 192.168.56.11 is on eth1"},
		{"--node-ip on no interface", func(f *doctorFacts) {
			f.nodeIP, f.network.NodeIP = "192.168.56.99", "192.168.56.99"
		}, "[problem] node IP 192.168.56.99 is on no interface of this node → fix: give --node-ip an address of this machine"},
		{"ip_forward off", func(f *doctorFacts) { f.network.IPForward = "0" },
			"[problem] net.ipv4.ip_forward=0 in the node's network namespace: the node drops all traffic between pods of different nodes " +
				"(the kubelet's network Init turns it on) → fix: sysctl -w net.ipv4.ip_forward=1"},
		{"br_netfilter missing", func(f *doctorFacts) { f.network.BrNetfilter = false },
			"[warning] br_netfilter is not loaded: traffic between pods on one bridge skips iptables"},
		{"br_netfilter missing: the fix", func(f *doctorFacts) { f.network.BrNetfilter = false },
			"(modprobe br_netfilter) → fix: modprobe br_netfilter"},
		{"FORWARD DROP without KLAB-FORWARD", func(f *doctorFacts) { f.network.ForwardHooked = false },
			"→ fix: start the kubelet (its network Init adds KLAB-FORWARD)"},
		{"both iptables backends hold tables", func(f *doctorFacts) { f.network.LegacyTables = []string{"filter"} },
			"iptables-legacy holds tables here too (filter)"},
		{"both iptables backends hold tables: the fix", func(f *doctorFacts) { f.network.LegacyTables = []string{"filter"} },
			"→ fix: look at them with iptables-legacy-save"},
		{"an OK network finding gets no fix", func(*doctorFacts) {},
			"[ok] br_netfilter loaded, net.bridge.bridge-nf-call-iptables=1\n"},
		{"what could not be read", func(f *doctorFacts) {
			f.network.Errs = []error{errors.New("iptables -w -v -S: Permission denied (you must be root)")}
		},
			"[warning] could not check: iptables -w -v -S: Permission denied (you must be root)\n"},
		{"network checks could not run", func(f *doctorFacts) { f.networkErr = `node IP "x": not an IPv4 address` },
			"[warning] could not run the network checks: node IP \"x\": not an IPv4 address\n"},
		{"a lab node in vxlan mode", func(f *doctorFacts) { f.network = vxlanNetwork(f.network, 1450) },
			"[ok] network mode vxlan: packets for pods on other nodes go through klab.vxlan (VNI 1, UDP port 8472, from 198.51.100.11 on eth0), " +
				"wrapped in UDP to the node's address\n[ok] tunnel MTU 1450: a pod packet of up to 1450 bytes and 50 bytes of VXLAN headers fit eth0's MTU 1500\n"},
		{"a tunnel too big for its link", func(f *doctorFacts) { f.network = vxlanNetwork(f.network, 1500) },
			"[problem] tunnel MTU 1500, but eth0 has MTU 1500: a pod packet of more than 1450 bytes to another node does not fit once wrapped " +
				"(50 bytes of VXLAN headers), and is lost → fix: raise the MTU of the link between the nodes"},
		{"a node in host-gw mode", func(f *doctorFacts) { f.network.Mode, f.network.BridgeMTU = nodecheck.ModeHostGW, 1500 },
			"[ok] network mode host-gw: packets for pods on other nodes are routed via those nodes' addresses"},
		{"nothing of kubelab listens", func(*doctorFacts) {}, "[ok] no kubelab program listens in this network namespace"},
		{"make up's apiserver on loopback", func(f *doctorFacts) { f.listeners = []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:6443")} },
			"[ok] apiserver listens on 127.0.0.1:6443, loopback only\n"},
		{"a lab VM's apiserver on every address, authenticating", func(f *doctorFacts) {
			s := netip.MustParseAddrPort("0.0.0.0:6443")
			f.listeners, f.access = []netip.AddrPort{s}, map[netip.AddrPort]nodecheck.Access{s: nodecheck.AccessAuthenticated}
		}, "[ok] apiserver listens on 0.0.0.0:6443 (every address of this machine) and requires authentication (TLS with client certificates or tokens); " +
			"on a lab VM, whose other machines must reach it, this is how it should be\n"},
		{"a scheduler's /metrics on every address", func(f *doctorFacts) {
			s := netip.MustParseAddrPort("[::]:10259")
			f.listeners, f.access = []netip.AddrPort{s}, map[netip.AddrPort]nodecheck.Access{s: nodecheck.AccessOpen}
		}, "[warning] scheduler listens on [::]:10259 (every address of this machine) and answers without authentication: anyone on the network can read its /metrics " +
			"→ fix: bind it to 127.0.0.1 or a private address (scheduler --listen)\n"},
		{"a kubelet on a private address is not probed", func(f *doctorFacts) {
			f.listeners = []netip.AddrPort{netip.MustParseAddrPort("192.168.56.11:10250")}
		}, "[warning] kubelet listens on 192.168.56.11:10250, and whether it requires authentication was not checked " +
			"(doctor asks only through loopback, and this address may be a real network's); if it does not, anyone on the network can read this node's pod logs"},
		{"sockets not read", func(f *doctorFacts) { f.listenersErr = "/proc/net/tcp: permission denied" },
			"[warning] could not list the listening sockets: /proc/net/tcp: permission denied\n"},
		{"no proxy", func(*doctorFacts) {}, "[ok] no proxy rules here in either mode"},
		{"the iptables mode", func(f *doctorFacts) { f.proxyHooks = []string{"PREROUTING", "OUTPUT"} },
			"[ok] proxy mode: iptables (KLAB-SERVICES, jumped to from PREROUTING, OUTPUT)\n"},
		{"the nftables mode", func(f *doctorFacts) { f.proxyTable = true }, "[ok] proxy mode: nftables (table ip kubelab)\n"},
		{"both modes", func(f *doctorFacts) { f.proxyHooks, f.proxyTable = []string{"PREROUTING"}, true },
			"[problem] both proxy modes have rules here, iptables (KLAB-SERVICES, jumped to from PREROUTING) and nftables (table ip kubelab): " +
				"a packet for a service meets both"},
		{"both modes: which to clean", func(f *doctorFacts) { f.proxyHooks, f.proxyTable = []string{"PREROUTING"}, true },
			"→ fix: stop the proxy, run proxy --cleanup (it deletes both modes' rules), and start it again with the --mode you want\n"},
		{"nft refused to list", func(f *doctorFacts) { f.proxyTableErr = "nft list tables: Operation not permitted" },
			"[warning] could not look for the proxy's nftables table: nft list tables: Operation not permitted\n"},
		{"the proxy's table left without a kubelet", func(f *doctorFacts) { f.proxyTable = true },
			"[warning] kubelab state but no kubelet running: nftables table ip kubelab → fix: make down"},
		{"clean host", func(*doctorFacts) {}, "[ok] no kubelab state left on the host"},
		{"state of a running kubelet", func(f *doctorFacts) {
			f.kubeletRunning, f.bridges, f.chains = true, []string{"bridge klab0"}, []string{"KLAB-FORWARD"}
			f.containers = map[string]int{"n1": 4}
		}, "[ok] kubelab state of the running kubelet: bridge klab0; iptables chains KLAB-FORWARD; 4 containers of node n1\n"},
		{"leftovers without a kubelet", func(f *doctorFacts) {
			f.chains = []string{"KLAB-FORWARD", "KLAB-POSTROUTING"}
			f.containers = map[string]int{"node2": 1, "node1": 2}
		}, "[warning] kubelab state but no kubelet running: iptables chains KLAB-FORWARD, KLAB-POSTROUTING; 2 containers of node node1; 1 containers of node node2 → fix: make down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := healthy()
			tt.change(&f)
			var out bytes.Buffer
			printFindings(&out, diagnose(f))
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("report lacks %q:\n%s", tt.want, out.String())
			}
		})
	}
}

func TestPrintFindingsSaysWhetherAnyIsAProblem(t *testing.T) {
	tests := []struct {
		name string
		fs   []finding
		want bool
	}{
		{"none", nil, false},
		{"ok and warning", []finding{{nodecheck.OK, "a", ""}, {nodecheck.Warning, "b", "c"}}, false},
		{"a problem", []finding{{nodecheck.OK, "a", ""}, {nodecheck.Problem, "b", "c"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := printFindings(&bytes.Buffer{}, tt.fs); got != tt.want {
				t.Errorf("printFindings = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDefaultRouteDev(t *testing.T) {
	const table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
		"eth1\t00000000\t0138A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0\n" +
		"eth0\t00000000\t0202000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n" +
		"eth1\t0038A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
	tests := []struct{ name, table, want string }{
		{"lowest metric wins", table, "eth0"},
		{"no default route", "Iface\tDestination\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := defaultRouteDev(tt.table); got != tt.want {
				t.Errorf("defaultRouteDev = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestKlabChains(t *testing.T) {
	save := "*filter\n:INPUT ACCEPT [0:0]\n:KLAB-FORWARD - [0:0]\n-A FORWARD -j KLAB-FORWARD\nCOMMIT\n*nat\n:KLAB-POSTROUTING - [0:0]\nCOMMIT\n"
	got := strings.Join(klabChains(save), ",")
	if got != "KLAB-FORWARD,KLAB-POSTROUTING" {
		t.Errorf("klabChains = %q", got)
	}
}

func TestProxyHooks(t *testing.T) {
	tests := []struct{ name, save, want string }{
		{"the iptables mode", "*filter\n:INPUT ACCEPT [0:0]\n-A OUTPUT -m comment --comment \"kubelab proxy\" -j KLAB-SERVICES-REJECT\nCOMMIT\n" +
			"*nat\n:KLAB-SERVICES - [0:0]\n-A PREROUTING -m comment --comment \"kubelab proxy\" -j KLAB-SERVICES\n" +
			"-A OUTPUT -m comment --comment \"kubelab proxy\" -j KLAB-SERVICES\n-A KLAB-SERVICES -d 10.96.0.1/32 -j KLAB-SVC-X\nCOMMIT\n",
			"PREROUTING OUTPUT"},
		{"chains without jumps: no mode", "*nat\n:KLAB-SERVICES - [0:0]\nCOMMIT\n", ""},
		{"nothing", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(proxyHooks(tt.save), " "); got != tt.want {
				t.Errorf("proxyHooks = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHasProxyTable(t *testing.T) {
	tests := []struct {
		name, listing string
		want          bool
	}{
		{"the proxy's", "table ip nat\ntable ip filter\ntable ip kubelab\n", true},
		{"another family's", "table inet kubelab\n", false},
		{"none", "table ip nat\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hasProxyTable(tt.listing); got != tt.want {
				t.Errorf("hasProxyTable = %v, want %v", got, tt.want)
			}
		})
	}
}

// procNetTCP is /proc/net/tcp and /proc/net/tcp6 of a lab VM as an x86
// machine prints them (the kernel writes addresses in the machine's byte
// order): an apiserver on 0.0.0.0:6443, a scheduler on 127.0.0.1:10259,
// a connection to the apiserver (not listening), and Go's ":10250", one
// dual-stack socket on [::].
const (
	procNetTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:192B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20431 1 0000000000000000 100 0 0 10 0
   1: 0100007F:2813 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20477 1 0000000000000000 100 0 0 10 0
   2: 0B38A8C0:192B 0C38A8C0:D2F0 01 00000000:00000000 02:000A2B1C 00000000     0        0 20533 2 0000000000000000 20 4 30 10 -1
`
	procNetTCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:280A 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20610 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20611 1 0000000000000000 100 0 0 10 0
`
)

func TestParseProcNetTCP(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the samples are a little-endian machine's")
	}
	tests := []struct {
		name, table string
		want        string // the listening addresses, space-separated
		err         string
	}{
		{name: "tcp", table: procNetTCP, want: "0.0.0.0:6443 127.0.0.1:10259"},
		{name: "tcp6", table: procNetTCP6, want: "[::]:10250 [::1]:22"},
		{name: "header only", table: "  sl  local_address rem_address   st\n"},
		{name: "a garbled address", table: "sl\n 0: 0100007F:XYZ 00000000:0000 0A\n", err: `line 2: local address "0100007F:XYZ"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcNetTCP(tt.table)
			var addrs []string
			for _, a := range got {
				addrs = append(addrs, a.String())
			}
			if g := strings.Join(addrs, " "); g != tt.want {
				t.Errorf("parseProcNetTCP = %q, want %q", g, tt.want)
			}
			if e := fmt.Sprint(err); (tt.err == "" && err != nil) || (tt.err != "" && e != tt.err) {
				t.Errorf("error = %v, want %q", err, tt.err)
			}
		})
	}
}

// vxlanNetwork is n on a lab node in vxlan mode, its tunnel of MTU mtu
// over eth0 of MTU 1500.
func vxlanNetwork(n nodecheck.NetworkFacts, mtu int) nodecheck.NetworkFacts {
	n.Mode, n.BridgeMTU = nodecheck.ModeVXLAN, mtu
	n.Tunnel = nodecheck.TunnelFacts{MTU: mtu, VNI: 1, Port: 8472, Local: "198.51.100.11", Link: "eth0", LinkMTU: 1500}
	return n
}

func TestParseVXLANLink(t *testing.T) {
	tests := []struct {
		name, json string
		want       nodecheck.TunnelFacts
		err        string
	}{{
		name: "as iproute2 6.1 prints it",
		json: `[{"ifindex":4,"ifname":"klab.vxlan","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1450,"qdisc":"noqueue",` +
			`"linkinfo":{"info_kind":"vxlan","info_data":{"id":1,"local":"198.51.100.11","link":"eth0","port_range":{"low":0,"high":0},` +
			`"port":8472,"learning":false,"ttl":0,"df":"unset","ageing":300}},"num_tx_queues":1}]`,
		want: nodecheck.TunnelFacts{MTU: 1450, VNI: 1, Port: 8472, Local: "198.51.100.11", Link: "eth0"},
	}, {
		name: "not a VXLAN device",
		json: `[{"ifname":"klab.vxlan","mtu":1500,"linkinfo":{"info_kind":"bridge"}}]`,
		err:  "not one VXLAN device",
	}, {
		name: "not JSON",
		json: `4: klab.vxlan: <BROADCAST,MULTICAST> mtu 1450`,
		err:  "ip -d -j link",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseVXLANLink(tt.json)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseVXLANLink = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestHealthyNodeHasNoProblem(t *testing.T) {
	var out bytes.Buffer
	if printFindings(&out, diagnose(healthy())) {
		t.Errorf("a healthy node has a problem:\n%s", out.String())
	}
}

// TestCLIDoesNotLinkTheKubelet keeps kctl free of the node's machinery:
// doctor reads the machine with /proc and commands, and shares only
// pkg/nodecheck with the kubelet.
func TestCLIDoesNotLinkTheKubelet(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list kctl's dependencies")
	}
	out, err := exec.Command(goTool, "list", "-deps", "kubelab/cmd/kctl").Output()
	if err != nil {
		t.Fatalf("go list -deps kubelab/cmd/kctl: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "netlink") || strings.Contains(dep, "iptables") || strings.HasPrefix(dep, "kubelab/pkg/kubelet") {
			t.Errorf("kctl links %s", dep)
		}
	}
}
