package kubelet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// wantStrings fails the test unless got equals want.
func wantStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// state summarises one container status: "running", "waiting Reason: message",
// "terminated Reason exit", with " restarts=N" when it restarted.
func state(cs api.ContainerStatus) string {
	var s string
	switch {
	case cs.State.Running != nil:
		s = "running"
	case cs.State.Waiting != nil:
		s = "waiting " + cs.State.Waiting.Reason
		if cs.State.Waiting.Message != "" {
			s += ": " + cs.State.Waiting.Message
		}
	case cs.State.Terminated != nil:
		s = fmt.Sprintf("terminated %s %d", cs.State.Terminated.Reason, cs.State.Terminated.ExitCode)
	}
	if cs.RestartCount > 0 {
		s += fmt.Sprintf(" restarts=%d", cs.RestartCount)
	}
	return s
}

func TestSyncStartsAPodOnce(t *testing.T) {
	h := newHarness(t, testPod("web", api.RestartAlways, "kubia"))
	h.sync("default/web")

	wantStrings(t, "runtime calls", h.rt.Calls(), []string{
		"runSandbox default/web ip=10.244.1.2",
		"start default/web/c0 attempt=0",
	})
	wantStrings(t, "events", h.events.take(), []string{
		`Normal Pulled Container image "kubia" already present on machine`,
		"Normal Created Created container c0",
		"Normal Started Started container c0",
	})
	wantStrings(t, "writes", h.api.actions, []string{"status default/web Running"})
	st := h.api.lastStatus(t)
	if st.PodIP != "10.244.1.2" || len(st.PodIPs) != 1 || st.HostIP != "192.168.56.11" || st.StartTime == nil {
		t.Errorf("addresses: podIP %q podIPs %v hostIP %q startTime %v", st.PodIP, st.PodIPs, st.HostIP, st.StartTime)
	}
	cs := st.ContainerStatuses[0]
	if state(cs) != "running" || !cs.Ready || cs.ContainerID != "fake://n1-2" || !strings.HasPrefix(cs.ImageID, "sha256:") || cs.Image != "kubia" {
		t.Errorf("container status: %+v", cs)
	}
	if got := conditions(st); got != "Initialized=True Ready=True ContainersReady=True PodScheduled=True" {
		t.Errorf("conditions: %s", got)
	}

	// The same pod again, now with its status in the cache: nothing to do.
	h.rt.ResetCalls()
	h.clock.Step(time.Minute)
	h.sync("default/web")
	wantStrings(t, "runtime calls of the second sync", h.rt.Calls(), nil)
	wantStrings(t, "writes of the second sync", h.api.actions, []string{"status default/web Running"})
}

func conditions(st api.PodStatus) string {
	var out []string
	for _, c := range st.Conditions {
		out = append(out, c.Type+"="+c.Status)
	}
	return strings.Join(out, " ")
}

// A status written but not yet back in the cache is not written again.
func TestSyncDoesNotRewriteAStatusTheCacheHasNotSeen(t *testing.T) {
	h := newHarness(t, testPod("web", api.RestartAlways, "kubia"))
	stale := h.pod("default/web")
	h.sync("default/web")
	h.pods.put(stale) // the informer has not caught up
	h.sync("default/web")
	wantStrings(t, "writes", h.api.actions, []string{"status default/web Running"})
}

