package kubelet

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// FakeRuntime is a runtime.Runtime that keeps containers in memory: the
// runtime of simulated nodes (`kubelet --runtime=fake`), and of the
// kubelet's tests. Its containers do nothing and run until stopped, so
// pods report Running with an IP from the node's pod CIDR, and
// schedulers, controllers and Services can be exercised on a laptop with
// no Docker.
//
// A few image names simulate what real images do, so that a student can
// see the failure states in simulation too:
//
//	missing/…   is not on the node and cannot be pulled (ErrImageNeverPull, ErrImagePull)
//	crash/…     exits with code 1 as soon as it starts (CrashLoopBackOff)
//	complete/…  exits with code 0 as soon as it starts (Completed, Succeeded)
//
// Every other image is present. Tests change a running container with
// Exit, make the next start fail with FailNextStart, make an image absent
// with SetImage, and read what a start was given (environment, resolv.conf)
// with LastConfig. FakeRuntime is deterministic: IDs count up and
// times come from the clock it is given.
type FakeRuntime struct {
	node string
	now  func() time.Time

	mu         sync.Mutex
	seq        int
	containers map[string]*fakeContainer          // by ID
	images     map[string]bool                    // image → present, overriding the name rules
	failStart  map[string]string                  // "podUID/container" → the start error
	configs    map[string]runtime.ContainerConfig // "podUID/container" → what its last start was given
	calls      []string
}

// fakeContainer keeps labels as a real runtime does, so ListContainers
// decodes them as the Docker runtime will.
type fakeContainer struct {
	seq    int // creation order
	c      runtime.Container
	labels map[string]string
}

var _ runtime.Runtime = (*FakeRuntime)(nil)

// NewFakeRuntime returns an empty runtime for node. now is its clock; nil
// means time.Now.
func NewFakeRuntime(node string, now func() time.Time) *FakeRuntime {
	if now == nil {
		now = time.Now
	}
	return &FakeRuntime{
		node:       node,
		now:        now,
		containers: map[string]*fakeContainer{},
		images:     map[string]bool{},
		failStart:  map[string]string{},
		configs:    map[string]runtime.ContainerConfig{},
	}
}

// Version implements runtime.Runtime.
func (f *FakeRuntime) Version(context.Context) (string, error) { return "fake://1", nil }

// ListContainers implements runtime.Runtime. Containers come sorted by
// ID, which is creation order.
func (f *FakeRuntime) ListContainers(context.Context) ([]runtime.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	all := slices.SortedFunc(maps.Values(f.containers), func(a, b *fakeContainer) int { return a.seq - b.seq })
	var out []runtime.Container
	for _, fc := range all {
		c, ok := runtime.ContainerFromLabels(f.node, fc.labels)
		if !ok {
			continue
		}
		c.ID, c.Image, c.ImageID = fc.c.ID, fc.c.Image, fc.c.ImageID
		c.State, c.ExitCode, c.Reason, c.Message = fc.c.State, fc.c.ExitCode, fc.c.Reason, fc.c.Message
		c.CreatedAt, c.StartedAt, c.FinishedAt = fc.c.CreatedAt, fc.c.StartedAt, fc.c.FinishedAt
		out = append(out, c)
	}
	return out, nil
}

// ImagePresent implements runtime.Runtime.
func (f *FakeRuntime) ImagePresent(_ context.Context, image string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.present(image), nil
}

func (f *FakeRuntime) present(image string) bool {
	if p, ok := f.images[image]; ok {
		return p
	}
	return !strings.HasPrefix(image, "missing/")
}

// PullImage implements runtime.Runtime: images named missing/… cannot be
// pulled, others become present.
func (f *FakeRuntime) PullImage(_ context.Context, image string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "pull "+image)
	if strings.HasPrefix(image, "missing/") {
		return fmt.Errorf("pull access denied for %s: repository does not exist (simulated by the fake runtime)", image)
	}
	f.images[image] = true
	return nil
}

// RunSandbox implements runtime.Runtime.
func (f *FakeRuntime) RunSandbox(_ context.Context, pod *api.Pod, podIP string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("runSandbox %s/%s ip=%s", pod.Namespace, pod.Name, podIP))
	now := f.now()
	fc := f.add(runtime.ContainerLabels(f.node, pod, runtime.SandboxName, 0, podIP), "kubelab/pause")
	fc.c.State, fc.c.StartedAt = runtime.ContainerRunning, now
	return fc.c.ID, nil
}

