package kubelet

import (
	"fmt"
	"net/netip"
	"net/url"
	"path/filepath"

	"go.uber.org/zap"

	"kubelab/pkg/client"
	"kubelab/pkg/kubelet/docker"
	"kubelab/pkg/kubelet/network"
	"kubelab/pkg/kubelet/runtime"
)

// A Docker node, `kubelet --runtime=docker`, runs its pods as Docker
// containers (package kubelet/docker) wired into a bridge-and-veth pod
// network (package kubelet/network). Both implement package
// kubelet/runtime's interfaces and know nothing of the kubelet; this file
// is where the kubelet builds them from its Options.

// useDocker connects to the Docker Engine and gives opts the Docker runtime
// and, for once the node knows its pod CIDR, the pod network (unless opts
// has one). opts is complete; log is the kubelet's.
func useDocker(opts *Options, log *zap.Logger) error {
	if opts.PodEgress != network.EgressDeny && opts.PodEgress != network.EgressAllow {
		return fmt.Errorf("--pod-egress %q: want %q or %q", opts.PodEgress, network.EgressDeny, network.EgressAllow)
	}
	root, err := filepath.Abs(opts.RootDir) // Docker bind-mounts volumes from absolute paths only
	if err != nil {
		return err
	}
	opts.RootDir = root
	rt, err := docker.New(opts.NodeName, log, docker.WithRootDir(root), docker.WithPauseImage(opts.PauseImage))
	if err != nil {
		return err
	}
	opts.Runtime = rt
	if opts.NewNetwork != nil {
		return nil
	}
	base := networkConfig(opts, log)
	server := opts.Server
	if server == "" { // the kubeconfig's; a bad one fails later, when the client is made
		if cc, err := client.Load(opts.Kubeconfig, ""); err == nil {
			server = cc.Server
		}
	}
	base.Egress, base.APIServer = opts.PodEgress, apiServerIP(server, log)
	opts.NewNetwork = func(podCIDR, nodeIP string) (runtime.PodNetwork, error) {
		cfg := base
		cfg.PodCIDR, cfg.NodeIP = podCIDR, nodeIP
		n, err := network.New(cfg)
		if err != nil {
			return nil, err
		}
		return network.PodNetwork{Network: n}, nil
	}
	return nil
}

// networkConfig is the pod network of the node opts describes, short of
// the pod CIDR and the node's address, which the node learns later.
func networkConfig(opts *Options, log *zap.Logger) network.Config {
	return network.Config{NodeName: opts.NodeName, ClusterCIDR: opts.ClusterCIDR, Bridge: opts.Bridge,
		Mode: opts.NetworkMode, Log: log.Named("network")}
}

// apiServerIP is the address of the apiserver in --server, which pods may
// reach through the kubernetes Service while egress is denied; "" when
// it is this machine's loopback (pods reach that through the node's
// INPUT, which the egress rules do not touch) or a name.
func apiServerIP(server string, log *zap.Logger) string {
	u, err := url.Parse(server)
	if err != nil || server == "" { // none: kubelet --cleanup talks to no apiserver
		return ""
	}
	ip, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		log.Warn("--server names the apiserver by name: with pod egress denied, pods reach it only if it runs on a node",
			zap.String("server", server))
		return ""
	}
	if ip.IsLoopback() || !ip.Is4() {
		return ""
	}
	return ip.String()
}