func TestCrashLoopBackOffDoublesUpToFiveMinutes(t *testing.T) {
	h := newHarness(t, testPod("web", api.RestartAlways, "kubia"))
	h.sync("default/web")

	// The first crash restarts at once.
	h.clock.Step(5 * time.Second)
	h.exit("uid-web", "c0", 1)
	h.rt.ResetCalls()
	h.sync("default/web")
	wantStrings(t, "first restart", h.rt.Calls(), []string{"start default/web/c0 attempt=1"})
	st := h.api.lastStatus(t).ContainerStatuses[0]
	if state(st) != "running restarts=1" || st.LastTerminationState.Terminated == nil || st.LastTerminationState.Terminated.Reason != "Error" {
		t.Fatalf("after the first restart: %s, last state %+v", state(st), st.LastTerminationState)
	}

	// Then each crash waits, twice as long as the one before, up to 5 min.
	for i, delay := range []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
		160 * time.Second, 300 * time.Second, 300 * time.Second} {
		h.clock.Step(time.Second)
		h.exit("uid-web", "c0", 1)
		h.rt.ResetCalls()
		h.events.take()
		h.sync("default/web")
		wantStrings(t, "calls in back-off", h.rt.Calls(), nil)
		wantMsg := fmt.Sprintf("waiting CrashLoopBackOff: back-off %s restarting failed container=c0 pod=web_default(uid-web) restarts=%d", delay, i+1)
		status := h.api.lastStatus(t)
		if got := state(status.ContainerStatuses[0]); got != wantMsg {
			t.Fatalf("crash %d:\n got  %s\n want %s", i+2, got, wantMsg)
		}
		if status.Phase != api.PodRunning || conditions(status) != "Initialized=True Ready=False ContainersReady=False PodScheduled=True" {
			t.Fatalf("crash %d: phase %s, conditions %s", i+2, status.Phase, conditions(status))
		}
		if h.requeued["default/web"] != delay {
			t.Fatalf("crash %d: requeued after %s, want %s", i+2, h.requeued["default/web"], delay)
		}
		wantStrings(t, "events in back-off", h.events.take(), []string{
			"Warning BackOff Back-off restarting failed container c0 in pod web_default(uid-web)",
		})

		h.clock.Step(delay - time.Second)
		h.sync("default/web")
		wantStrings(t, "calls one second early", h.rt.Calls(), nil)
		h.clock.Step(time.Second)
		h.sync("default/web")
		wantStrings(t, "calls after the back-off", h.rt.Calls()[:1], []string{fmt.Sprintf("start default/web/c0 attempt=%d", i+2)})
	}
	// Only the running container and the one before it are kept.
	wantStrings(t, "containers kept", h.containers(), []string{"POD 0 running 0", "c0 7 exited 1", "c0 8 running 0"})
}

func (h *harness) exit(uid, name string, code int32) {
	h.t.Helper()
	if err := h.rt.Exit(uid, name, code, ""); err != nil {
		h.t.Fatal(err)
	}
}

func TestRestartPolicies(t *testing.T) {
	for _, tc := range []struct {
		name      string
		policy    string
		exit      int32
		wantCalls []string
		wantPhase string
		wantState string
	}{
		{"Always restarts a success", api.RestartAlways, 0, []string{"start default/p/c0 attempt=1"}, api.PodRunning, "running restarts=1"},
		{"OnFailure restarts a failure", api.RestartOnFailure, 2, []string{"start default/p/c0 attempt=1"}, api.PodRunning, "running restarts=1"},
		{"OnFailure leaves a success", api.RestartOnFailure, 0, nil, api.PodSucceeded, "terminated Completed 0"},
		{"Never leaves a failure", api.RestartNever, 1, nil, api.PodFailed, "terminated Error 1"},
		{"Never leaves a success", api.RestartNever, 0, nil, api.PodSucceeded, "terminated Completed 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testPod("p", tc.policy, "kubia"))
			h.sync("default/p")
			h.clock.Step(time.Second)
			h.exit("uid-p", "c0", tc.exit)
			h.rt.ResetCalls()
			h.sync("default/p")
			wantStrings(t, "calls", h.rt.Calls(), tc.wantCalls)
			st := h.api.lastStatus(t)
			if st.Phase != tc.wantPhase || state(st.ContainerStatuses[0]) != tc.wantState {
				t.Fatalf("got phase %s, %s; want %s, %s", st.Phase, state(st.ContainerStatuses[0]), tc.wantPhase, tc.wantState)
			}
		})
	}
}

// A finished pod keeps its containers (for their status) but gives back
// its sandbox and IP, and its status no longer changes.
func TestFinishedPodReleasesItsSandboxAndIP(t *testing.T) {
	h := newHarness(t, testPod("job", api.RestartOnFailure, "kubia"))
	h.sync("default/job")
	h.exit("uid-job", "c0", 0)
	h.sync("default/job")
	if got := h.api.lastStatus(t); got.Phase != api.PodSucceeded || conditions(got) != "Initialized=True Ready=False ContainersReady=False PodScheduled=True" ||
		got.Conditions[1].Reason != "PodCompleted" {
		t.Fatalf("status: %s %s %+v", got.Phase, conditions(got), got.Conditions)
	}
	h.rt.ResetCalls()
	h.sync("default/job") // now the cache says Succeeded
	wantStrings(t, "calls", h.rt.Calls(), []string{"stop fake://n1-1 grace=30s"})
	if ip, ok := h.ipam.Lookup("uid-job"); ok {
		t.Errorf("IP %s still allocated", ip)
	}
	wantStrings(t, "containers", h.containers(), []string{"POD 0 exited 0", "c0 0 exited 0"})
	wantStrings(t, "writes", h.api.actions, []string{"status default/job Running", "status default/job Succeeded"})
}

