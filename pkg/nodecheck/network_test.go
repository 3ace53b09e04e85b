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
