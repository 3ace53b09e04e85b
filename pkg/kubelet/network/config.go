package network

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"go.uber.org/zap"

	"kubelab/pkg/nodecheck"
)

// Modes of carrying pod traffic between nodes.
const (
	// ModeHostGW routes each peer's pod CIDR via the peer's node address.
	// It needs the nodes to share a layer-2 network (one hop apart).
	ModeHostGW = "host-gw"
	// ModeVXLAN wraps pod packets in UDP between node addresses, so nodes
	// only need to reach each other by IP.
	ModeVXLAN = "vxlan"
)

// Defaults for the fields of Config left empty.
const (
	DefaultBridge      = nodecheck.DefaultBridge
	DefaultClusterCIDR = "10.244.0.0/16"
	DefaultVXLANDevice = nodecheck.VXLANDevice
	DefaultVNI         = 1
	DefaultVXLANPort   = 8472 // the Linux kernel's historical VXLAN port, as flannel's
	DefaultMTU         = 1500
	vxlanOverhead      = nodecheck.VXLANOverhead // outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8
)

// Pod egress settings (Config.Egress, kubelet --pod-egress).
const (
	// EgressDeny lets pods reach pods, services, the nodes and the
	// cluster DNS, and refuses everything else at once.
	EgressDeny = nodecheck.EgressDeny
	// EgressAllow also lets pods reach any other address, masqueraded
	// to the node's: for a lab on real hosts that pods may leave.
	EgressAllow = nodecheck.EgressAllow
)

// Config describes one node's pod network.
type Config struct {
	NodeName    string
	PodCIDR     string // this node's range, e.g. 10.244.1.0/24
	ClusterCIDR string // every node's ranges together; default 10.244.0.0/16
	Bridge      string // default klab0

	// NodeNetNS is the path of the node's network namespace, e.g.
	// /run/netns/klab-node1 for a simulated node or /proc/<pid>/ns/net;
	// "" means the namespace this process runs in.
	NodeNetNS string

	// MTU of the pods' eth0; default 1500, or 1450 in VXLAN mode. Set it
	// when the node's own link is smaller.
	MTU int

	Mode        string // ModeHostGW (default) or ModeVXLAN
	VXLANDevice string // default klab.vxlan
	VNI         int    // default 1
	VXLANPort   int    // default 8472

	// NodeIP is this node's address on the network the nodes share; VXLAN
	// sends from it, and Checks compares it with the default route.
	NodeIP string

	// Egress says where pods may send: EgressDeny (the default) keeps
	// them inside the cluster, EgressAllow lets them out, masqueraded to
	// the node's address. See forwardRules.
	Egress string

	// APIServer is the apiserver's address: with egress denied, pods may
	// still reach it through the kubernetes Service (the cluster DNS
	// does). "" when it is this node's own (its INPUT, not FORWARD) or
	// unknown.
	APIServer string

	Log *zap.Logger
}

// Peer is another node, as its Node object tells: where it is and which
// pod addresses live behind it.
type Peer struct {
	NodeName string
	NodeIP   string
	PodCIDR  string
}

// Network is one node's pod network. Its methods are safe for concurrent
// use; they change the node one at a time.
type Network struct {
	cfg         Config
	podCIDR     netip.Prefix
	clusterCIDR netip.Prefix
	gateway     netip.Addr // the bridge's address, the pods' default gateway
	nodeIP      netip.Addr // zero when not configured
	apiServer   netip.Addr // zero when not configured
	log         *zap.Logger

	mu  sync.Mutex
	ns  netns.NsHandle  // the node's network namespace
	nl  *netlink.Handle // netlink, speaking to the node's namespace
	ipt iptables        // iptables, run inside the node's namespace
	sys sysctls         // /proc/sys, as the node's namespace sees it

	peerIPs []netip.Addr // the other nodes' addresses, which pods may reach
}

