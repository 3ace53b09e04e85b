package kubelet

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kubelet/runtime"
)

// Probes, as Kubernetes runs them. Each probe of each running container
// has a worker: a goroutine that checks every periodSeconds (after
// initialDelaySeconds) and keeps a result. The pod worker reads the
// results when it computes a status, and acts on them:
//
//	startup    until it succeeds, liveness and readiness wait and the
//	           container is not started; failing it kills the container
//	readiness  containerStatuses.ready, hence the Ready and ContainersReady
//	           conditions (and the Endpoints that follow them)
//	liveness   failing it kills the container, which restarts as
//	           restartPolicy says
//
// A result flips only after failureThreshold failures, or successThreshold
// successes, in a row (tally). When a result flips, the worker queues the
// pod, so the pod worker reacts at once rather than at the next resync.
// Results live in memory: a restarted kubelet takes readiness and
// startedness from the status it wrote before, until its probes say
// otherwise.

// probeKind names a probe the way events do: "Liveness probe failed: …".
type probeKind string

const (
	liveness  probeKind = "Liveness"
	readiness probeKind = "Readiness"
	startup   probeKind = "Startup"
)

// probeResult is what a probe currently says.
type probeResult int8

const (
	probeUnknown probeResult = iota // not probed yet
	probeSuccess
	probeFailure
)

// tally applies a probe's thresholds to its outcomes, as Kubernetes'
// prober worker does: the result changes to failure after
// failureThreshold failures in a row, to success after successThreshold
// successes in a row; outcomes in between leave it as it was.
type tally struct {
	result probeResult
	lastOK bool
	run    int32 // outcomes in a row equal to lastOK
}

// observe returns the tally after one more outcome.
func (t tally) observe(ok bool, successThreshold, failureThreshold int32) tally {
	if t.run > 0 && ok == t.lastOK {
		t.run++
	} else {
		t.lastOK, t.run = ok, 1
	}
	switch {
	case ok && t.run >= max(successThreshold, 1):
		t.result = probeSuccess
	case !ok && t.run >= max(failureThreshold, 1):
		t.result = probeFailure
	}
	return t
}

// initialResult is a probe's result before its first check: a container
// is alive until shown otherwise, not ready until shown ready, and not
// started, but not failed either: only a failure kills.
func initialResult(kind probeKind) probeResult {
	switch kind {
	case liveness:
		return probeSuccess
	case readiness:
		return probeFailure
	}
	return probeUnknown
}

// probeTarget is what a probe checks.
type probeTarget struct {
	pod         *api.Pod // for events and named ports
	container   *api.Container
	containerID string
	podIP       string
}

// checkFunc runs a probe once. A failure comes with a message saying why,
// shown in the Unhealthy event.
type checkFunc func(ctx context.Context, t probeTarget, p *api.Probe) (ok bool, msg string)

type probeKey struct {
	podUID, container string
	kind              probeKind
}

// probeWorker probes one container with one probe. Its fields after mu
// belong to the manager's lock.
type probeWorker struct {
	key       probeKey
	podKey    string
	probe     *api.Probe
	target    probeTarget
	startedAt time.Time
	cancel    context.CancelFunc

	tally  tally
	onHold bool // a liveness or startup failure: wait for the next container
}

// probeManager keeps one worker per probe of every running container.
type probeManager struct {
	check   checkFunc
	events  eventRecorder
	changed func(podKey string) // queues the pod
	now     func() time.Time
	log     *zap.Logger
	ctx     context.Context // the kubelet's: workers stop with it

	// spawn starts a worker's loop; tests replace it and step workers by
	// hand.
	spawn func(ctx context.Context, w *probeWorker)

	mu      sync.Mutex
	workers map[probeKey]*probeWorker
}

func newProbeManager(ctx context.Context, check checkFunc, events eventRecorder, changed func(string), log *zap.Logger) *probeManager {
	m := &probeManager{check: check, events: events, changed: changed, now: time.Now, log: log, ctx: ctx,
		workers: map[probeKey]*probeWorker{}}
	m.spawn = func(ctx context.Context, w *probeWorker) { go m.loop(ctx, w) }
	return m
}

// probesOf lists a container's probes by kind.
func probesOf(c *api.Container) map[probeKind]*api.Probe {
	out := map[probeKind]*api.Probe{}
	for kind, p := range map[probeKind]*api.Probe{liveness: c.LivenessProbe, readiness: c.ReadinessProbe, startup: c.StartupProbe} {
		if p != nil {
			out[kind] = p
		}
	}
	return out
}

// ensure makes the workers match the pod's running containers: a worker
// per probe for each, a new one when a container restarted (a new
// container, a fresh result), none for containers that stopped. A new
// worker for a container the pod's status already describes starts from
// what that status says (ready, started): that is how a restarted kubelet
// adopts a pod without flapping its Ready condition.
func (m *probeManager) ensure(pod *api.Pod, podIP string, running map[string]runtime.Container) {
	m.mu.Lock()
	defer m.mu.Unlock()
	want := map[probeKey]bool{}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		r, ok := running[c.Name]
		if !ok {
			continue
		}
		for kind, p := range probesOf(c) {
			key := probeKey{pod.UID, c.Name, kind}
			want[key] = true
			if w, ok := m.workers[key]; ok && w.target.containerID == r.ID {
				continue
			}
			m.stopLocked(key)
			m.startLocked(key, pod, c, p, r, podIP)
		}
	}
	for key := range m.workers {
		if key.podUID == pod.UID && !want[key] {
			m.stopLocked(key)
		}
	}
}

