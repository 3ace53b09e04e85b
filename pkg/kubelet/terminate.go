package kubelet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kubelet/runtime"
)

// terminate finishes the graceful deletion of a pod. The apiserver gave it
// a deletionTimestamp and left it for this kubelet, which:
//
//  1. stops its containers, each with the grace period (SIGTERM, wait, SIGKILL);
//  2. removes them;
//  3. releases the pod's IP;
//  4. deletes the pod with grace period 0, on the condition that its UID is
//     still this pod's (not a new pod of the same name).
//
// Only the last step makes the pod vanish from `kctl get pods`, so it never
// disappears while its containers still run. A crash between the steps is
// harmless: the next sync starts again from what the runtime lists.
func (w *podWorkers) terminate(ctx context.Context, pod *api.Pod, cs []runtime.Container) error {
	if err := w.killPod(ctx, pod, pod.UID, cs, gracePeriod(pod)); err != nil {
		return err
	}
	err := w.api.DeletePod(ctx, pod.Namespace, pod.Name, &api.DeleteOptions{
		GracePeriodSeconds: api.Int64(0),
		Preconditions:      &api.Precondition{UID: api.String(pod.UID)},
	})
	if err != nil && !client.IsNotFound(err) && !client.IsConflict(err) { // gone, or another pod by now
		return fmt.Errorf("delete pod: %w", err)
	}
	return nil
}

// finish puts a pod that has finished (Succeeded or Failed) to rest: its
// sandbox stops and its IP goes back to the pool, but its containers stay,
// exited, until the pod is deleted, so that their status (and later their
// logs) remain.
func (w *podWorkers) finish(ctx context.Context, pod *api.Pod, cs []runtime.Container) error {
	if w.probes != nil {
		w.probes.forget(pod.UID)
	}
	if slices.ContainsFunc(cs, func(c runtime.Container) bool { return c.IsSandbox() && c.State == runtime.ContainerRunning }) {
		if err := w.unwire(ctx, pod, pod.UID); err != nil {
			return err
		}
	}
	for _, c := range cs {
		if c.State == runtime.ContainerRunning {
			if err := w.stopContainer(ctx, pod, c, gracePeriod(pod)); err != nil {
				return fmt.Errorf("stop %s: %w", c.ID, err)
			}
		}
	}
	return w.ipam.Release(pod.UID)
}

// killPod stops and removes the containers of the pod with uid, releases
// its IP and removes its directories: everything but the API object. pod
// is nil for a pod the API no longer has; it is only used for events.
func (w *podWorkers) killPod(ctx context.Context, pod *api.Pod, uid string, cs []runtime.Container, grace time.Duration) error {
	if w.probes != nil {
		w.probes.forget(uid) // before the kill, so no probe fails on a container going away
	}
	if err := w.stopAndRemove(ctx, pod, cs, grace); err != nil {
		return err
	}
	if err := w.ipam.Release(uid); err != nil {
		return err
	}
	// The kubelet's volumes first: a Secret's tmpfs comes down before the
	// runtime removes the pod's directory.
	if w.volumes != nil {
		if err := w.volumes.tearDown(uid); err != nil {
			return err
		}
	}
	if w.podDirs != nil {
		if err := w.podDirs.RemovePodDirs(uid); err != nil {
			return err
		}
	}
	if w.hostVolumes != nil {
		w.hostVolumes.forget(uid) // the volumes' directories stay: their data outlives the pod
	}
	w.forget(uid)
	return nil
}

// stopAndRemove stops containers, the pod's own processes all at once (they
// share the grace period, as in Kubernetes), then takes down the pod's
// network and stops its sandbox, and removes them all. The network goes
// while the sandbox still runs: its namespace lives as long as the
// sandbox's process.
func (w *podWorkers) stopAndRemove(ctx context.Context, pod *api.Pod, cs []runtime.Container, grace time.Duration) error {
	var wg sync.WaitGroup
	errs := make([]error, len(cs))
	for i, c := range cs {
		if c.IsSandbox() || c.State != runtime.ContainerRunning {
			continue
		}
		if pod != nil {
			w.events.Eventf(pod, api.EventNormal, "Killing", "Stopping container %s", c.Name)
		}
		wg.Go(func() { errs[i] = w.stopContainer(ctx, pod, c, grace) }) // lifecycle.go: preStop first
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stop containers: %w", err)
	}
	for _, c := range cs {
		if c.IsSandbox() { // also a dead one: its veth may outlive it for a moment
			if err := w.unwire(ctx, pod, c.PodUID); err != nil {
				return err
			}
		}
		if c.IsSandbox() && c.State == runtime.ContainerRunning {
			if err := w.runtime.StopContainer(ctx, c.ID, grace); err != nil {
				return fmt.Errorf("stop the sandbox: %w", err)
			}
		}
	}
	// Containers first, the sandbox last: it holds their namespaces.
	for _, sandboxes := range []bool{false, true} {
		for _, c := range cs {
			if c.IsSandbox() != sandboxes {
				continue
			}
			if err := w.runtime.RemoveContainer(ctx, c.ID); err != nil {
				return fmt.Errorf("remove %s: %w", c.ID, err)
			}
			w.log.Debug("removed container", zap.String("container", c.ID), zap.String("name", c.Name))
		}
	}
	return nil
}

// gracePeriod is how long a pod's containers get to stop: what the delete
// asked for, else the pod's terminationGracePeriodSeconds, else 30 s.
func gracePeriod(pod *api.Pod) time.Duration {
	if g := pod.DeletionGracePeriodSeconds; g != nil {
		return time.Duration(*g) * time.Second
	}
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		return time.Duration(*g) * time.Second
	}
	return 30 * time.Second
}
