package docker

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// RunSandbox implements runtime.Runtime: it starts the pause container
// that holds the pod's network and IPC namespaces, and records podIP on it
// as a label. The network namespace is empty (loopback only) until the
// kubelet wires eth0 into it; SandboxPID says where to find it. A sandbox
// that does not start is removed: nothing is left behind.
func (r *Runtime) RunSandbox(ctx context.Context, pod *api.Pod, podIP string) (string, error) {
	cfg, host := sandboxConfig(r.node, r.pauseImage, pod, podIP)
	id, err := r.create(ctx, containerName(r.node, pod, runtime.SandboxName, 0), cfg, host)
	if err != nil {
		return "", fmt.Errorf("create the sandbox: %w", err)
	}
	if _, err := r.docker.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		if _, rmErr := r.docker.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true}); rmErr != nil {
			r.log.Warn("could not remove a sandbox that failed to start", zap.String("container", id), zap.Error(rmErr))
		}
		return "", fmt.Errorf("start the sandbox: %w", err)
	}
	return idPrefix + id, nil
}

// sandboxConfig is the Docker configuration of pod's sandbox.
func sandboxConfig(node, image string, pod *api.Pod, podIP string) (*container.Config, *container.HostConfig) {
	cfg := &container.Config{
		Image:  image,
		Labels: runtime.ContainerLabels(node, pod, runtime.SandboxName, 0, podIP),
	}
	host := &container.HostConfig{
		NetworkMode:   "none",
		IpcMode:       container.IPCModeShareable, // so that the app containers can join it
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyDisabled},
		LogConfig:     logConfig,
	}
	if HostNetwork(pod) {
		// The node's own network namespace, and so its hostname too:
		// Docker refuses to set one here.
		host.NetworkMode = "host"
	} else {
		cfg.Hostname = podHostname(pod)
	}
	return cfg, host
}

// HostNetwork reports whether pod runs in the node's network namespace
// (spec.hostNetwork). Its sandbox then has network mode host, and the
// kubelet must not wire an eth0 into it: the pod's IP is the node's.
func HostNetwork(pod *api.Pod) bool { return pod.Spec.HostNetwork }

// podHostname is the hostname the pod's containers see: spec.hostname, or
// the pod's name cut to the 63 characters Linux allows, as Kubernetes does.
func podHostname(pod *api.Pod) string {
	name := pod.Spec.Hostname
	if name == "" {
		name = pod.Name
	}
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-.")
	}
	return name
}

// SandboxPID returns the host PID of the sandbox's process: the kubelet
// opens /proc/<pid>/ns/net to wire the pod's eth0. The sandbox must be
// running.
func (r *Runtime) SandboxPID(ctx context.Context, id string) (int, error) {
	res, err := r.docker.ContainerInspect(ctx, dockerID(id), client.ContainerInspectOptions{})
	if err != nil {
		return 0, fmt.Errorf("inspect the sandbox: %w", err)
	}
	if st := res.Container.State; st == nil || !st.Running || st.Pid == 0 {
		return 0, fmt.Errorf("sandbox %s is not running", id)
	}
	return res.Container.State.Pid, nil
}
