package network

import (
	"context"

	"kubelab/pkg/kubelet/runtime"
)

// PodNetwork is a Network as the kubelet drives it (runtime.PodNetwork):
// the kubelet names pods by UID and peers with package kubelet/runtime's
// type. The kubelet builds one for --runtime=docker (package kubelet's
// dockernode.go); a program that runs a kubelet of its own does the same:
//
//	opts.NewNetwork = func(podCIDR, nodeIP string) (runtime.PodNetwork, error) {
//		n, err := network.New(network.Config{NodeName: name, PodCIDR: podCIDR, NodeIP: nodeIP})
//		return network.PodNetwork{Network: n}, err
//	}
type PodNetwork struct{ *Network }

var _ runtime.PodNetwork = PodNetwork{}

// SetupPod wires the pod with podUID; see Network.SetupPod.
func (p PodNetwork) SetupPod(ctx context.Context, podUID, podIP string, sandboxPID int) error {
	_, err := p.Network.SetupPod(ctx, podUID, podIP, sandboxPID)
	return err
}

// SyncRoutes routes to the peers' pod CIDRs; see Network.SyncRoutes.
func (p PodNetwork) SyncRoutes(ctx context.Context, peers []runtime.Peer) error {
	out := make([]Peer, len(peers))
	for i, q := range peers {
		out[i] = Peer{NodeName: q.NodeName, NodeIP: q.NodeIP, PodCIDR: q.PodCIDR}
	}
	return p.Network.SyncRoutes(ctx, out)
}