// StartContainer implements runtime.Runtime.
func (f *FakeRuntime) StartContainer(_ context.Context, cfg runtime.ContainerConfig) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pod, spec := cfg.Pod, cfg.Container
	f.calls = append(f.calls, fmt.Sprintf("start %s/%s/%s attempt=%d", pod.Namespace, pod.Name, spec.Name, cfg.Attempt))
	if sb, ok := f.containers[cfg.SandboxID]; !ok || sb.c.State != runtime.ContainerRunning {
		return "", fmt.Errorf("sandbox %s of pod %s/%s is not running", cfg.SandboxID, pod.Namespace, pod.Name)
	}
	if !f.present(spec.Image) {
		return "", fmt.Errorf("no such image: %s", spec.Image)
	}
	fc := f.add(runtime.ContainerLabels(f.node, pod, spec.Name, cfg.Attempt, ""), spec.Image)
	now := f.now()
	key := pod.UID + "/" + spec.Name
	f.configs[key] = cfg
	if msg, ok := f.failStart[key]; ok {
		delete(f.failStart, key)
		fc.c.State, fc.c.ExitCode, fc.c.Reason, fc.c.Message, fc.c.FinishedAt = runtime.ContainerExited, 128, "StartError", msg, now
		return fc.c.ID, fmt.Errorf("failed to start container %q: %s", spec.Name, msg)
	}
	fc.c.State, fc.c.StartedAt = runtime.ContainerRunning, now
	switch {
	case strings.HasPrefix(spec.Image, "crash/"):
		fc.c.State, fc.c.ExitCode, fc.c.FinishedAt = runtime.ContainerExited, 1, now
	case strings.HasPrefix(spec.Image, "complete/"):
		fc.c.State, fc.c.ExitCode, fc.c.FinishedAt = runtime.ContainerExited, 0, now
	}
	return fc.c.ID, nil
}

// add makes a created container; the caller sets its state.
func (f *FakeRuntime) add(labels map[string]string, image string) *fakeContainer {
	f.seq++
	sum := sha256.Sum256([]byte(image))
	fc := &fakeContainer{
		seq: f.seq,
		c: runtime.Container{
			ID:        fmt.Sprintf("fake://%s-%d", f.node, f.seq),
			Image:     image,
			ImageID:   fmt.Sprintf("sha256:%x", sum),
			CreatedAt: f.now(),
		},
		labels: labels,
	}
	f.containers[fc.c.ID] = fc
	return fc
}

// StopContainer implements runtime.Runtime. A fake process stops at once:
// with a grace period it exits 0 as a well-behaved program does on
// SIGTERM, without one it is killed (137).
func (f *FakeRuntime) StopContainer(_ context.Context, id string, grace time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("stop %s grace=%s", id, grace))
	fc, ok := f.containers[id]
	if !ok {
		return fmt.Errorf("no such container: %s", id)
	}
	if fc.c.State == runtime.ContainerRunning {
		fc.c.State, fc.c.FinishedAt = runtime.ContainerExited, f.now()
		if grace <= 0 {
			fc.c.ExitCode = 137
		}
	}
	return nil
}

// RemoveContainer implements runtime.Runtime.
func (f *FakeRuntime) RemoveContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "remove "+id)
	if fc, ok := f.containers[id]; ok && fc.c.State == runtime.ContainerRunning {
		return fmt.Errorf("container %s is running: stop it first", id)
	}
	delete(f.containers, id)
	return nil
}

// Exit makes the running container name of the pod with podUID exit with
// code; reason may be "" or e.g. "OOMKilled".
func (f *FakeRuntime) Exit(podUID, name string, code int32, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fc := range f.containers {
		if fc.labels[runtime.LabelPodUID] == podUID && fc.labels[runtime.LabelContainerName] == name && fc.c.State == runtime.ContainerRunning {
			fc.c.State, fc.c.ExitCode, fc.c.Reason, fc.c.FinishedAt = runtime.ContainerExited, code, reason, f.now()
			return nil
		}
	}
	return fmt.Errorf("no running container %s in pod %s", name, podUID)
}

// FailNextStart makes the next start of container name in the pod with
// podUID fail with message, leaving an exited container behind as Docker
// does.
func (f *FakeRuntime) FailNextStart(podUID, name, message string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failStart[podUID+"/"+name] = message
}

// SetImage makes image present or absent, whatever its name.
func (f *FakeRuntime) SetImage(image string, present bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.images[image] = present
}

// LastConfig returns what the last start of container name in the pod
// with podUID was given: its environment, its resolv.conf.
func (f *FakeRuntime) LastConfig(podUID, name string) (runtime.ContainerConfig, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cfg, ok := f.configs[podUID+"/"+name]
	return cfg, ok
}

// Calls returns what the runtime was asked to do that changes something,
// in order: "pull IMAGE", "runSandbox NS/NAME ip=IP",
// "start NS/NAME/CONTAINER attempt=N", "stop ID grace=D", "remove ID".
func (f *FakeRuntime) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// ResetCalls forgets the recorded calls.
func (f *FakeRuntime) ResetCalls() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}
