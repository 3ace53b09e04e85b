package nodecheck

import (
	"strconv"
	"strings"
)

// Reading NetworkFacts out of the rules as `iptables -S` prints them: a
// table, or one chain of it, one rule per line in the arguments that would
// make it ("-P FORWARD DROP", "-N KLAB-FORWARD", "-A FORWARD -m comment
// --comment kubelab -j KLAB-FORWARD"). With -v, each line also carries its
// counters as "-c PACKETS BYTES"; every function here reads either form.

// ForwardPolicy returns the policy of the filter chain FORWARD, "" when
// the lines do not say.
func ForwardPolicy(lines []string) string {
	for _, l := range lines {
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "-P" && f[1] == "FORWARD" {
			return f[2]
		}
	}
	return ""
}

// Hooked reports whether the lines hold kubelab's jump from the built-in
// chain from to chain (JumpRule).
func Hooked(lines []string, from, chain string) bool {
	want := strings.Join(append([]string{"-A", from}, JumpRule(chain)...), " ")
	for _, l := range lines {
		if strings.Join(withoutCounters(strings.Fields(l)), " ") == want {
			return true
		}
	}
	return false
}

// Egress reads from the lines of ForwardChain (-v, for the counter) what
// it does with pod traffic leaving the cluster: EgressDeny and how many
// packets its reject rule refused, EgressAllow when there is no such rule,
// "" when the chain is absent.
func Egress(lines []string) (mode string, refused uint64, err error) {
	for _, l := range lines {
		f := strings.Fields(l)
		switch {
		case len(f) >= 2 && f[0] == "-N" && f[1] == ForwardChain:
			if mode == "" {
				mode = EgressAllow
			}
		case len(f) >= 2 && f[0] == "-A" && f[1] == ForwardChain && strings.Contains(l, EgressRejectComment):
			mode = EgressDeny
			if i := counterIndex(f); i >= 0 {
				refused, err = strconv.ParseUint(f[i+1], 10, 64)
			}
		}
	}
	return mode, refused, err
}

// counterIndex is where "-c PACKETS BYTES" starts in a rule's fields, or -1.
func counterIndex(f []string) int {
	for i := 0; i+2 < len(f); i++ {
		if f[i] == "-c" {
			return i
		}
	}
	return -1
}

func withoutCounters(f []string) []string {
	if i := counterIndex(f); i >= 0 {
		return append(append([]string(nil), f[:i]...), f[i+3:]...)
	}
	return f
}
