package kctl

import (
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"kubelab/pkg/nodecheck"
)

// `kctl doctor` looks at the machine it runs on for the traps of a real
// node (DESIGN.md §10) and says, for each, what it found and how to fix
// it. Like the kubelet's network.Checks, it is two halves:
// gatherDoctorFacts (doctor_gather.go) reads the machine (root, Docker,
// /proc, the iptables command, and kubelab's own listeners, asked
// anonymously through loopback in doctor_probe.go), diagnose judges what
// was read and is pure, so its table of cases runs in tests without root.
// The network's part of the judgement is nodecheck.Evaluate, the
// kubelet's own; the listeners' is nodecheck.Listeners.

func newDoctorCommand(g *globals) *cobra.Command {
	var nodeIP string
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check this machine for what breaks a kubelab node, and say how to fix it",
		Long: "doctor checks this machine as a kubelab node: Docker, root, ip_forward,\n" +
			"br_netfilter and the FORWARD policy, the iptables backend, the node address,\n" +
			"the pod network's mode (host-gw or vxlan) and in vxlan mode the tunnel's MTU,\n" +
			"the proxy's mode (iptables or nftables, and never both at once),\n" +
			"kubelab's ports that listen beyond loopback and answer without authentication\n" +
			"(it asks them anonymously, through loopback only), and state left by an\n" +
			"earlier kubelet. It changes nothing. Run it as root on each node; it exits 1\n" +
			"when it finds a problem.",
		Example: `  kctl doctor
  kctl doctor --node-ip 192.168.56.11     # the address the kubelet will get with --node-ip
  nsenter --net=/run/netns/klab-node1 bin/kctl doctor   # a node of make lab, from inside its namespace`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			facts := gatherDoctorFacts(cmd.Context(), nodeIP)
			if printFindings(g.out, diagnose(facts)) {
				return errReported
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&nodeIP, "node-ip", "", "the node's InternalIP, as given to kubelet --node-ip (default: what the kubelet would choose)")
	return cmd
}

// finding is one line of the report. fix is empty when there is nothing
// to do.
type finding struct {
	severity nodecheck.Severity
	message  string
	fix      string
}

// printFindings writes one line per finding and reports whether any is a
// problem.
func printFindings(w io.Writer, fs []finding) (problem bool) {
	for _, f := range fs {
		line := "[" + string(f.severity) + "] " + f.message
		if f.fix != "" {
			line += " → fix: " + f.fix
		}
		fmt.Fprintln(w, line)
		problem = problem || f.severity == nodecheck.Problem
	}
	return problem
}

// doctorFacts are what doctor read from the machine.
type doctorFacts struct {
	root      bool
	docker    string // the engine's version, "" when it did not answer
	dockerErr string

	nodeIP          string   // --node-ip, "" when not given
	defaultRouteDev string   // the kubelet's choice without --node-ip
	defaultRouteIP  string   //   and its address
	otherAddrs      []string // "192.168.56.11 on eth1": where else this machine could be reached

	network    nodecheck.NetworkFacts // what nodecheck.Evaluate judges
	networkErr string                 // why the network was not checked

	listeners    []netip.AddrPort                    // TCP sockets in LISTEN state, from /proc/net/tcp{,6}
	listenersErr string                              // why they were not read
	access       map[netip.AddrPort]nodecheck.Access // what each one's anonymous probe got; missing: not probed

	kubeletRunning bool
	bridges        []string       // klab0, klab-lab: kubelab's bridges on the host
	chains         []string       // KLAB chains in the host's iptables
	containers     map[string]int // containers labelled io.kubelab.node, per node

	// The proxy's two modes: each has rules here when these say so.
	proxyHooks    []string // the built-in nat chains that jump to KLAB-SERVICES: the iptables mode
	proxyTable    bool     // the nftables table ip kubelab exists: the nftables mode
	proxyTableErr string   // why the nftables tables could not be listed
}

// diagnose judges the facts. It is pure.
func diagnose(f doctorFacts) []finding {
	var out []finding
	add := func(s nodecheck.Severity, fix, format string, args ...any) {
		out = append(out, finding{s, fmt.Sprintf(format, args...), fix})
	}

	if f.root {
		add(nodecheck.OK, "", "running as root")
	} else {
		add(nodecheck.Problem, "run it as root (sudo kctl doctor), as the kubelet must run",
			"not running as root: the kubelet needs root for netlink, iptables and mounts, and doctor to read iptables")
	}
	if f.docker != "" {
		add(nodecheck.OK, "", "Docker reachable, version %s", f.docker)
	} else {
		add(nodecheck.Problem, "start it (systemctl start docker), or point DOCKER_HOST at its socket",
			"Docker is not reachable: %s", f.dockerErr)
	}

	switch {
	case f.nodeIP != "":
		// nodecheck.Evaluate compares it with the default route.
	case f.defaultRouteDev == "":
		add(nodecheck.Problem, "give the kubelet --node-ip <this machine's address on the nodes' network>",
			"no default route, so the kubelet cannot guess the node's address")
	case len(f.otherAddrs) > 0:
		add(nodecheck.Warning, "if the other nodes and the apiserver reach this machine there, give the kubelet --node-ip with it (and run kctl doctor --node-ip with it)",
			"without --node-ip the kubelet takes %s on %s (the default route's interface), but this machine also has %s; "+
				"on a Vagrant VM the default route is the NAT interface, which no other VM can reach",
			f.defaultRouteIP, f.defaultRouteDev, strings.Join(f.otherAddrs, ", "))
	default:
		add(nodecheck.OK, "", "node address without --node-ip: %s on %s, the only interface", f.defaultRouteIP, f.defaultRouteDev)
	}

	if f.networkErr != "" {
		add(nodecheck.Warning, "", "could not run the network checks: %s", f.networkErr)
	} else {
		for _, nf := range nodecheck.Evaluate(f.network) {
			out = append(out, finding{nf.Severity, nf.Message, networkFix(nf)})
		}
	}

	if f.listenersErr != "" {
		add(nodecheck.Warning, "", "could not list the listening sockets: %s", f.listenersErr)
	} else {
		for _, l := range nodecheck.Listeners(f.listeners, f.access) {
			out = append(out, finding{l.Severity, l.Message, l.Fix})
		}
	}

	out = append(out, proxyMode(f)...)
	out = append(out, leftovers(f)...)
	return out
}