func TestImagePullPolicies(t *testing.T) {
	neverPull := `waiting ErrImageNeverPull: Container image "missing/app" is not present with pull policy of Never`
	for _, tc := range []struct {
		name       string
		image      string
		policy     string
		wantCalls  []string
		wantState  string
		wantEvents []string
	}{
		{
			name: "Never, absent", image: "missing/app", policy: api.PullNever,
			wantCalls: []string{"runSandbox default/p ip=10.244.1.2"},
			wantState: neverPull,
			wantEvents: []string{
				`Warning ErrImageNeverPull Container image "missing/app" is not present with pull policy of Never`,
				"Warning Failed Error: ErrImageNeverPull",
			},
		},
		{
			name: "Never, present", image: "kubia", policy: api.PullNever,
			wantCalls: []string{"runSandbox default/p ip=10.244.1.2", "start default/p/c0 attempt=0"},
			wantState: "running",
			wantEvents: []string{`Normal Pulled Container image "kubia" already present on machine`,
				"Normal Created Created container c0", "Normal Started Started container c0"},
		},
		{
			name: "IfNotPresent, absent and pullable", image: "absent/app", policy: api.PullIfNotPresent,
			wantCalls: []string{"runSandbox default/p ip=10.244.1.2", "pull absent/app", "start default/p/c0 attempt=0"},
			wantState: "running",
			wantEvents: []string{`Normal Pulling Pulling image "absent/app"`, `Normal Pulled Successfully pulled image "absent/app" in 0s`,
				"Normal Created Created container c0", "Normal Started Started container c0"},
		},
		{
			name: "Always pulls a present image", image: "kubia", policy: api.PullAlways,
			wantCalls: []string{"runSandbox default/p ip=10.244.1.2", "pull kubia", "start default/p/c0 attempt=0"},
			wantState: "running",
			wantEvents: []string{`Normal Pulling Pulling image "kubia"`, `Normal Pulled Successfully pulled image "kubia" in 0s`,
				"Normal Created Created container c0", "Normal Started Started container c0"},
		},
		{
			name: "IfNotPresent, cannot be pulled", image: "missing/app", policy: api.PullIfNotPresent,
			wantCalls: []string{"runSandbox default/p ip=10.244.1.2", "pull missing/app"},
			wantState: "waiting ErrImagePull: pull access denied for missing/app: repository does not exist (simulated by the fake runtime)",
			wantEvents: []string{`Normal Pulling Pulling image "missing/app"`,
				`Warning Failed Failed to pull image "missing/app": pull access denied for missing/app: repository does not exist (simulated by the fake runtime)`,
				"Warning Failed Error: ErrImagePull"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testPod("p", api.RestartAlways, tc.image)
			p.Spec.Containers[0].ImagePullPolicy = tc.policy
			h := newHarness(t, p)
			h.rt.SetImage("absent/app", false)
			h.sync("default/p")
			wantStrings(t, "calls", h.rt.Calls(), tc.wantCalls)
			wantStrings(t, "events", h.events.take(), tc.wantEvents)
			st := h.api.lastStatus(t)
			if got := state(st.ContainerStatuses[0]); got != tc.wantState {
				t.Fatalf("state:\n got  %s\n want %s", got, tc.wantState)
			}
			if tc.wantState != "running" && st.Phase != api.PodPending {
				t.Errorf("phase %s, want Pending", st.Phase)
			}
		})
	}
}

