package nodecheck

import (
	"strings"
	"testing"
)

func TestEvaluate(t *testing.T) {
	healthy := NetworkFacts{
		IPForward: "1", BrNetfilter: true, BridgeNFCall: "1", ForwardPolicy: "DROP", ForwardHooked: true,
		IPTablesVersion: "iptables v1.8.9 (nf_tables)", NodeIP: "192.0.2.11", NodeIPDev: "eth1", DefaultRouteDev: "eth1",
	}
	tests := []struct {
		name   string
		change func(*NetworkFacts)
		want   []string // substrings of findings of severity Problem or Warning
	}{
		{name: "healthy", change: func(*NetworkFacts) {}},
		{name: "forwarding off", change: func(f *NetworkFacts) { f.IPForward = "0" },
			want: []string{"problem: net.ipv4.ip_forward=0"}},
		{name: "Docker's DROP without kubelab's chain", change: func(f *NetworkFacts) { f.ForwardHooked = false },
			want: []string{"problem: the FORWARD policy is DROP", "even between pods on one bridge"}},
		{name: "DROP without br_netfilter", change: func(f *NetworkFacts) { f.ForwardHooked, f.BrNetfilter = false, false },
			want: []string{"warning: br_netfilter is not loaded", "problem: the FORWARD policy is DROP", "routed pod traffic"}},
		{name: "legacy backend", change: func(f *NetworkFacts) { f.IPTablesVersion = "iptables v1.8.7 (legacy)" }},
		{name: "both backends hold tables", change: func(f *NetworkFacts) { f.LegacyTables = []string{"filter", "nat"} },
			want: []string{"warning: iptables backend: nf_tables", "iptables-legacy holds tables here too (filter, nat)"}},
		{name: "no iptables", change: func(f *NetworkFacts) { f.IPTablesVersion = "" },
			want: []string{"problem: iptables not found"}},
		{name: "Vagrant's NAT interface", change: func(f *NetworkFacts) { f.DefaultRouteDev = "eth0" },
			want: []string{"warning: node IP 192.0.2.11 is on eth1 but the default route leaves by eth0"}},
		{name: "node IP on no interface", change: func(f *NetworkFacts) { f.NodeIPDev = "" },
			want: []string{"problem: node IP 192.0.2.11 is on no interface"}},
		{name: "pod egress allowed", change: func(f *NetworkFacts) { f.Egress = EgressAllow },
			want: []string{"warning: pod egress allowed"}},
		{name: "host-gw", change: func(f *NetworkFacts) { f.Mode, f.BridgeMTU = ModeHostGW, 1500 }},
		{name: "vxlan, the tunnel fits its link", change: func(f *NetworkFacts) { *f = vxlanNode(*f) }},
		{name: "vxlan, the tunnel as big as its link", change: func(f *NetworkFacts) {
			*f = vxlanNode(*f)
			f.Tunnel.MTU, f.BridgeMTU = 1500, 1500
		}, want: []string{"problem: tunnel MTU 1500, but eth1 has MTU 1500: a pod packet of more than 1450 bytes"}},
		{name: "vxlan, the pods' bridge bigger than the tunnel", change: func(f *NetworkFacts) {
			*f = vxlanNode(*f)
			f.BridgeMTU = 1500
		}, want: []string{"warning: the pods' bridge has MTU 1500, more than the tunnel's 1450"}},
		{name: "vxlan, MTU unread", change: func(f *NetworkFacts) {
			*f = vxlanNode(*f)
			f.Tunnel = TunnelFacts{}
		}, want: []string{"warning: could not read the MTU of klab.vxlan"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := healthy
			tt.change(&f)
			var bad []string
			for _, fd := range Evaluate(f) {
				if fd.Severity != OK {
					bad = append(bad, fd.String())
				}
			}
			text := strings.Join(bad, "\n")
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("findings\n%s\nsay nothing like %q", text, w)
				}
			}
			if len(tt.want) == 0 && len(bad) != 0 {
				t.Errorf("want no warnings or problems, got\n%s", text)
			}
		})
	}
}

// vxlanNode is f on a node in vxlan mode as the kubelet makes it.
func vxlanNode(f NetworkFacts) NetworkFacts {
	f.Mode, f.BridgeMTU = ModeVXLAN, 1450
	f.Tunnel = TunnelFacts{MTU: 1450, VNI: 1, Port: 8472, Local: "192.0.2.11", Link: "eth1", LinkMTU: 1500}
	return f
}

// The check-up says which mode a node runs and, in vxlan mode, the
// tunnel's MTU and where it comes from.
func TestEvaluateSaysTheMode(t *testing.T) {
	tests := []struct {
		name string
		f    NetworkFacts
		want []string
	}{
		{"no pod network yet", NetworkFacts{}, nil},
		{"host-gw", NetworkFacts{Mode: ModeHostGW, BridgeMTU: 1500}, []string{
			"ok: network mode host-gw: packets for pods on other nodes are routed via those nodes' addresses, " +
				"so the nodes must share one layer-2 network (kubelet --network-mode=vxlan when they do not); pods' MTU 1500"}},
		{"vxlan", vxlanNode(NetworkFacts{}), []string{
			"ok: network mode vxlan: packets for pods on other nodes go through klab.vxlan (VNI 1, UDP port 8472, from 192.0.2.11 on eth1), " +
				"wrapped in UDP to the node's address",
			"ok: tunnel MTU 1450: a pod packet of up to 1450 bytes and 50 bytes of VXLAN headers fit eth1's MTU 1500"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range podNetwork(tt.f) {
				got = append(got, f.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
