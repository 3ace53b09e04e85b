package nodecheck

import (
	"strings"
	"testing"
)

// filterTable is `iptables -v -S` on a node whose kubelet denies egress,
// as iptables-nft prints it.
const filterTable = `-P INPUT ACCEPT -c 120 9000
-P FORWARD DROP -c 3 180
-P OUTPUT ACCEPT -c 99 7000
-N DOCKER-USER
-N KLAB-FORWARD
-A FORWARD -m comment --comment kubelab -c 40 2400 -j KLAB-FORWARD
-A FORWARD -j DOCKER-USER -c 0 0
-A KLAB-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "kubelab: replies" -c 30 1800 -j ACCEPT
-A KLAB-FORWARD -i klab0 -m comment --comment "kubelab: pod egress denied" -c 7 420 -j REJECT --reject-with icmp-port-unreachable`

func TestIPTablesFacts(t *testing.T) {
	tests := []struct {
		name    string
		lines   string
		policy  string
		hooked  bool
		egress  string
		refused uint64
	}{
		{name: "egress denied, with counters", lines: filterTable, policy: "DROP", hooked: true, egress: EgressDeny, refused: 7},
		{name: "without counters", lines: strings.NewReplacer(" -c 40 2400", "", " -c 7 420", "", " -c 3 180", "").Replace(filterTable),
			policy: "DROP", hooked: true, egress: EgressDeny},
		{name: "egress allowed", lines: "-P FORWARD ACCEPT\n-N KLAB-FORWARD\n-A KLAB-FORWARD -s 10.244.0.0/16 -j ACCEPT",
			policy: "ACCEPT", egress: EgressAllow},
		{name: "no kubelab chain", lines: "-P FORWARD DROP\n-A FORWARD -j DOCKER-USER", policy: "DROP"},
		{name: "a jump someone else made", lines: "-N KLAB-FORWARD\n-A FORWARD -j KLAB-FORWARD", egress: EgressAllow},
		{name: "nothing", lines: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := strings.Split(tt.lines, "\n")
			if got := ForwardPolicy(lines); got != tt.policy {
				t.Errorf("ForwardPolicy = %q, want %q", got, tt.policy)
			}
			if got := Hooked(lines, "FORWARD", ForwardChain); got != tt.hooked {
				t.Errorf("Hooked = %v, want %v", got, tt.hooked)
			}
			mode, refused, err := Egress(lines)
			if mode != tt.egress || refused != tt.refused || err != nil {
				t.Errorf("Egress = %q, %d, %v; want %q, %d", mode, refused, err, tt.egress, tt.refused)
			}
		})
	}
}