// ErrImagePull turns into ImagePullBackOff until the back-off allows
// another pull, 10 s, then 20 s …
func TestImagePullBackOff(t *testing.T) {
	h := newHarness(t, testPod("p", api.RestartAlways, "missing/app"))
	h.sync("default/p")
	if h.requeued["default/p"] != time.Second {
		t.Fatalf("requeued after %s, want 1s", h.requeued["default/p"])
	}
	h.clock.Step(time.Second)
	h.rt.ResetCalls()
	h.sync("default/p")
	wantStrings(t, "calls in back-off", h.rt.Calls(), nil)
	if got := state(h.api.lastStatus(t).ContainerStatuses[0]); got != `waiting ImagePullBackOff: Back-off pulling image "missing/app"` {
		t.Fatalf("state: %s", got)
	}
	if h.requeued["default/p"] != 9*time.Second {
		t.Fatalf("requeued after %s, want 9s", h.requeued["default/p"])
	}
	h.clock.Step(9 * time.Second)
	h.sync("default/p")
	wantStrings(t, "calls after the back-off", h.rt.Calls(), []string{"pull missing/app"})
	h.clock.Step(time.Second)
	h.sync("default/p")
	if h.requeued["default/p"] != 19*time.Second {
		t.Fatalf("second back-off: requeued after %s, want 19s", h.requeued["default/p"])
	}
}

func TestDeletionStopsRemovesReleasesThenDeletes(t *testing.T) {
	h := newHarness(t, testPod("web", api.RestartAlways, "kubia"))
	h.sync("default/web")
	h.events.take()

	p := api.DeepCopy(h.pod("default/web"))
	at := api.NewTime(t0.Add(5 * time.Second))
	p.DeletionTimestamp, p.DeletionGracePeriodSeconds, p.ResourceVersion = &at, api.Int64(5), "9"
	h.pods.put(p)
	var leftAtDelete []string
	var ipAtDelete bool
	h.api.onDelete = func() {
		leftAtDelete = h.containers()
		_, ipAtDelete = h.ipam.Lookup("uid-web")
	}
	h.rt.ResetCalls()
	h.sync("default/web")

	wantStrings(t, "runtime calls", h.rt.Calls(), []string{
		"stop fake://n1-2 grace=5s", // the container, with the grace period
		"stop fake://n1-1 grace=5s", // then the sandbox
		"remove fake://n1-2",
		"remove fake://n1-1",
	})
	if len(leftAtDelete) > 0 || ipAtDelete {
		t.Errorf("at the final delete: containers %q, IP still allocated: %v", leftAtDelete, ipAtDelete)
	}
	wantStrings(t, "writes", h.api.actions, []string{"status default/web Running", "delete default/web grace=0 uid=uid-web"})
	wantStrings(t, "events", h.events.take(), []string{"Normal Killing Stopping container c0"})

	// The informer reports the pod gone: nothing left to do.
	h.rt.ResetCalls()
	h.sync("default/web")
	wantStrings(t, "calls after the delete", h.rt.Calls(), nil)
}

// Containers of a pod the API no longer has (deleted with grace 0, or
// while the kubelet was down) are removed and their IP released; so are
// those of an earlier pod of the same name.
func TestOrphansAreRemoved(t *testing.T) {
	t.Run("pod gone", func(t *testing.T) {
		h := newHarness(t, testPod("web", api.RestartAlways, "kubia"))
		h.sync("default/web")
		h.pods.remove("default/web")
		h.rt.ResetCalls()
		h.sync("default/web")
		wantStrings(t, "calls", h.rt.Calls(), []string{
			"stop fake://n1-2 grace=2s", "stop fake://n1-1 grace=2s", "remove fake://n1-2", "remove fake://n1-1",
		})
		if _, ok := h.ipam.Lookup("uid-web"); ok {
			t.Error("IP still allocated")
		}
		wantStrings(t, "writes", h.api.actions, []string{"status default/web Running"})
	})
	t.Run("pod gone before it had containers", func(t *testing.T) {
		h := newHarness(t, testPod("web", api.RestartAlways, "kubia"))
		h.rt.SetImage("kubia", false)
		h.w.podIP(h.pod("default/web")) // allocated, then the sandbox failed
		h.w.mu.Lock()
		h.w.uids["default/web"] = "uid-web"
		h.w.mu.Unlock()
		h.pods.remove("default/web")
		h.sync("default/web")
		if _, ok := h.ipam.Lookup("uid-web"); ok {
			t.Error("IP still allocated")
		}
	})
	t.Run("pod replaced by one of the same name", func(t *testing.T) {
		h := newHarness(t, testPod("web", api.RestartAlways, "kubia"))
		h.sync("default/web")
		p := testPod("web", api.RestartAlways, "kubia")
		p.UID = "uid-web-2"
		h.pods.put(p)
		h.rt.ResetCalls()
		h.sync("default/web")
		wantStrings(t, "calls", h.rt.Calls(), []string{
			"stop fake://n1-2 grace=2s", "stop fake://n1-1 grace=2s", "remove fake://n1-2", "remove fake://n1-1",
			"runSandbox default/web ip=10.244.1.3", "start default/web/c0 attempt=0",
		})
		if _, ok := h.ipam.Lookup("uid-web"); ok {
			t.Error("the old pod's IP is still allocated")
		}
	})
}