// proxyMode says which of the proxy's modes has its rules here. Each
// starts at its own place (a jump from the built-in nat chains to
// KLAB-SERVICES; the table ip kubelab), and neither sees the other's
// rules, so both at once means every packet for a service meets both: a
// proxy restarted in the other mode by a version that did not delete
// the old mode's rules, or a proxy of each mode.
func proxyMode(f doctorFacts) []finding {
	var out []finding
	if f.proxyTableErr != "" {
		out = append(out, finding{nodecheck.Warning, "could not look for the proxy's nftables table: " + f.proxyTableErr, ""})
	}
	iptables := fmt.Sprintf("iptables (%s, jumped to from %s)", nodecheck.ProxyServicesChain, strings.Join(f.proxyHooks, ", "))
	nftables := "nftables (table ip " + nodecheck.ProxyTable + ")"
	switch {
	case len(f.proxyHooks) > 0 && f.proxyTable:
		return append(out, finding{nodecheck.Problem, "both proxy modes have rules here, " + iptables + " and " + nftables +
			": a packet for a service meets both, and the one no proxy keeps any more sends connections to endpoints that may be gone",
			"stop the proxy, run proxy --cleanup (it deletes both modes' rules), and start it again with the --mode you want"})
	case len(f.proxyHooks) > 0:
		return append(out, finding{nodecheck.OK, "proxy mode: " + iptables, ""})
	case f.proxyTable:
		return append(out, finding{nodecheck.OK, "proxy mode: " + nftables, ""})
	}
	return append(out, finding{nodecheck.OK, "no proxy rules here in either mode: Services answer from this node once a proxy runs", ""})
}

// networkFixes give the command for each of nodecheck's findings that
// needs one, keyed by a phrase of its message. A finding whose wording
// changes loses its fix line, not its message.
var networkFixes = []struct{ phrase, fix string }{
	{"ip_forward=", "sysctl -w net.ipv4.ip_forward=1 (and net.ipv4.ip_forward=1 in /etc/sysctl.d/ to keep it); a running kubelet sets it itself"},
	{"br_netfilter is not loaded", "modprobe br_netfilter; echo br_netfilter >/etc/modules-load.d/kubelab.conf"},
	{"no rule jumps to", "start the kubelet (its network Init adds KLAB-FORWARD), or accept pod traffic yourself: " +
		"iptables -I DOCKER-USER -s 10.244.0.0/16 -j ACCEPT; iptables -I DOCKER-USER -d 10.244.0.0/16 -j ACCEPT"},
	{"iptables-legacy holds tables", "look at them with iptables-legacy-save; make every tool use one backend " +
		"(update-alternatives --set iptables /usr/sbin/iptables-nft), restart Docker, then kubelet --cleanup and start it again"},
	{"iptables not found", "install iptables (apt-get install iptables)"},
	{"is on no interface", "give --node-ip an address of this machine (ip -4 addr)"},
	{"does not fit once wrapped", "raise the MTU of the link between the nodes to the tunnel's plus 50 (ip link set dev <link> mtu <n>); " +
		"the kubelet makes its tunnel 50 bytes below 1500"},
	{"the default route leaves by", "nothing, if that address is the one the other nodes reach; else kubelet --node-ip <that address>"},
}

func networkFix(f nodecheck.Finding) string {
	if f.Severity == nodecheck.OK {
		return ""
	}
	for _, x := range networkFixes {
		if strings.Contains(f.Message, x.phrase) {
			return x.fix
		}
	}
	return ""
}

// leftovers judges kubelab's state on the host: with a kubelet running it
// is that kubelet's; without one it is left from an earlier run, and old
// KLAB rules or containers confuse the next.
func leftovers(f doctorFacts) []finding {
	var what []string
	what = append(what, f.bridges...)
	if len(f.chains) > 0 {
		what = append(what, "iptables chains "+strings.Join(f.chains, ", "))
	}
	if f.proxyTable {
		what = append(what, "nftables table ip "+nodecheck.ProxyTable)
	}
	nodes := make([]string, 0, len(f.containers))
	for n := range f.containers {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	for _, n := range nodes {
		what = append(what, fmt.Sprintf("%d containers of node %s", f.containers[n], n))
	}
	switch {
	case len(what) == 0 && f.kubeletRunning:
		return []finding{{nodecheck.Warning, "a kubelet runs here but has made nothing on the host yet (or runs in another network namespace)", ""}}
	case len(what) == 0:
		return []finding{{nodecheck.OK, "no kubelab state left on the host (bridges, KLAB chains, the proxy's table, containers)", ""}}
	case f.kubeletRunning:
		return []finding{{nodecheck.OK, "kubelab state of the running kubelet: " + strings.Join(what, "; "), ""}}
	}
	return []finding{{nodecheck.Warning, "kubelab state but no kubelet running: " + strings.Join(what, "; "),
		"make down (or make lab-down), or on a lab VM: kubelet --runtime docker --cleanup --node-name <node>"}}
}
