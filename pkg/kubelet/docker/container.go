package docker

import (
	"context"
	"fmt"
	"math"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// logConfig keeps every container's output in a JSON file the engine can
// replay (Logs), capped as the kubelet's containerLogMaxSize does.
var logConfig = container.LogConfig{
	Type:   "json-file",
	Config: map[string]string{"max-size": "10m", "max-file": "3"},
}

// StartContainer implements runtime.Runtime: it creates the container in
// the sandbox's network and IPC namespaces, with its volumes and the pod's
// resolv.conf mounted, and starts it. When the start
// fails (no such command, say) the container stays, exited, and both its
// ID and the engine's error are returned; ListContainers reports it with
// exit code 128 and reason StartError.
func (r *Runtime) StartContainer(ctx context.Context, cfg runtime.ContainerConfig) (string, error) {
	pod, spec := cfg.Pod, cfg.Container
	mounts, err := r.mounts(pod, spec, cfg.VolumeDirs)
	if err != nil {
		return "", fmt.Errorf("volumes of container %q: %w", spec.Name, err)
	}
	if !mountsAt(mounts, resolvConfPath) {
		m, err := r.resolvConfMount(pod.UID, cfg.ResolvConf)
		if err != nil {
			return "", fmt.Errorf("container %q: %w", spec.Name, err)
		}
		mounts = append(mounts, m)
	}
	config, host := appConfig(r.node, cfg, mounts)
	id, err := r.create(ctx, containerName(r.node, pod, spec.Name, cfg.Attempt), config, host)
	if err != nil {
		return "", fmt.Errorf("create container %q: %w", spec.Name, err)
	}
	if _, err := r.docker.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		return idPrefix + id, fmt.Errorf("start container %q: %w", spec.Name, err)
	}
	return idPrefix + id, nil
}

// appConfig is the Docker configuration of one app container. Kubernetes'
// command replaces the image's ENTRYPOINT and args its CMD; when only
// command is given the image's CMD is dropped, which is what Docker does
// too when a container sets its own entrypoint.
func appConfig(node string, cfg runtime.ContainerConfig, mounts []mount.Mount) (*container.Config, *container.HostConfig) {
	spec, sandbox := cfg.Container, dockerID(cfg.SandboxID)
	config := &container.Config{
		Image:      spec.Image,
		Entrypoint: spec.Command,
		Cmd:        spec.Args,
		WorkingDir: spec.WorkingDir,
		Env:        cfg.Env,
		Tty:        spec.TTY,
		OpenStdin:  spec.Stdin,
		Labels:     runtime.ContainerLabels(node, cfg.Pod, spec.Name, cfg.Attempt, ""),
	}
	host := &container.HostConfig{
		NetworkMode:   container.NetworkMode("container:" + sandbox),
		IpcMode:       container.IpcMode("container:" + sandbox),
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyDisabled}, // the kubelet restarts, not Docker
		LogConfig:     logConfig,
		Mounts:        mounts,
		Resources:     resources(spec.Resources),
	}
	return config, host
}

// resources maps a container's resources to its cgroup, as Kubernetes'
// kuberuntime does on Linux:
//
//	requests.cpu   → cpu.shares = milliCPU × 1024 / 1000 (500m → 512), at
//	                 least 2; without a request, the limit's; without
//	                 either, 2, the least a cgroup gets (BestEffort)
//	limits.cpu     → a CFS quota of that many CPUs (Docker's NanoCPUs)
//	limits.memory  → the memory limit, with no swap on top
//
// Shares only matter when CPUs are busy: then each container gets CPU in
// proportion to what it requested, which is what the scheduler counted.
func resources(r api.ResourceRequirements) container.Resources {
	var res container.Resources
	if q, ok := r.Limits["memory"]; ok {
		res.Memory = q.Value()
		res.MemorySwap = res.Memory
	}
	cpuRequest, ok := r.Requests["cpu"]
	if !ok {
		cpuRequest = r.Limits["cpu"]
	}
	res.CPUShares = milliCPUToShares(cpuRequest.MilliValue())
	if q, ok := r.Limits["cpu"]; ok {
		res.NanoCPUs = q.MilliValue() * 1_000_000
	}
	return res
}

// CPU shares, as Kubernetes' pkg/kubelet/cm (helper_linux.go).
const (
	minShares     = 2
	maxShares     = 262144
	sharesPerCPU  = 1024
	milliCPUToCPU = 1000
)

// milliCPUToShares converts a CPU request in millicores to cpu.shares.
func milliCPUToShares(milliCPU int64) int64 {
	shares := milliCPU * sharesPerCPU / milliCPUToCPU
	return min(max(shares, minShares), maxShares)
}

// create creates a container named name. A container of that name can be
// left over from a kubelet that died between create and the next list; if
// it is not running it is in the way and goes, and the create is tried
// once more.
func (r *Runtime) create(ctx context.Context, name string, cfg *container.Config, host *container.HostConfig) (string, error) {
	opts := client.ContainerCreateOptions{Name: name, Config: cfg, HostConfig: host}
	res, err := r.docker.ContainerCreate(ctx, opts)
	if cerrdefs.IsConflict(err) {
		old, inspectErr := r.docker.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
		if inspectErr != nil || old.Container.State == nil || old.Container.State.Running {
			return "", err
		}
		r.log.Info("removing a stopped container in the way", zap.String("name", name), zap.String("container", old.Container.ID))
		if _, rmErr := r.docker.ContainerRemove(ctx, old.Container.ID, client.ContainerRemoveOptions{Force: true}); rmErr != nil {
			return "", err
		}
		res, err = r.docker.ContainerCreate(ctx, opts)
	}
	if err != nil {
		return "", err
	}
	for _, w := range res.Warnings {
		r.log.Debug("docker warns", zap.String("container", name), zap.String("warning", w))
	}
	return res.ID, nil
}

// StopContainer implements runtime.Runtime with Docker's stop: the image's
// stop signal (SIGTERM unless it says otherwise), grace rounded up to whole
// seconds, then SIGKILL. A stopped or missing container is left as it is.
func (r *Runtime) StopContainer(ctx context.Context, id string, grace time.Duration) error {
	secs := max(0, int(math.Ceil(grace.Seconds())))
	_, err := r.docker.ContainerStop(ctx, dockerID(id), client.ContainerStopOptions{Timeout: &secs})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("stop container %s: %w", id, err)
	}
	return nil // stopping a stopped container is a 304, which is no error
}

// RemoveContainer implements runtime.Runtime: it removes the container,
// killing it if it still runs, with its log, writable layer and anonymous
// volumes. A container that is not there is fine.
func (r *Runtime) RemoveContainer(ctx context.Context, id string) error {
	_, err := r.docker.ContainerRemove(ctx, dockerID(id), client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove container %s: %w", id, err)
	}
	return nil
}
