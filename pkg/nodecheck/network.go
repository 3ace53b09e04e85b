package nodecheck

import (
	"fmt"
	"strings"
)

// NetworkFacts are what a node's network check-up reads; Evaluate judges
// them. An empty string means "could not tell".
type NetworkFacts struct {
	IPForward       string   // net.ipv4.ip_forward
	BrNetfilter     bool     // the br_netfilter module is loaded
	BridgeNFCall    string   // net.bridge.bridge-nf-call-iptables
	ForwardPolicy   string   // of the filter chain FORWARD: ACCEPT, DROP
	ForwardHooked   bool     // FORWARD jumps to ForwardChain
	Egress          string   // what ForwardChain does with pod traffic leaving the cluster: EgressDeny, EgressAllow, ""
	EgressRefused   uint64   // packets its reject rule refused
	IPTablesVersion string   // "iptables v1.8.9 (nf_tables)"
	LegacyTables    []string // tables of the legacy backend in the node's namespace
	NodeIP          string   // the node's address, "" when not given
	NodeIPDev       string   // the link holding the node IP
	DefaultRouteDev string   // the link of the default route

	// How pod traffic crosses nodes, as the node's links show it:
	// ModeVXLAN when VXLANDevice exists, ModeHostGW when only the pods'
	// bridge does, "" when neither (no kubelet has wired this node yet).
	Mode      string
	BridgeMTU int         // the pods' bridge's MTU, 0 if unknown: pods' packets are at most this big
	Tunnel    TunnelFacts // in vxlan mode

	Errs []error // what could not be read
}

// TunnelFacts describe a node's VXLAN device. Zero values are unknown.
type TunnelFacts struct {
	MTU     int    // the device's: the largest pod packet it carries
	VNI     int    // the VXLAN network identifier
	Port    int    // the UDP port of the tunnel, on every node
	Local   string // the address the tunnel's UDP packets come from: the node IP
	Link    string // the link they leave by
	LinkMTU int    // and its MTU, which must hold a pod packet plus VXLANOverhead
}

// Evaluate turns facts into findings. It is pure, so its table of cases
// is tested without root.
func Evaluate(f NetworkFacts) []Finding {
	var out []Finding
	add := func(s Severity, format string, args ...any) {
		out = append(out, Finding{s, fmt.Sprintf(format, args...)})
	}

	switch f.IPForward {
	case "1":
		add(OK, "net.ipv4.ip_forward=1")
	case "":
		add(Warning, "could not read net.ipv4.ip_forward")
	default:
		add(Problem, "net.ipv4.ip_forward=%s in the node's network namespace: the node drops all traffic "+
			"between pods of different nodes (the kubelet's network Init turns it on)", f.IPForward)
	}

	if !f.BrNetfilter {
		add(Warning, "br_netfilter is not loaded: traffic between pods on one bridge skips iptables, "+
			"so a pod reaching a Service whose backend shares its node may get no answer (modprobe br_netfilter)")
	} else {
		add(OK, "br_netfilter loaded, net.bridge.bridge-nf-call-iptables=%s", f.BridgeNFCall)
	}
	switch {
	case f.ForwardPolicy == "DROP" && !f.ForwardHooked:
		what := "routed pod traffic (between nodes)"
		if f.BrNetfilter && f.BridgeNFCall == "1" {
			what = "all pod traffic, even between pods on one bridge (bridge-nf-call-iptables=1)"
		}
		add(Problem, "the FORWARD policy is DROP (Docker sets it) and no rule jumps to %s: %s is dropped "+
			"(the kubelet's network Init adds it)", ForwardChain, what)
	case f.ForwardPolicy == "DROP":
		add(OK, "the FORWARD policy is DROP, and %s accepts pod traffic", ForwardChain)
	case f.ForwardPolicy != "":
		add(OK, "the FORWARD policy is %s", f.ForwardPolicy)
	}

	switch f.Egress {
	case EgressDeny:
		add(OK, "pod egress denied: pods reach pods, services, nodes and the cluster DNS only; "+
			"%d packets from pods to elsewhere refused so far (the REJECT rule in %s)", f.EgressRefused, ForwardChain)
	case EgressAllow:
		add(Warning, "pod egress allowed (kubelet --pod-egress=allow): pods reach any address, masqueraded to the node's")
	}

	switch {
	case strings.Contains(f.IPTablesVersion, "nf_tables") && len(f.LegacyTables) > 0:
		add(Warning, "iptables backend: nf_tables (%s), but iptables-legacy holds tables here too (%s): "+
			"a tool writing through it (an older Docker) sets rules kubelab's iptables cannot see, and "+
			"a DROP there still drops pod traffic (see iptables-legacy-save)",
			f.IPTablesVersion, strings.Join(f.LegacyTables, ", "))
	case strings.Contains(f.IPTablesVersion, "nf_tables"):
		add(OK, "iptables backend: nf_tables (%s); rules made with iptables-legacy are invisible to it", f.IPTablesVersion)
	case strings.Contains(f.IPTablesVersion, "legacy"):
		add(OK, "iptables backend: legacy (%s); rules made with iptables-nft are invisible to it", f.IPTablesVersion)
	case f.IPTablesVersion == "":
		add(Problem, "iptables not found: the node cannot install its forwarding rules")
	default:
		add(Warning, "iptables backend unknown: %q", f.IPTablesVersion)
	}

	switch {
	case f.NodeIP == "":
	case f.NodeIPDev == "":
		add(Problem, "node IP %s is on no interface of this node", f.NodeIP)
	case f.DefaultRouteDev != "" && f.DefaultRouteDev != f.NodeIPDev:
		add(Warning, "node IP %s is on %s but the default route leaves by %s: fine if you chose it "+
			"(Vagrant's NAT interface often holds the default route); --node-ip picks the address",
			f.NodeIP, f.NodeIPDev, f.DefaultRouteDev)
	default:
		add(OK, "node IP %s is on %s", f.NodeIP, f.NodeIPDev)
	}

	out = append(out, podNetwork(f)...)

	for _, err := range f.Errs {
		add(Warning, "could not check: %v", err)
	}
	return out
}
