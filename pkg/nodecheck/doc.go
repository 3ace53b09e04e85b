// Package nodecheck judges a node's setup for the traps of DESIGN.md §10
// and says, in words a student can act on, what it found. It holds the
// pure half of two check-ups and the names they look for:
//
//	findings.go  Finding and its Severity, one line of a check-up
//	names.go     what kubelab leaves on a node: the container label, the
//	             bridge, the iptables chain and rule, the kernel settings
//	network.go   NetworkFacts and Evaluate, the judgement of a node's network
//	iptables.go  reading those facts out of `iptables -S` lines
//	podnetwork.go how pod traffic crosses nodes: host-gw or vxlan, and
//	             whether the VXLAN tunnel's packets fit its link
//	listeners.go KubelabPorts and Listeners, the judgement of who can
//	             use kubelab's programs: where each listens, and
//	             whether it answered an anonymous Probe (kctl doctor's
//	             alone; doctor sends the probes, through loopback)
//
// Gathering the facts is the caller's, and there are two callers, each
// with its own means: the kubelet's network package reads them inside the
// node's network namespace, through netlink and go-iptables
// (network.Checks), and `kctl doctor` reads them on the machine it runs
// on, from /proc and the iptables command. Both hand NetworkFacts to
// Evaluate, so a node is judged the same way whoever asks:
//
//	var f nodecheck.NetworkFacts
//	f.IPForward = "1"
//	f.ForwardPolicy = nodecheck.ForwardPolicy(lines) // lines of iptables -S
//	…
//	for _, finding := range nodecheck.Evaluate(f) { fmt.Println(finding) }
//
// The package imports nothing of kubelab and nothing that touches the
// machine, so the CLI can use it without linking netlink or iptables.
package nodecheck
