package network

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/vishvananda/netlink"
)

// Severity says how much a Finding matters.
type Severity string

const (
	OK      Severity = "ok"
	Warning Severity = "warning" // works, but may surprise
	Problem Severity = "problem" // pod traffic breaks
)

// Finding is one line of a node's network check-up, for `kctl doctor`.
type Finding struct {
	Severity Severity
	Message  string
}

func (f Finding) String() string { return string(f.Severity) + ": " + f.Message }

// Checks looks at the node for the traps of DESIGN.md §10 and says what it
// found, in words a student can act on. It changes nothing.
func (n *Network) Checks(ctx context.Context) []Finding {
	if err := ctx.Err(); err != nil {
		return []Finding{{Problem, err.Error()}}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return evaluate(n.gatherFacts())
}

// facts are what Checks reads from the node; evaluate judges them. An
// empty string means "could not tell".
type facts struct {
	ipForward       string
	brNetfilter     bool     // the br_netfilter module is loaded
	bridgeNFCall    string   // bridge-nf-call-iptables
	forwardPolicy   string   // ACCEPT, DROP
	forwardHooked   bool     // FORWARD jumps to KLAB-FORWARD
	egress          string   // what KLAB-FORWARD does with pod traffic leaving the cluster: deny, allow, ""
	egressRefused   uint64   // packets its reject rule refused
	iptablesVersion string   // "iptables v1.8.9 (nf_tables)"
	legacyTables    []string // tables of the legacy backend in the node's namespace
	nodeIP          string
	nodeIPDev       string // the link holding the node IP
	defaultRouteDev string // the link of the default route
	errs            []error
}

func (n *Network) gatherFacts() facts {
	var f facts
	var err error
	note := func(e error) {
		if e != nil {
			f.errs = append(f.errs, e)
		}
	}
	f.ipForward, err = n.sys.Get(ipForward)
	note(err)
	f.bridgeNFCall, err = n.sys.Get(bridgeNFCallIP)
	f.brNetfilter = !errors.Is(err, fs.ErrNotExist)
	if f.brNetfilter {
		note(err)
	}
	f.forwardPolicy, err = forwardPolicy(n.ipt)
	note(err)
	f.forwardHooked, err = hooked(n.ipt, forwardHook)
	note(err)
	f.egress, f.egressRefused, err = egressState(n.ipt)
	note(err)
	f.iptablesVersion, err = n.ipt.Version()
	note(err)
	f.legacyTables, err = n.ipt.LegacyTables()
	note(err)

	links := map[int]string{}
	if ls, err := n.nl.LinkList(); err == nil {
		for _, l := range ls {
			links[l.Attrs().Index] = l.Attrs().Name
		}
	}
	if n.nodeIP.IsValid() {
		f.nodeIP = n.nodeIP.String()
		if idx, err := n.linkWithAddr(n.nodeIP); err == nil {
			f.nodeIPDev = links[idx]
		}
	}
	routes, err := n.nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{}, netlink.RT_FILTER_DST)
	note(err)
	for _, r := range routes { // Dst nil in the filter: the default route
		f.defaultRouteDev = links[r.LinkIndex]
		break
	}
	return f
}

// evaluate turns facts into findings. It is pure, so its table of cases is
// tested without root.
func evaluate(f facts) []Finding {
	var out []Finding
	add := func(s Severity, format string, args ...any) {
		out = append(out, Finding{s, fmt.Sprintf(format, args...)})
	}

	switch f.ipForward {
	case "1":
		add(OK, "net.ipv4.ip_forward=1")
	case "":
		add(Warning, "could not read net.ipv4.ip_forward")
	default:
		add(Problem, "net.ipv4.ip_forward=%s in the node's network namespace: the node drops all traffic "+
			"between pods of different nodes (the kubelet's network Init turns it on)", f.ipForward)
	}

	if !f.brNetfilter {
		add(Warning, "br_netfilter is not loaded: traffic between pods on one bridge skips iptables, "+
			"so a pod reaching a Service whose backend shares its node may get no answer (modprobe br_netfilter)")
	} else {
		add(OK, "br_netfilter loaded, net.bridge.bridge-nf-call-iptables=%s", f.bridgeNFCall)
	}
	switch {
	case f.forwardPolicy == "DROP" && !f.forwardHooked:
		what := "routed pod traffic (between nodes)"
		if f.brNetfilter && f.bridgeNFCall == "1" {
			what = "all pod traffic, even between pods on one bridge (bridge-nf-call-iptables=1)"
		}
		add(Problem, "the FORWARD policy is DROP (Docker sets it) and no rule jumps to %s: %s is dropped "+
			"(the kubelet's network Init adds it)", forwardChain, what)
	case f.forwardPolicy == "DROP":
		add(OK, "the FORWARD policy is DROP, and %s accepts pod traffic", forwardChain)
	case f.forwardPolicy != "":
		add(OK, "the FORWARD policy is %s", f.forwardPolicy)
	}

	switch f.egress {
	case EgressDeny:
		add(OK, "pod egress denied: pods reach pods, services, nodes and the cluster DNS only; "+
			"%d packets from pods to elsewhere refused so far (the REJECT rule in %s)", f.egressRefused, forwardChain)
	case EgressAllow:
		add(Warning, "pod egress allowed (kubelet --pod-egress=allow): pods reach any address, masqueraded to the node's")
	}

	switch {
	case strings.Contains(f.iptablesVersion, "nf_tables") && len(f.legacyTables) > 0:
		add(Warning, "iptables backend: nf_tables (%s), but iptables-legacy holds tables here too (%s): "+
			"a tool writing through it (an older Docker) sets rules kubelab's iptables cannot see, and "+
			"a DROP there still drops pod traffic (see iptables-legacy-save)",
			f.iptablesVersion, strings.Join(f.legacyTables, ", "))
	case strings.Contains(f.iptablesVersion, "nf_tables"):
		add(OK, "iptables backend: nf_tables (%s); rules made with iptables-legacy are invisible to it", f.iptablesVersion)
	case strings.Contains(f.iptablesVersion, "legacy"):
		add(OK, "iptables backend: legacy (%s); rules made with iptables-nft are invisible to it", f.iptablesVersion)
	case f.iptablesVersion == "":
		add(Problem, "iptables not found: the node cannot install its forwarding rules")
	default:
		add(Warning, "iptables backend unknown: %q", f.iptablesVersion)
	}

	switch {
	case f.nodeIP == "":
	case f.nodeIPDev == "":
		add(Problem, "node IP %s is on no interface of this node", f.nodeIP)
	case f.defaultRouteDev != "" && f.defaultRouteDev != f.nodeIPDev:
		add(Warning, "node IP %s is on %s but the default route leaves by %s: fine if you chose it "+
			"(Vagrant's NAT interface often holds the default route); --node-ip picks the address",
			f.nodeIP, f.nodeIPDev, f.defaultRouteDev)
	default:
		add(OK, "node IP %s is on %s", f.nodeIP, f.nodeIPDev)
	}

	for _, err := range f.errs {
		add(Warning, "could not check: %v", err)
	}
	return out
}
