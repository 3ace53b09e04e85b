package kubelet

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// The prober's thresholds: outcomes in, results out, no network.
func TestProbeThresholds(t *testing.T) {
	for _, tc := range []struct {
		name             string
		kind             probeKind
		success, failure int32
		outcomes         string // one per probe: + success, - failure
		want             string // the result after each: S success, F failure, ? unknown
	}{
		{"liveness starts alive and fails after 3 in a row", liveness, 1, 3, "--+---", "SSSSSF"},
		{"readiness starts unready, one success readies", readiness, 1, 3, "+-+", "SSS"},
		{"readiness unready after 3 failures, back after 1 success", readiness, 1, 3, "+---+", "SSSFS"},
		{"successThreshold 2 needs two in a row", readiness, 2, 1, "+-++", "FFFS"},
		{"failureThreshold 1 fails at once", readiness, 1, 1, "+-", "SF"},
		{"startup is unknown until it succeeds", startup, 1, 3, "--+", "??S"},
		{"startup fails after the threshold", startup, 1, 2, "--", "?F"},
		{"thresholds of 0 count as 1", liveness, 0, 0, "-", "F"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ty := tally{result: initialResult(tc.kind)}
			var got strings.Builder
			for _, o := range tc.outcomes {
				ty = ty.observe(o == '+', tc.success, tc.failure)
				got.WriteByte("?SF"[ty.result])
			}
			if got.String() != tc.want {
				t.Errorf("outcomes %s: results %s, want %s", tc.outcomes, got.String(), tc.want)
			}
		})
	}
}

// probeHarness is a probe manager whose workers are stepped by hand, with
// a check function that answers what the test says.
type probeHarness struct {
	m       *probeManager
	events  *fakeRecorder
	mu      sync.Mutex
	answers map[string]bool // "container/Kind" → the next check's outcome; absent: success
	checked []string
	changed []string
}

func newProbeHarness() *probeHarness {
	h := &probeHarness{events: &fakeRecorder{}, answers: map[string]bool{}}
	check := func(_ context.Context, t probeTarget, p *api.Probe) (bool, string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		kind := map[*api.Probe]probeKind{t.container.LivenessProbe: liveness, t.container.ReadinessProbe: readiness, t.container.StartupProbe: startup}[p]
		key := t.container.Name + "/" + string(kind)
		h.checked = append(h.checked, key)
		ok, set := h.answers[key]
		if set && !ok {
			return false, "HTTP probe failed with statuscode: 500"
		}
		return true, ""
	}
	h.m = newProbeManager(context.Background(), check, h.events, func(key string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.changed = append(h.changed, key)
	}, zap.NewNop())
	h.m.spawn = func(context.Context, *probeWorker) {} // no goroutines: step by hand
	return h
}

func (h *probeHarness) answer(container string, kind probeKind, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.answers[container+"/"+string(kind)] = ok
}

// step probes once with every worker of the pod, in a fixed order.
func (h *probeHarness) step(uid string) {
	for _, kind := range []probeKind{startup, readiness, liveness} {
		h.m.mu.Lock()
		var ws []*probeWorker
		for key, w := range h.m.workers {
			if key.podUID == uid && key.kind == kind {
				ws = append(ws, w)
			}
		}
		h.m.mu.Unlock()
		for _, w := range ws {
			h.m.step(context.Background(), w)
		}
	}
}

func (h *probeHarness) take() (checked, changed []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	checked, changed = h.checked, h.changed
	h.checked, h.changed = nil, nil
	return checked, changed
}

func probedPod() *api.Pod {
	p := testPod("web", api.RestartAlways, "kubia")
	c := &p.Spec.Containers[0]
	c.StartupProbe = &api.Probe{ProbeHandler: api.ProbeHandler{TCPSocket: &api.TCPSocketAction{Port: api.FromInt(8080)}}, FailureThreshold: 2}
	c.ReadinessProbe = &api.Probe{ProbeHandler: api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Path: "/ready", Port: api.FromInt(8080)}}, FailureThreshold: 1}
	c.LivenessProbe = &api.Probe{ProbeHandler: api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Path: "/healthy", Port: api.FromInt(8080)}}, FailureThreshold: 2}
	return p
}

