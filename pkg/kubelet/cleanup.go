package kubelet

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/kubelet/network"
	"kubelab/pkg/kubelet/runtime"
)

// cleanup removes everything a Docker kubelet of this node made: its
// containers (sandboxes included), their volume directories, and the pod
// network (bridge, VXLAN device, routes, iptables chains). `make down`
// runs it, as `kubelet --cleanup`, after stopping the kubelet. It goes
// through the same runtime the kubelet uses, so it finds exactly the
// containers that carry this node's label.
func cleanup(ctx context.Context, opts Options) error {
	if opts.RuntimeName != "docker" {
		return fmt.Errorf("--cleanup is for --runtime=docker: a fake node leaves nothing behind")
	}
	if err := opts.Complete(); err != nil {
		return err
	}
	log, err := opts.logger()
	if err != nil {
		return err
	}
	if err := useDocker(&opts, log); err != nil {
		return err
	}
	rt := opts.Runtime
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
	if dirs, ok := rt.(runtime.PodDirRemover); ok {
		for uid := range pods {
			if err := dirs.RemovePodDirs(uid); err != nil {
				return err
			}
		}
	}
	cfg := networkConfig(&opts, log)
	cfg.PodCIDR = "10.244.0.0/24" // any valid one will do: Cleanup removes by name and by marker
	n, err := network.New(cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	if err := n.Cleanup(ctx); err != nil {
		return err
	}
	log.Info("removed the node's containers and pod network", zap.Int("containers", len(containers)))
	return nil
}