// A restarted kubelet adopts running containers without restarting them,
// and carries on with those that exited while it was away.
func TestAdoptionAfterRestart(t *testing.T) {
	h := newHarness(t, testPod("web", api.RestartAlways, "kubia"), testPod("job", api.RestartAlways, "kubia"))
	h.sync("default/web")
	h.sync("default/job")
	h.exit("uid-job", "c0", 3) // while the kubelet is down

	h.restart()
	h.rt.ResetCalls()
	writes := len(h.api.actions)
	h.sync("default/web")
	wantStrings(t, "calls for the running pod", h.rt.Calls(), nil)
	if len(h.api.actions) != writes {
		t.Errorf("status written again: %q", h.api.actions[writes:])
	}
	if ip, _ := h.ipam.Lookup("uid-web"); ip != "10.244.1.2" {
		t.Errorf("IP after restart: %q", ip)
	}
	h.sync("default/job")
	wantStrings(t, "calls for the pod whose container exited", h.rt.Calls(), []string{"start default/job/c0 attempt=1"})
}

// At start-up, addresses of pods with neither an API object nor
// containers go back to the pool; the others stay.
func TestReleaseStaleIPs(t *testing.T) {
	h := newHarness(t, testPod("web", api.RestartAlways, "kubia"), testPod("new", api.RestartAlways, "kubia"))
	h.sync("default/web")
	h.w.podIP(h.pod("default/new"))   // allocated, not started yet
	h.ipam.Allocate("uid-deleted")    // deleted while the kubelet was down
	h.ipam.Allocate("uid-has-no-pod") // and this one left a container
	h.rt.RunSandbox(context.Background(), &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "gone", UID: "uid-has-no-pod"}}, "10.244.1.5")
	if err := releaseStaleIPs(context.Background(), h.rt, h.pods, h.ipam, h.w.log); err != nil {
		t.Fatal(err)
	}
	got := h.ipam.Allocated()
	if _, ok := got["uid-deleted"]; ok || len(got) != 3 {
		t.Fatalf("allocations after clean-up: %v", got)
	}
}

func TestStartErrorBacksOff(t *testing.T) {
	h := newHarness(t, testPod("p", api.RestartAlways, "kubia"))
	h.rt.FailNextStart("uid-p", "c0", `exec: "nope": executable file not found in $PATH`)
	h.sync("default/p")
	st := h.api.lastStatus(t).ContainerStatuses[0]
	want := `waiting RunContainerError: failed to start container "c0": exec: "nope": executable file not found in $PATH`
	if state(st) != want || st.LastTerminationState.Terminated == nil || st.LastTerminationState.Terminated.Reason != "StartError" ||
		st.LastTerminationState.Terminated.ExitCode != 128 {
		t.Fatalf("state %s, last state %+v", state(st), st.LastTerminationState.Terminated)
	}
	if evs := h.events.take(); !slices.Contains(evs, `Warning Failed Error: failed to start container "c0": exec: "nope": executable file not found in $PATH`) {
		t.Errorf("events: %q", evs)
	}
	// It failed like a crash: one immediate retry, then back-off.
	h.rt.FailNextStart("uid-p", "c0", "again")
	h.sync("default/p")
	h.rt.ResetCalls()
	h.sync("default/p")
	wantStrings(t, "calls in back-off", h.rt.Calls(), nil)
	if got := state(h.api.lastStatus(t).ContainerStatuses[0]); !strings.HasPrefix(got, "waiting CrashLoopBackOff: back-off 10s") {
		t.Fatalf("state: %s", got)
	}
}

