package main

import (
	"path/filepath"

	"go.uber.org/zap"

	"kubelab/pkg/component"
	"kubelab/pkg/kubelet"
	"kubelab/pkg/kubelet/docker"
	"kubelab/pkg/kubelet/network"
)

// dockerFlags are the flags of --runtime=docker.
type dockerFlags struct {
	pauseImage, clusterCIDR, mode, bridge string
}

// useDocker connects to the Docker Engine and gives opts the Docker runtime
// and, for once the node knows its pod CIDR, the pod network.
func useDocker(opts *kubelet.Options, f dockerFlags) error {
	if err := opts.Complete(); err != nil { // the node name and the root dir
		return err
	}
	log, err := component.NewLogger("kubelet", opts.LogLevel)
	if err != nil {
		return err
	}
	opts.Logger = log
	root, err := filepath.Abs(opts.RootDir) // Docker bind-mounts volumes from absolute paths only
	if err != nil {
		return err
	}
	opts.RootDir = root
	rt, err := docker.New(opts.NodeName, log.With(zap.String("node", opts.NodeName)), docker.WithRootDir(root), docker.WithPauseImage(f.pauseImage))
	if err != nil {
		return err
	}
	opts.Runtime = rt
	opts.NewNetwork = func(podCIDR, nodeIP string) (kubelet.PodNetwork, error) {
		n, err := network.New(network.Config{
			NodeName: opts.NodeName, PodCIDR: podCIDR, ClusterCIDR: f.clusterCIDR,
			Bridge: f.bridge, Mode: f.mode, NodeIP: nodeIP, Log: log.Named("network"),
		})
		if err != nil {
			return nil, err
		}
		return network.PodNetwork{Network: n}, nil
	}
	return nil
}