// New checks cfg, fills in its defaults and opens the node's namespace.
// It changes nothing on the node: Init does. Close releases the namespace.
func New(cfg Config) (*Network, error) {
	n, err := newNetwork(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.NodeNetNS == "" {
		n.ns, err = netns.Get()
	} else {
		n.ns, err = netns.GetFromPath(cfg.NodeNetNS)
	}
	if err != nil {
		return nil, fmt.Errorf("open node network namespace %q: %w", cfg.NodeNetNS, err)
	}
	n.nl, err = netlink.NewHandleAt(n.ns)
	if err != nil {
		n.ns.Close()
		return nil, fmt.Errorf("netlink in node network namespace %q: %w", cfg.NodeNetNS, err)
	}
	n.ipt = &nsIPTables{ns: n.ns}
	n.sys = procSysctls{ns: n.ns}
	return n, nil
}

// newNetwork is New without the side effects: defaults and validation.
func newNetwork(cfg Config) (*Network, error) {
	if cfg.Bridge == "" {
		cfg.Bridge = DefaultBridge
	}
	if cfg.ClusterCIDR == "" {
		cfg.ClusterCIDR = DefaultClusterCIDR
	}
	if cfg.Mode == "" {
		cfg.Mode = ModeHostGW
	}
	if cfg.VXLANDevice == "" {
		cfg.VXLANDevice = DefaultVXLANDevice
	}
	if cfg.VNI == 0 {
		cfg.VNI = DefaultVNI
	}
	if cfg.VXLANPort == 0 {
		cfg.VXLANPort = DefaultVXLANPort
	}
	if cfg.MTU == 0 {
		cfg.MTU = DefaultMTU
		if cfg.Mode == ModeVXLAN {
			cfg.MTU -= vxlanOverhead
		}
	}
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	if cfg.Egress == "" {
		cfg.Egress = EgressDeny
	}

	n := &Network{cfg: cfg, log: cfg.Log.With(zap.String("podCIDR", cfg.PodCIDR))}
	var err error
	if n.podCIDR, err = parseCIDR("pod CIDR", cfg.PodCIDR); err != nil {
		return nil, err
	}
	if n.clusterCIDR, err = parseCIDR("cluster CIDR", cfg.ClusterCIDR); err != nil {
		return nil, err
	}
	if n.podCIDR.Bits() > 30 {
		return nil, fmt.Errorf("pod CIDR %s: too small, need /30 or larger", n.podCIDR)
	}
	if !contains(n.clusterCIDR, n.podCIDR) {
		return nil, fmt.Errorf("pod CIDR %s is not inside the cluster CIDR %s", n.podCIDR, n.clusterCIDR)
	}
	n.gateway = n.podCIDR.Addr().Next()

	if cfg.APIServer != "" {
		if n.apiServer, err = netip.ParseAddr(cfg.APIServer); err != nil || !n.apiServer.Is4() {
			return nil, fmt.Errorf("apiserver address %q: not an IPv4 address", cfg.APIServer)
		}
	}
	if cfg.NodeIP != "" {
		if n.nodeIP, err = netip.ParseAddr(cfg.NodeIP); err != nil || !n.nodeIP.Is4() {
			return nil, fmt.Errorf("node IP %q: not an IPv4 address", cfg.NodeIP)
		}
	}
	switch cfg.Mode {
	case ModeHostGW:
	case ModeVXLAN:
		if !n.nodeIP.IsValid() {
			return nil, errors.New("vxlan mode needs the node IP: VXLAN packets are sent from it")
		}
	default:
		return nil, fmt.Errorf("mode %q: want %q or %q", cfg.Mode, ModeHostGW, ModeVXLAN)
	}
	if cfg.Egress != EgressDeny && cfg.Egress != EgressAllow {
		return nil, fmt.Errorf("pod egress %q: want %q or %q", cfg.Egress, EgressDeny, EgressAllow)
	}
	if len(cfg.Bridge) > 15 || len(cfg.VXLANDevice) > 15 {
		return nil, errors.New("interface names are at most 15 characters")
	}
	if cfg.MTU < 576 || cfg.MTU > 65535 {
		return nil, fmt.Errorf("MTU %d: out of range", cfg.MTU)
	}
	return n, nil
}

// Close releases the node's namespace handle. It changes nothing on the node.
func (n *Network) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.nl != nil {
		n.nl.Close()
		n.nl = nil
	}
	if n.ns.IsOpen() {
		return n.ns.Close()
	}
	return nil
}

// parseCIDR reads an IPv4 prefix and drops any host bits.
func parseCIDR(what, s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%s %q: not an IPv4 CIDR", what, s)
	}
	return p.Masked(), nil
}

// contains reports whether inner lies entirely inside outer.
func contains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}