func TestInitContainersRunInOrder(t *testing.T) {
	newPod := func(policy string) *api.Pod {
		p := testPod("p", policy, "kubia")
		p.Spec.InitContainers = []api.Container{{Name: "i0", Image: "kubia"}, {Name: "i1", Image: "kubia"}}
		return p
	}
	h := newHarness(t, newPod(api.RestartAlways))
	h.sync("default/p")
	wantStrings(t, "calls", h.rt.Calls(), []string{"runSandbox default/p ip=10.244.1.2", "start default/p/i0 attempt=0"})
	st := h.api.lastStatus(t)
	if st.Phase != api.PodPending || state(st.InitContainerStatuses[1]) != "waiting PodInitializing" ||
		state(st.ContainerStatuses[0]) != "waiting PodInitializing" {
		t.Fatalf("while i0 runs: %s, i1 %s, c0 %s", st.Phase, state(st.InitContainerStatuses[1]), state(st.ContainerStatuses[0]))
	}
	if st.Conditions[0].Status != api.ConditionFalse || st.Conditions[0].Message != "containers with incomplete status: [i0 i1]" {
		t.Errorf("Initialized: %+v", st.Conditions[0])
	}

	h.rt.ResetCalls()
	h.exit("uid-p", "i0", 1) // a failed init container is retried
	h.sync("default/p")
	wantStrings(t, "calls after i0 failed", h.rt.Calls(), []string{"start default/p/i0 attempt=1"})
	h.exit("uid-p", "i0", 0)
	h.sync("default/p")
	h.exit("uid-p", "i1", 0)
	h.sync("default/p")
	wantStrings(t, "calls", h.rt.Calls(), []string{"start default/p/i0 attempt=1", "start default/p/i1 attempt=0", "start default/p/c0 attempt=0"})
	st = h.api.lastStatus(t)
	if st.Phase != api.PodRunning || conditions(st) != "Initialized=True Ready=True ContainersReady=True PodScheduled=True" ||
		!st.InitContainerStatuses[0].Ready {
		t.Fatalf("after init: %s %s %+v", st.Phase, conditions(st), st.InitContainerStatuses)
	}

	// Under restartPolicy Never a failed init container fails the pod.
	h = newHarness(t, newPod(api.RestartNever))
	h.sync("default/p")
	h.exit("uid-p", "i0", 1)
	h.rt.ResetCalls()
	h.sync("default/p")
	wantStrings(t, "calls", h.rt.Calls(), nil)
	if st := h.api.lastStatus(t); st.Phase != api.PodFailed {
		t.Fatalf("phase %s, want Failed", st.Phase)
	}
}

// A dead sandbox took the pod's network with it: the pod starts over.
func TestDeadSandboxStartsThePodOver(t *testing.T) {
	h := newHarness(t, testPod("web", api.RestartAlways, "kubia"))
	h.sync("default/web")
	h.exit("uid-web", runtime.SandboxName, 137)
	h.rt.ResetCalls()
	h.sync("default/web")
	wantStrings(t, "calls", h.rt.Calls(), []string{
		"stop fake://n1-2 grace=30s", "remove fake://n1-2", "remove fake://n1-1",
		"runSandbox default/web ip=10.244.1.2", "start default/web/c0 attempt=0",
	})
}

func TestEnvironment(t *testing.T) {
	p := testPod("web", api.RestartAlways, "kubia")
	p.Labels = map[string]string{"app": "kubia"}
	p.Spec.Containers[0].Env = []api.EnvVar{
		{Name: "GREETING", Value: "hi"},
		{Name: "POD_NAME", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		{Name: "POD_IP", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "status.podIP"}}},
		{Name: "NODE", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
		{Name: "APP", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}}},
	}
	sources := envSources{hostIP: "192.168.56.11"}
	env, err := sources.containerEnv(context.Background(), p, &p.Spec.Containers[0], "10.244.1.2")
	if err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "env", env, []string{"GREETING=hi", "POD_NAME=web", "POD_IP=10.244.1.2", "NODE=n1", "APP=kubia"})
	// A container that needs a Secret: env_config_test.go.
}

func TestSyncErrorsAreReturned(t *testing.T) {
	h := newHarness(t, testPod("web", api.RestartAlways, "kubia"))
	h.api.failNext = errors.New("409 conflict")
	if err := h.w.sync(context.Background(), "default/web"); err == nil || !strings.Contains(err.Error(), "update status") {
		t.Fatalf("err = %v", err)
	}
	h.sync("default/web") // and the next sync writes it
	wantStrings(t, "writes", h.api.actions, []string{"status default/web Running"})
}
