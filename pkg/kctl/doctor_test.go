package kctl

import (
	"bytes"
	"errors"
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
