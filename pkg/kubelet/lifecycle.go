package kubelet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// Lifecycle hooks (api.Lifecycle) run at two moments:
//
//   - postStart, right after the runtime started the container. The pod's
//     worker waits for it; a hook that fails (FailedPostStartHook) gets
//     the container killed, and the pod's restartPolicy decides what next.
//   - preStop, before the container is sent SIGTERM, whether the pod is
//     being deleted or the container failed its liveness probe. The hook
//     runs within the grace period; what it leaves of it, at least 2 s as
//     in Kubernetes, is the container's to stop in. A hook that fails
//     (FailedPreStopHook) does not stop the stop.
//
// Hooks run the way probes check (probe_check.go): exec through the
// runtime, httpGet from the kubelet to the pod's IP, and sleep in the
// kubelet. tcpSocket hooks pass validation, for manifests written for old
// Kubernetes versions, and fail when they run, as they do there. The
// fake runtime's containers have no processes: its pods run no hooks.

// hookFunc runs one hook against a container; its error says why it
// failed.
type hookFunc func(ctx context.Context, t probeTarget, h *api.LifecycleHandler) error

const (
	// minStopGrace is the least a container gets to stop in after its
	// preStop hook, however long the hook took.
	minStopGrace = 2 * time.Second
	// postStartTimeout bounds a postStart hook. Kubernetes waits as long
	// as it takes, in a goroutine of the pod's own; this kubelet's
	// workers are shared by all pods, so it gives up and counts it as a
	// failure.
	postStartTimeout = 2 * time.Minute
)

// runHook implements hookFunc.
func (p *prober) runHook(ctx context.Context, t probeTarget, h *api.LifecycleHandler) error {
	var kind, what, msg string
	var ok bool
	switch {
	case h.Sleep != nil:
		select {
		case <-time.After(time.Duration(h.Sleep.Seconds) * time.Second):
		case <-ctx.Done():
		}
		return nil
	case h.Exec != nil:
		kind, what = "Exec", fmt.Sprint(h.Exec.Command)
		ok, msg = p.execute(ctx, t, h.Exec)
	case h.HTTPGet != nil:
		kind, what = "HTTP", h.HTTPGet.Path
		ok, msg = p.httpGet(ctx, t, h.HTTPGet)
	case h.TCPSocket != nil:
		return errors.New("tcpSocket lifecycle hooks are not supported: use exec, httpGet or sleep")
	default:
		return errors.New("the hook has no exec, httpGet or sleep")
	}
	if ok {
		return nil
	}
	return fmt.Errorf("%s lifecycle hook (%s) for Container %q in Pod %q failed - error: %s",
		kind, what, t.container.Name, podDesc(t.pod), msg)
}

// postStart runs container c's postStart hook, if it has one, and kills
// the container (started as id) if the hook fails.
func (w *podWorkers) postStart(ctx context.Context, pod *api.Pod, c *api.Container, id, podIP string) {
	if w.hooks == nil || c.Lifecycle == nil || c.Lifecycle.PostStart == nil {
		return
	}
	hctx, cancel := context.WithTimeout(ctx, postStartTimeout)
	err := w.hooks(hctx, probeTarget{pod: pod, container: c, containerID: id, podIP: podIP}, c.Lifecycle.PostStart)
	cancel()
	if err == nil {
		return
	}
	w.events.Eventf(pod, api.EventWarning, "FailedPostStartHook", "%v", err)
	if err := w.runtime.StopContainer(ctx, id, gracePeriod(pod)); err != nil {
		w.log.Warn("could not kill a container whose postStart hook failed", zap.String("container", id), zap.Error(err))
	}
}

// stopContainer runs the running container c's preStop hook, if pod
// gives it one, then stops it with what is left of grace.
func (w *podWorkers) stopContainer(ctx context.Context, pod *api.Pod, c runtime.Container, grace time.Duration) error {
	if spec := specOf(pod, c.Name); w.hooks != nil && spec != nil && spec.Lifecycle != nil && spec.Lifecycle.PreStop != nil {
		start := w.now()
		hctx, cancel := context.WithTimeout(ctx, grace)
		err := w.hooks(hctx, probeTarget{pod: pod, container: spec, containerID: c.ID, podIP: pod.Status.PodIP}, spec.Lifecycle.PreStop)
		cancel()
		if err != nil {
			w.events.Eventf(pod, api.EventWarning, "FailedPreStopHook", "%v", err)
		}
		grace = max(grace-w.now().Sub(start), minStopGrace)
	}
	return w.runtime.StopContainer(ctx, c.ID, grace)
}

// specOf returns pod's container (or init container) named name; nil
// for a pod the API no longer has, or a container it does not list.
func specOf(pod *api.Pod, name string) *api.Container {
	if pod == nil {
		return nil
	}
	for _, cs := range [][]api.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for i := range cs {
			if cs[i].Name == name {
				return &cs[i]
			}
		}
	}
	return nil
}
