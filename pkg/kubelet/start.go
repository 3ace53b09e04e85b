package kubelet

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kubelet/runtime"
)

// start makes one step toward a running pod:
//
//  1. the files of its projected volumes (projected.go), written or due
//     for a refresh; without them nothing starts;
//  2. a running sandbox; if it died, everything of the pod starts over;
//  3. init containers one at a time, in order, each to a successful exit;
//  4. every container that is not running and should be: a first start,
//     or a restart allowed by restartPolicy once its back-off is over.
//
// What it cannot do yet it notes in step, for the status and for when to
// come back.
func (w *podWorkers) start(ctx context.Context, pod *api.Pod, podIP string, cs []runtime.Container, step *syncStep) error {
	if !w.mountVolumes(ctx, pod, cs, step) {
		return nil
	}
	sandboxID, cs, err := w.ensureSandbox(ctx, pod, podIP, cs)
	if err != nil || sandboxID == "" {
		return err
	}
	runs := containerHistory(cs)
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		h := runs[c.Name]
		if len(h) > 0 && h[0].State == runtime.ContainerExited && h[0].ExitCode == 0 {
			continue // done
		}
		if len(h) == 0 || h[0].State != runtime.ContainerRunning {
			w.ensureContainer(ctx, pod, c, true, h, sandboxID, podIP, step)
		}
		return nil // the next one waits for this one
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		w.ensureContainer(ctx, pod, c, false, runs[c.Name], sandboxID, podIP, step)
	}
	return nil
}

