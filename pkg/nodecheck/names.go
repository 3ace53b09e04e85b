package nodecheck

// What kubelab leaves on a node, named once: the kubelet and the proxy
// make these, and kctl doctor looks for them.
const (
	// LabelNode is the label a kubelet's container runtime puts on every
	// container it makes, with the node's name as its value.
	LabelNode = "io.kubelab.node"

	// DefaultBridge is the bridge a node's pods are plugged into.
	DefaultBridge = "klab0"
	// LabBridge is the host's bridge that joins the simulated nodes of
	// `make lab` (hack/lab/common.sh).
	LabBridge = "klab-lab"

	// VXLANDevice is a node's VXLAN device in vxlan mode (kubelet
	// --network-mode=vxlan), and VXLANOverhead what the tunnel adds to
	// each packet: outer Ethernet 14, IPv4 20, UDP 8 and VXLAN 8 bytes.
	// So a tunnel over a link of MTU 1500 carries pod packets of 1450.
	VXLANDevice   = "klab.vxlan"
	VXLANOverhead = 50

	// ForwardChain is kubelab's filter chain, jumped to from FORWARD,
	// that accepts pod traffic.
	ForwardChain = "KLAB-FORWARD"
	// HookComment marks the one rule kubelab adds to a built-in chain:
	// the jump to its own chain.
	HookComment = "kubelab"
	// EgressRejectComment marks the rule of ForwardChain that refuses
	// pod traffic leaving the cluster; its packet counter says how much.
	EgressRejectComment = "kubelab: pod egress denied"

	// ModeHostGW and ModeVXLAN are how pod traffic crosses nodes
	// (kubelet --network-mode): routed via the other node's address, or
	// wrapped in VXLAN between the node addresses.
	ModeHostGW = "host-gw"
	ModeVXLAN  = "vxlan"

	// ProxyServicesChain is the proxy's nat chain in its iptables mode,
	// jumped to from PREROUTING and OUTPUT, and ProxyTable its table in
	// the nftables mode, of the family ip: where each mode starts to
	// look at a packet for a service.
	ProxyServicesChain = "KLAB-SERVICES"
	ProxyTable         = "kubelab"

	// EgressDeny and EgressAllow are where pods may send: inside the
	// cluster only, or anywhere (masqueraded).
	EgressDeny  = "deny"
	EgressAllow = "allow"

	// SysctlIPForward and SysctlBridgeNFCallIPTables are the kernel
	// settings a node needs, as paths under /proc/sys. The second exists
	// only once br_netfilter is loaded.
	SysctlIPForward            = "net/ipv4/ip_forward"
	SysctlBridgeNFCallIPTables = "net/bridge/bridge-nf-call-iptables"
)

// JumpRule is the rule kubelab adds to a built-in chain to jump to chain,
// in iptables' argument form.
func JumpRule(chain string) []string {
	return []string{"-m", "comment", "--comment", HookComment, "-j", chain}
}
