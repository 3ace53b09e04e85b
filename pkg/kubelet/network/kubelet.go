package network

import (
	"context"

	"kubelab/pkg/kubelet"
)

// PodNetwork is a Network as the kubelet drives it (kubelet.PodNetwork):
// the kubelet names pods by UID and peers with its own type. cmd/kubelet
// hands one to the kubelet for --runtime=docker:
//
//	opts.NewNetwork = func(podCIDR, nodeIP string) (kubelet.PodNetwork, error) {
//		n, err := network.New(network.Config{NodeName: name, PodCIDR: podCIDR, NodeIP: nodeIP})
//		return network.PodNetwork{Network: n}, err
//	}
type PodNetwork struct{ *Network }

var _ kubelet.PodNetwork = PodNetwork{}

// SetupPod wires the pod with podUID; see Network.SetupPod.
func (p PodNetwork) SetupPod(ctx context.Context, podUID, podIP string, sandboxPID int) error {
	_, err := p.Network.SetupPod(ctx, podUID, podIP, sandboxPID)
	return err
}

// SyncRoutes routes to the peers' pod CIDRs; see Network.SyncRoutes.
func (p PodNetwork) SyncRoutes(ctx context.Context, peers []kubelet.Peer) error {
	out := make([]Peer, len(peers))
	for i, q := range peers {
		out[i] = Peer{NodeName: q.NodeName, NodeIP: q.NodeIP, PodCIDR: q.PodCIDR}
	}
	return p.Network.SyncRoutes(ctx, out)
}
