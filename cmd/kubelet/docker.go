package main

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/component"
	"kubelab/pkg/kubelet"
	"kubelab/pkg/kubelet/docker"
	"kubelab/pkg/kubelet/network"
)

// dockerFlags are the flags of --runtime=docker.
type dockerFlags struct {
	pauseImage, clusterCIDR, mode, bridge, egress string
}

// useDocker connects to the Docker Engine and gives opts the Docker runtime
// and, for once the node knows its pod CIDR, the pod network.
func useDocker(opts *kubelet.Options, f dockerFlags) error {
	if f.egress != network.EgressDeny && f.egress != network.EgressAllow {
		return fmt.Errorf("--pod-egress %q: want %q or %q", f.egress, network.EgressDeny, network.EgressAllow)
	}
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
	apiServer := apiServerIP(opts.Server, log)
	opts.NewNetwork = func(podCIDR, nodeIP string) (kubelet.PodNetwork, error) {
		n, err := network.New(network.Config{
			NodeName: opts.NodeName, PodCIDR: podCIDR, ClusterCIDR: f.clusterCIDR,
			Bridge: f.bridge, Mode: f.mode, NodeIP: nodeIP, Egress: f.egress, APIServer: apiServer,
			Log: log.Named("network"),
		})
		if err != nil {
			return nil, err
		}
		return network.PodNetwork{Network: n}, nil
	}
	return nil
}

// apiServerIP is the address of the apiserver in --server, which pods may
// reach through the kubernetes Service while egress is denied; "" when
// it is this machine's loopback (pods reach that through the node's
// INPUT, which the egress rules do not touch) or a name.
func apiServerIP(server string, log *zap.Logger) string {
	u, err := url.Parse(server)
	if err != nil {
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

// cleanupDocker removes everything a Docker kubelet of this node made: its
// containers (sandboxes included), their volume directories, and the pod
// network (bridge, VXLAN device, routes, iptables chains). `make down`
// runs it after stopping the kubelet.
func cleanupDocker(opts kubelet.Options, f dockerFlags) error {
	if err := useDocker(&opts, f); err != nil {
		return err
	}
	ctx := context.Background()
	rt := opts.Runtime.(*docker.Runtime)
	containers, err := rt.ListContainers(ctx)
	if err != nil {
		return err
	}
	pods := map[string]bool{}
	for _, c := range containers {
		if err := rt.StopContainer(ctx, c.ID, time.Second); err != nil {
			return err
		}
		if err := rt.RemoveContainer(ctx, c.ID); err != nil {
			return err
		}
		pods[c.PodUID] = true
	}
	for uid := range pods {
		if err := rt.RemovePodDirs(uid); err != nil {
			return err
		}
	}
	// Any valid pod CIDR will do: Cleanup removes by name and by marker.
	n, err := network.New(network.Config{NodeName: opts.NodeName, PodCIDR: "10.244.0.0/24", ClusterCIDR: f.clusterCIDR,
		Bridge: f.bridge, Mode: f.mode, Log: opts.Logger.Named("network")})
	if err != nil {
		return err
	}
	defer n.Close()
	if err := n.Cleanup(ctx); err != nil {
		return err
	}
	opts.Logger.Info("removed the node's containers and pod network", zap.Int("containers", len(containers)))
	return nil
}