func (m *probeManager) startLocked(key probeKey, pod *api.Pod, c *api.Container, p *api.Probe, r runtime.Container, podIP string) {
	w := &probeWorker{
		key: key, podKey: client.KeyOf(pod), probe: p, startedAt: r.StartedAt,
		target: probeTarget{pod: pod, container: c, containerID: r.ID, podIP: podIP},
		tally:  tally{result: initialResult(key.kind)},
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name != c.Name || cs.ContainerID != r.ID {
			continue
		}
		switch { // what the last status said of this very container
		case key.kind == readiness && cs.Ready:
			w.tally.result = probeSuccess
		case key.kind == startup && cs.Started != nil && *cs.Started:
			w.tally.result = probeSuccess
		}
	}
	ctx, cancel := context.WithCancel(m.ctx)
	w.cancel = cancel
	m.workers[key] = w
	m.spawn(ctx, w)
}

func (m *probeManager) stopLocked(key probeKey) {
	if w, ok := m.workers[key]; ok {
		w.cancel()
		delete(m.workers, key)
	}
}

// forget stops every worker of the pod with uid.
func (m *probeManager) forget(uid string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for key := range m.workers {
		if key.podUID == uid {
			m.stopLocked(key)
		}
	}
}

// result is the current result of a probe of the container with
// containerID, and whether there is such a worker.
func (m *probeManager) result(uid, container, containerID string, kind probeKind) (probeResult, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.workers[probeKey{uid, container, kind}]
	if !ok || w.target.containerID != containerID {
		return probeUnknown, false
	}
	return w.tally.result, true
}

// probeStatus is what the probes say of one running container.
type probeStatus struct{ started, ready bool }

// status says whether running container r of spec c is started and ready:
// started once its startup probe succeeded (at once without one), ready
// once started and its readiness probe succeeds (at once without one).
func (m *probeManager) status(uid string, c *api.Container, r runtime.Container) probeStatus {
	passed := func(kind probeKind, p *api.Probe) bool {
		if p == nil {
			return true
		}
		res, _ := m.result(uid, c.Name, r.ID, kind)
		return res == probeSuccess
	}
	started := passed(startup, c.StartupProbe)
	return probeStatus{started: started, ready: started && passed(readiness, c.ReadinessProbe)}
}

// failed says whether the container failed its liveness or startup probe
// and must be killed, and which one.
func (m *probeManager) failed(uid string, c *api.Container, containerID string) (probeKind, bool) {
	for _, kind := range []probeKind{startup, liveness} {
		if res, ok := m.result(uid, c.Name, containerID, kind); ok && res == probeFailure {
			return kind, true
		}
	}
	return "", false
}

// loop probes every period until ctx ends. The first check comes after
// initialDelaySeconds counted from the container's start.
func (m *probeManager) loop(ctx context.Context, w *probeWorker) {
	period := time.Duration(max(w.probe.PeriodSeconds, 1)) * time.Second
	first := w.startedAt.Add(time.Duration(w.probe.InitialDelaySeconds) * time.Second).Sub(m.now())
	timer := time.NewTimer(max(first, 0))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		m.step(ctx, w)
		timer.Reset(period)
	}
}

// step probes once, unless the probe must wait: liveness and readiness
// until the startup probe succeeded, a startup probe that succeeded
// already, a probe whose failure killed the container.
func (m *probeManager) step(ctx context.Context, w *probeWorker) {
	m.mu.Lock()
	hold := w.onHold || (w.key.kind == startup && w.tally.result == probeSuccess)
	m.mu.Unlock()
	if hold {
		return
	}
	if w.key.kind != startup && w.target.container.StartupProbe != nil {
		if res, _ := m.result(w.key.podUID, w.key.container, w.target.containerID, startup); res != probeSuccess {
			return
		}
	}
	timeout := time.Duration(max(w.probe.TimeoutSeconds, 1)) * time.Second
	cctx, cancel := context.WithTimeout(ctx, timeout)
	ok, msg := m.check(cctx, w.target, w.probe)
	cancel()
	if ctx.Err() != nil {
		return // stopped while checking: the container is gone
	}
	if !ok {
		m.events.Eventf(w.target.pod, api.EventWarning, "Unhealthy", "%s probe failed: %s", w.key.kind, msg)
	}

	m.mu.Lock()
	before := w.tally.result
	w.tally = w.tally.observe(ok, w.probe.SuccessThreshold, w.probe.FailureThreshold)
	after := w.tally.result
	if after == probeFailure && w.key.kind != readiness {
		w.onHold = true // the container will be killed; its successor gets a new worker
	}
	m.mu.Unlock()
	if before != after {
		m.log.Debug("probe result changed", zap.String("pod", w.podKey), zap.String("container", w.key.container),
			zap.String("probe", string(w.key.kind)), zap.Bool("success", after == probeSuccess))
		m.changed(w.podKey)
	}
}
