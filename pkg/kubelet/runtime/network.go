package runtime

import "context"

// PodNetwork gives pods their network: an eth0 in each sandbox with the
// pod's IP, and routes to the other nodes' pods. Package kubelet/network
// implements it with a bridge, veth pairs and netlink; the kubelet builds
// one once the node knows its pod CIDR (kubelet.Options.NewNetwork).
// Without one (the fake runtime) pods still get an IP from the IPAM, but
// nothing is wired.
//
// Every method converges: calling it again does what calling it once did,
// which is what lets a restarted kubelet simply call them again.
type PodNetwork interface {
	// Init prepares the node: bridge, forwarding, firewall rules.
	Init(ctx context.Context) error
	// SetupPod wires the network namespace of the sandbox process
	// sandboxPID with podIP. podUID names the pod's interfaces.
	SetupPod(ctx context.Context, podUID, podIP string, sandboxPID int) error
	// TeardownPod removes what SetupPod made. Call it before the sandbox
	// goes; a pod already gone is fine.
	TeardownPod(ctx context.Context, podUID string) error
	// SyncRoutes makes this node reach every peer's pod CIDR, and no
	// longer reach nodes that are gone.
	SyncRoutes(ctx context.Context, peers []Peer) error
}

// Peer is another node as its Node object tells: where it is and which pod
// addresses live behind it.
type Peer struct {
	NodeName string
	NodeIP   string
	PodCIDR  string
}