// ensureSandbox returns the ID of the pod's running sandbox, starting one if
// there is none, with the containers that are left. The sandbox holds the
// pod's network namespace: if it died, the containers in it lost their
// network, so they go too and the pod starts over, as in Kubernetes. A pod
// that will never restart its containers (restartPolicy Never, and they
// have run) gets no new sandbox: the ID is "" and nothing more starts.
//
// A new sandbox gets its network right away (SetupPod, with the sandbox's
// PID). If that fails the sandbox goes again, so the next try, after the
// queue's back-off, starts clean; the event says what netlink said.
func (w *podWorkers) ensureSandbox(ctx context.Context, pod *api.Pod, podIP string, cs []runtime.Container) (string, []runtime.Container, error) {
	for _, c := range cs {
		if c.IsSandbox() && c.State == runtime.ContainerRunning {
			if w.wiredAlready(pod.UID, c.ID) {
				return c.ID, cs, nil
			}
			// Adopted from an earlier kubelet (or its wiring failed):
			// wiring converges, so a pod that has its eth0 keeps it.
			if err := w.wireSandbox(ctx, pod, c.ID, podIP); err != nil {
				w.events.Eventf(pod, api.EventWarning, "FailedCreatePodSandBox", "Failed to set up the network of pod sandbox: %v", err)
				return "", cs, err
			}
			return c.ID, cs, nil
		}
	}
	if len(cs) > 0 {
		if pod.Spec.RestartPolicy == api.RestartNever && slices.ContainsFunc(cs, func(c runtime.Container) bool { return !c.IsSandbox() }) {
			return "", cs, nil
		}
		w.log.Info("the pod's sandbox is not running; starting the pod again", zap.String("pod", client.KeyOf(pod)))
		if err := w.stopAndRemove(ctx, pod, cs, gracePeriod(pod)); err != nil {
			return "", cs, err
		}
	}
	id, err := w.runtime.RunSandbox(ctx, pod, podIP)
	if err != nil {
		w.events.Eventf(pod, api.EventWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: %v", err)
		return "", nil, fmt.Errorf("run the sandbox: %w", err)
	}
	if err := w.wireSandbox(ctx, pod, id, podIP); err != nil {
		w.events.Eventf(pod, api.EventWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: %v", err)
		sandbox := []runtime.Container{{ID: id, PodUID: pod.UID, Name: runtime.SandboxName, State: runtime.ContainerRunning}}
		if rmErr := w.stopAndRemove(ctx, pod, sandbox, 0); rmErr != nil {
			w.log.Warn("could not remove a sandbox whose network failed", zap.String("container", id), zap.Error(rmErr))
		}
		return "", nil, err
	}
	return id, nil, nil
}

// ensureContainer starts container c if it should run and does not: runs
// are its containers so far, newest first.
func (w *podWorkers) ensureContainer(ctx context.Context, pod *api.Pod, c *api.Container, init bool, runs []runtime.Container, sandboxID, podIP string, step *syncStep) {
	now := w.now()
	attempt := 0
	if len(runs) > 0 {
		latest := runs[0]
		switch {
		case latest.State == runtime.ContainerRunning && !init:
			if !w.killUnhealthy(ctx, pod, c, latest) {
				return
			}
			// Killed: it restarts now unless the policy says never (as in
			// Kubernetes, whatever its exit code), then with back-off.
			if pod.Spec.RestartPolicy == api.RestartNever {
				return
			}
			latest.FinishedAt = now
		case latest.State == runtime.ContainerRunning:
			return
		case !shouldRestart(pod.Spec.RestartPolicy, latest.ExitCode, init):
			return
		}
		key := pod.UID + "/" + c.Name
		if wait := w.crashBackoff.waitSince(key, latest.FinishedAt, now); wait > 0 {
			step.wait(c.Name, reasonCrashLoopBackOff, fmt.Sprintf("back-off %s restarting failed container=%s pod=%s",
				w.crashBackoff.delay(key), c.Name, podDesc(pod)), wait)
			w.events.Eventf(pod, api.EventWarning, "BackOff", "Back-off restarting failed container %s in pod %s", c.Name, podDesc(pod))
			return
		}
		w.crashBackoff.next(key, now)
		attempt = latest.Attempt + 1
	}
	if !w.ensureImage(ctx, pod, c, step) {
		return
	}
	cfg, err := w.containerConfig(ctx, pod, c, podIP)
	configKey := pod.UID + "/" + c.Name
	if err != nil {
		// A ConfigMap or Secret that is not there yet: look again, sooner
		// at first, then every 10 s as Kubernetes' pod workers do.
		w.configBackoff.next(configKey, now)
		w.events.Eventf(pod, api.EventWarning, "Failed", "Error: %v", err)
		step.wait(c.Name, reasonConfigError, err.Error(), w.configBackoff.delay(configKey))
		return
	}
	w.configBackoff.forget(configKey)
	cfg.SandboxID, cfg.Attempt = sandboxID, attempt
	id, err := w.runtime.StartContainer(ctx, cfg)
	if err != nil {
		w.events.Eventf(pod, api.EventWarning, "Failed", "Error: %v", err)
		if id == "" {
			step.wait(c.Name, reasonCreateError, err.Error(), retryPeriod)
		} else {
			step.wait(c.Name, reasonRunError, err.Error(), 0) // its exit will be noticed, and back-off applies
		}
		return
	}
	w.events.Eventf(pod, api.EventNormal, "Created", "Created container %s", c.Name)
	w.events.Eventf(pod, api.EventNormal, "Started", "Started container %s", c.Name)
	w.postStart(ctx, pod, c, id, podIP) // lifecycle.go
	// The run before this one stays for lastState (and, later, logs);
	// older ones go.
	for _, old := range runs[min(1, len(runs)):] {
		if err := w.runtime.RemoveContainer(ctx, old.ID); err != nil {
			w.log.Warn("could not remove an old container", zap.String("container", old.ID), zap.Error(err))
		}
	}
}

// containerConfig resolves what container c needs from outside the pod
// spec: its environment (env.go), its command and args with $(VAR)
// expanded from that environment (expand.go), and its resolv.conf.
func (w *podWorkers) containerConfig(ctx context.Context, pod *api.Pod, c *api.Container, podIP string) (runtime.ContainerConfig, error) {
	sources := envSources{config: w.config, events: w.events, hostIP: w.hostIP, allocatable: w.allocatable}
	if w.services != nil {
		if obj, ok := w.services.Get("default/" + kubernetesService); ok {
			sources.apiService = obj.(*api.Service)
		}
	}
	env, err := sources.containerEnv(ctx, pod, c, podIP)
	if err != nil {
		return runtime.ContainerConfig{}, err
	}
	vars := newEnvVars(env)
	expanded := *c
	expanded.Command, expanded.Args = expandAll(c.Command, vars.lookup), expandAll(c.Args, vars.lookup)
	c = &expanded
	var resolv string
	if w.dns != nil {
		if resolv, err = w.dns.resolvConf(pod); err != nil {
			return runtime.ContainerConfig{}, err
		}
	}
	cfg := runtime.ContainerConfig{Pod: pod, Container: c, Env: env, PodIP: podIP, ResolvConf: resolv}
	if w.volumes != nil {
		cfg.VolumeDirs = w.volumes.dirs(pod)
	}
	cfg.VolumeDirs = w.claimVolumeDirs(pod, cfg.VolumeDirs)
	return cfg, nil
}

// killUnhealthy stops a running container that failed its liveness or
// startup probe, and reports whether it did.
func (w *podWorkers) killUnhealthy(ctx context.Context, pod *api.Pod, c *api.Container, running runtime.Container) bool {
	if w.probes == nil {
		return false
	}
	kind, failed := w.probes.failed(pod.UID, c, running.ID)
	if !failed {
		return false
	}
	w.events.Eventf(pod, api.EventNormal, "Killing", "Container %s failed %s probe, will be restarted", c.Name, strings.ToLower(string(kind)))
	grace := gracePeriod(pod)
	if p := probesOf(c)[kind]; p != nil && p.TerminationGracePeriodSeconds != nil {
		grace = time.Duration(*p.TerminationGracePeriodSeconds) * time.Second
	}
	if err := w.stopContainer(ctx, pod, running, grace); err != nil {
		w.log.Warn("could not kill an unhealthy container", zap.String("container", running.ID), zap.Error(err))
		return false
	}
	return true
}

// shouldRestart applies restartPolicy to a container that exited with
// code. An init container that succeeded is done; one that failed is
// retried unless the policy is Never.
func shouldRestart(policy string, code int32, init bool) bool {
	switch {
	case init:
		return code != 0 && policy != api.RestartNever
	case policy == api.RestartNever:
		return false
	case policy == api.RestartOnFailure:
		return code != 0
	default: // Always
		return true
	}
}

// ensureImage makes sure c's image is on the node, as imagePullPolicy says:
//
//	Never         present: go; absent: ErrImageNeverPull, with no pull
//	IfNotPresent  present: go; absent: pull
//	Always        pull
//
// A failed pull is ErrImagePull, then ImagePullBackOff until the back-off
// allows another try. It reports whether the container can start.
func (w *podWorkers) ensureImage(ctx context.Context, pod *api.Pod, c *api.Container, step *syncStep) bool {
	image := c.Image
	present, err := w.runtime.ImagePresent(ctx, image)
	if err != nil {
		step.wait(c.Name, "ImageInspectError", fmt.Sprintf("Failed to inspect image %q: %v", image, err), retryPeriod)
		return false
	}
	policy := c.ImagePullPolicy
	if policy == "" {
		policy = api.PullIfNotPresent
	}
	switch {
	case policy == api.PullNever && !present:
		msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", image)
		w.events.Eventf(pod, api.EventWarning, reasonErrImageNeverPull, "%s", msg)
		w.events.Eventf(pod, api.EventWarning, "Failed", "Error: %s", reasonErrImageNeverPull)
		step.wait(c.Name, reasonErrImageNeverPull, msg, retryPeriod)
		return false
	case policy != api.PullAlways && present:
		w.events.Eventf(pod, api.EventNormal, "Pulled", "Container image %q already present on machine", image)
		return true
	}

	now := w.now()
	key := pod.UID + "/" + image
	if wait := w.pullBackoff.waitSinceUpdate(key, now); wait > 0 {
		w.events.Eventf(pod, api.EventNormal, "BackOff", "Back-off pulling image %q", image)
		w.events.Eventf(pod, api.EventWarning, "Failed", "Error: %s", reasonImagePullBackOff)
		step.wait(c.Name, reasonImagePullBackOff, fmt.Sprintf("Back-off pulling image %q", image), wait)
		return false
	}
	w.events.Eventf(pod, api.EventNormal, "Pulling", "Pulling image %q", image)
	if err := w.runtime.PullImage(ctx, image); err != nil {
		w.pullBackoff.next(key, now)
		w.events.Eventf(pod, api.EventWarning, "Failed", "Failed to pull image %q: %v", image, err)
		w.events.Eventf(pod, api.EventWarning, "Failed", "Error: %s", reasonErrImagePull)
		// Look again soon, so the status moves on to ImagePullBackOff as
		// users know it from Kubernetes.
		step.wait(c.Name, reasonErrImagePull, err.Error(), pullErrorShown)
		return false
	}
	w.events.Eventf(pod, api.EventNormal, "Pulled", "Successfully pulled image %q in %s", image, w.now().Sub(now).Round(time.Millisecond))
	return true
}

// pullErrorShown is how long ErrImagePull shows before ImagePullBackOff.
const pullErrorShown = time.Second