// A container's probes from its start to a liveness failure: startup
// gates the others, readiness follows its probe, liveness asks for a
// kill after its threshold and then holds.
func TestProbeWorkers(t *testing.T) {
	h := newProbeHarness()
	pod := probedPod()
	c := &pod.Spec.Containers[0]
	run := runtime.Container{ID: "docker://1", Name: "c0", State: runtime.ContainerRunning}
	h.m.ensure(pod, "10.244.1.2", map[string]runtime.Container{"c0": run})
	status := func() string {
		s := h.m.status(pod.UID, c, run)
		kind, failed := h.m.failed(pod.UID, c, run.ID)
		return fmt.Sprintf("started=%t ready=%t failed=%s%s", s.started, s.ready, kind, map[bool]string{true: "!", false: ""}[failed])
	}

	steps := []struct {
		name        string
		answers     map[probeKind]bool
		wantChecked []string
		wantStatus  string
		wantChanged bool
	}{
		{"before any probe", nil, nil, "started=false ready=false failed=", false},
		{"startup fails once: the others wait", map[probeKind]bool{startup: false}, []string{"c0/Startup"}, "started=false ready=false failed=", false},
		{"startup succeeds, then readiness and liveness run", map[probeKind]bool{startup: true}, []string{"c0/Startup", "c0/Readiness", "c0/Liveness"}, "started=true ready=true failed=", true},
		{"startup is done for good", nil, []string{"c0/Readiness", "c0/Liveness"}, "started=true ready=true failed=", false},
		{"readiness fails: unready at once", map[probeKind]bool{readiness: false}, []string{"c0/Readiness", "c0/Liveness"}, "started=true ready=false failed=", true},
		{"liveness fails once: below its threshold", map[probeKind]bool{liveness: false}, []string{"c0/Readiness", "c0/Liveness"}, "started=true ready=false failed=", false},
		{"liveness fails twice: kill", nil, []string{"c0/Readiness", "c0/Liveness"}, "started=true ready=false failed=Liveness!", true},
		{"liveness holds until the next container", map[probeKind]bool{liveness: true}, []string{"c0/Readiness"}, "started=true ready=false failed=Liveness!", false},
	}
	for _, s := range steps {
		for kind, ok := range s.answers {
			h.answer("c0", kind, ok)
		}
		if s.name != "before any probe" {
			h.step(pod.UID)
		}
		checked, changed := h.take()
		wantStrings(t, s.name+": checked", checked, s.wantChecked)
		if got := status(); got != s.wantStatus {
			t.Errorf("%s: %s, want %s", s.name, got, s.wantStatus)
		}
		if (len(changed) > 0) != s.wantChanged {
			t.Errorf("%s: queued %q, want a queue: %t", s.name, changed, s.wantChanged)
		}
	}
	wantStrings(t, "events", h.events.take(), []string{
		"Warning Unhealthy Startup probe failed: HTTP probe failed with statuscode: 500",
		"Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500",
		"Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500",
		"Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500",
		"Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500",
		"Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500",
		"Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500",
	})

	// The restarted container gets fresh workers; the old ones stop.
	next := runtime.Container{ID: "docker://2", Name: "c0", State: runtime.ContainerRunning}
	h.m.ensure(pod, "10.244.1.2", map[string]runtime.Container{"c0": next})
	if s := h.m.status(pod.UID, c, next); s.started || s.ready {
		t.Errorf("a new container starts unstarted and unready: %+v", s)
	}
	if _, failed := h.m.failed(pod.UID, c, next.ID); failed {
		t.Error("a new container has not failed anything")
	}
	// A stopped container has no workers.
	h.m.ensure(pod, "10.244.1.2", nil)
	if n := len(h.m.workers); n != 0 {
		t.Errorf("%d workers left for a container that stopped", n)
	}
}

// A kubelet that restarted takes readiness and startedness from the
// status it wrote, for the very containers it described.
func TestProbeWorkersAdoptTheLastStatus(t *testing.T) {
	h := newProbeHarness()
	pod := probedPod()
	pod.Status.ContainerStatuses = []api.ContainerStatus{{Name: "c0", ContainerID: "docker://1", Ready: true, Started: api.Bool(true)}}
	c := &pod.Spec.Containers[0]
	for _, tc := range []struct {
		id   string
		want probeStatus
	}{
		{"docker://1", probeStatus{started: true, ready: true}},
		{"docker://2", probeStatus{}}, // another container than the status describes
	} {
		run := runtime.Container{ID: tc.id, Name: "c0", State: runtime.ContainerRunning}
		h.m.ensure(pod, "10.244.1.2", map[string]runtime.Container{"c0": run})
		if got := h.m.status(pod.UID, c, run); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.id, got, tc.want)
		}
	}
}

// The initial delay counts from the container's start.
func TestProbeLoopWaitsTheInitialDelay(t *testing.T) {
	checks := make(chan time.Time, 10)
	m := newProbeManager(context.Background(), func(context.Context, probeTarget, *api.Probe) (bool, string) {
		checks <- time.Now()
		return true, ""
	}, &fakeRecorder{}, func(string) {}, zap.NewNop())
	pod := testPod("web", api.RestartAlways, "kubia")
	pod.Spec.Containers[0].LivenessProbe = &api.Probe{ProbeHandler: api.ProbeHandler{Exec: &api.ExecAction{Command: []string{"true"}}},
		InitialDelaySeconds: 1, PeriodSeconds: 1}
	started := time.Now().Add(-700 * time.Millisecond)
	m.ensure(pod, "10.244.1.2", map[string]runtime.Container{"c0": {ID: "x", Name: "c0", State: runtime.ContainerRunning, StartedAt: started}})
	defer m.forget(pod.UID)
	select {
	case at := <-checks:
		if d := at.Sub(started); d < time.Second || d > 1500*time.Millisecond {
			t.Errorf("first check %s after the start, want about 1s", d)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no check")
	}
}
