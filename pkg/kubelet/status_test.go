package kubelet

import (
	"fmt"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

const (
	running    = true
	notRunning = false
)

// run is a runtime container of pod "p" for the status tests: state is
// "running" or an exit code.
func run(name string, attempt int, running bool, exit int32) runtime.Container {
	c := runtime.Container{
		ID: "fake://n1-" + name, PodUID: "uid-p", PodNamespace: "default", PodName: "p", Name: name, Attempt: attempt,
		Image: "kubia", ImageID: "sha256:1", CreatedAt: t0.Add(time.Duration(attempt) * time.Minute),
	}
	c.StartedAt = c.CreatedAt
	if running {
		c.State = runtime.ContainerRunning
	} else {
		c.State, c.ExitCode, c.FinishedAt = runtime.ContainerExited, exit, c.StartedAt.Add(time.Second)
	}
	return c
}

func TestComputePodStatus(t *testing.T) {
	const (
		ready     = "Initialized=True Ready=True ContainersReady=True PodScheduled=True"
		notReady  = "Initialized=True Ready=False ContainersReady=False PodScheduled=True"
		notInit   = "Initialized=False Ready=False ContainersReady=False PodScheduled=True"
		crashing  = "waiting CrashLoopBackOff: back-off 10s restarting failed container=c0 pod=p_default(uid-p)"
		neverPull = `waiting ErrImageNeverPull: Container image "missing/x" is not present with pull policy of Never`
		sandbox   = runtime.SandboxName
	)
	backOff := map[string]api.ContainerStateWaiting{"c0": {Reason: reasonCrashLoopBackOff,
		Message: "back-off 10s restarting failed container=c0 pod=p_default(uid-p)"}}
	withInit := []string{"i0"}

	for _, tc := range []struct {
		name       string
		policy     string
		inits      []string // init container names
		containers []string // container names, default c0
		runs       []runtime.Container
		waiting    map[string]api.ContainerStateWaiting
		oldPhase   string

		wantPhase  string
		wantConds  string
		wantInits  []string
		wantStates []string
	}{
		{
			name: "nothing started yet", policy: api.RestartAlways,
			wantPhase: api.PodPending, wantConds: notReady, wantStates: []string{"waiting ContainerCreating"},
		},
		{
			name: "running", policy: api.RestartAlways,
			runs:      []runtime.Container{run(sandbox, 0, running, 0), run("c0", 0, running, 0)},
			wantPhase: api.PodRunning, wantConds: ready, wantStates: []string{"running"},
		},
		{
			name: "one running, one waiting for an image", policy: api.RestartAlways, containers: []string{"c0", "c1"},
			runs:      []runtime.Container{run("c0", 0, running, 0)},
			waiting:   map[string]api.ContainerStateWaiting{"c1": {Reason: reasonErrImageNeverPull, Message: `Container image "missing/x" is not present with pull policy of Never`}},
			wantPhase: api.PodPending, wantConds: notReady, wantStates: []string{"running", neverPull},
		},
		{
			name: "Always, in back-off", policy: api.RestartAlways,
			runs:    []runtime.Container{run("c0", 0, notRunning, 1)},
			waiting: backOff, wantPhase: api.PodRunning, wantConds: notReady, wantStates: []string{crashing},
		},
		{
			name: "Always, restarted: restart count and last state", policy: api.RestartAlways,
			runs:      []runtime.Container{run("c0", 2, running, 0), run("c0", 1, notRunning, 1)},
			wantPhase: api.PodRunning, wantConds: ready, wantStates: []string{"running restarts=2 last=Error 1"},
		},
		{
			name: "OnFailure, one done, one running", policy: api.RestartOnFailure, containers: []string{"c0", "c1"},
			runs:      []runtime.Container{run("c0", 0, notRunning, 0), run("c1", 0, running, 0)},
			wantPhase: api.PodRunning, wantConds: notReady, wantStates: []string{"terminated Completed 0", "running"},
		},
		{
			name: "OnFailure, a failure in back-off", policy: api.RestartOnFailure,
			runs:    []runtime.Container{run("c0", 0, notRunning, 1)},
			waiting: backOff, wantPhase: api.PodRunning, wantConds: notReady, wantStates: []string{crashing},
		},
		{
			name: "OnFailure, all done", policy: api.RestartOnFailure, containers: []string{"c0", "c1"},
			runs:      []runtime.Container{run("c0", 0, notRunning, 0), run("c1", 0, notRunning, 0)},
			wantPhase: api.PodSucceeded, wantConds: notReady, wantStates: []string{"terminated Completed 0", "terminated Completed 0"},
		},
		{
			name: "Never, all done", policy: api.RestartNever,
			runs:      []runtime.Container{run("c0", 0, notRunning, 0)},
			wantPhase: api.PodSucceeded, wantConds: notReady, wantStates: []string{"terminated Completed 0"},
		},
		{
			name: "Never, one failed, one running", policy: api.RestartNever, containers: []string{"c0", "c1"},
			runs:      []runtime.Container{run("c0", 0, notRunning, 1), run("c1", 0, running, 0)},
			wantPhase: api.PodRunning, wantConds: notReady, wantStates: []string{"terminated Error 1", "running"},
		},
		{
			name: "Never, one failed, one done", policy: api.RestartNever, containers: []string{"c0", "c1"},
			runs:      []runtime.Container{run("c0", 0, notRunning, 1), run("c1", 0, notRunning, 0)},
			wantPhase: api.PodFailed, wantConds: notReady, wantStates: []string{"terminated Error 1", "terminated Completed 0"},
		},
		{
			name: "Never, killed for memory", policy: api.RestartNever,
			runs: []runtime.Container{func() runtime.Container {
				c := run("c0", 0, notRunning, 137)
				c.Reason = "OOMKilled"
				return c
			}()},
			wantPhase: api.PodFailed, wantConds: notReady, wantStates: []string{"terminated OOMKilled 137"},
		},
		{
			name: "init container running", policy: api.RestartAlways, inits: withInit,
			runs:      []runtime.Container{run("i0", 0, running, 0)},
			wantPhase: api.PodPending, wantConds: notInit, wantInits: []string{"running"}, wantStates: []string{"waiting PodInitializing"},
		},
		{
			name: "init container failed, Always", policy: api.RestartAlways, inits: withInit,
			runs:      []runtime.Container{run("i0", 0, notRunning, 1)},
			waiting:   map[string]api.ContainerStateWaiting{"i0": {Reason: reasonCrashLoopBackOff}},
			wantPhase: api.PodPending, wantConds: notInit, wantInits: []string{"waiting CrashLoopBackOff"}, wantStates: []string{"waiting PodInitializing"},
		},
		{
			name: "init container failed, Never", policy: api.RestartNever, inits: withInit,
			runs:      []runtime.Container{run("i0", 0, notRunning, 1)},
			wantPhase: api.PodFailed, wantConds: notInit, wantInits: []string{"terminated Error 1"}, wantStates: []string{"waiting PodInitializing"},
		},
		{
			name: "init done", policy: api.RestartAlways, inits: withInit,
			runs:      []runtime.Container{run("i0", 0, notRunning, 0), run("c0", 0, running, 0)},
			wantPhase: api.PodRunning, wantConds: ready, wantInits: []string{"terminated Completed 0"}, wantStates: []string{"running"},
		},
		{
			name: "a finished pod stays finished", policy: api.RestartAlways, oldPhase: api.PodFailed,
			runs:      []runtime.Container{run("c0", 0, running, 0)},
			wantPhase: api.PodFailed, wantConds: "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := testPod("p", tc.policy)
			if tc.containers == nil {
				tc.containers = []string{"c0"}
			}
			for _, n := range tc.containers {
				pod.Spec.Containers = append(pod.Spec.Containers, api.Container{Name: n, Image: "kubia"})
			}
			for _, n := range tc.inits {
				pod.Spec.InitContainers = append(pod.Spec.InitContainers, api.Container{Name: n, Image: "kubia"})
			}
			pod.Status.Phase = tc.oldPhase
			st := computePodStatus(statusInput{pod: pod, containers: tc.runs, waiting: tc.waiting, podIP: "10.244.1.2", hostIP: "10.0.0.1", now: t0})
			if st.Phase != tc.wantPhase {
				t.Errorf("phase %s, want %s", st.Phase, tc.wantPhase)
			}
			if got := conditions(st); got != tc.wantConds {
				t.Errorf("conditions %s, want %s", got, tc.wantConds)
			}
			wantStrings(t, "init containers", statesOf(st.InitContainerStatuses), tc.wantInits)
			wantStrings(t, "containers", statesOf(st.ContainerStatuses), tc.wantStates)
		})
	}
}

// statesOf is state() of each status, with the last state's reason and
// exit code when there is one.
func statesOf(list []api.ContainerStatus) []string {
	var out []string
	for _, cs := range list {
		s := state(cs)
		if t := cs.LastTerminationState.Terminated; t != nil && cs.State.Waiting == nil {
			s += fmt.Sprintf(" last=%s %d", t.Reason, t.ExitCode)
		}
		out = append(out, s)
	}
	return out
}

// Computing the status again from the same facts gives the same status,
// transition times and all: no write. A changed condition moves its
// transition time, and only its own.
func TestComputePodStatusKeepsTimes(t *testing.T) {
	pod := testPod("p", api.RestartAlways, "kubia")
	scheduledAt := api.NewTime(t0.Add(-time.Minute))
	pod.Status.Conditions = []api.PodCondition{
		{Type: api.PodScheduled, Status: api.ConditionTrue, LastTransitionTime: scheduledAt},
		{Type: "example.com/Gate", Status: api.ConditionTrue},
	}
	in := statusInput{pod: pod, containers: []runtime.Container{run("c0", 0, running, 0)}, podIP: "10.244.1.2", now: t0}
	first := computePodStatus(in)
	pod.Status = first
	in.now = t0.Add(time.Hour)
	if again := computePodStatus(in); !statusEqual(first, again) {
		t.Fatalf("status changed with nothing but the clock:\n%+v\n%+v", first, again)
	}
	if first.StartTime == nil || !first.StartTime.Equal(t0) {
		t.Errorf("startTime %v", first.StartTime)
	}
	if got := conditions(first); got != "Initialized=True Ready=True ContainersReady=True PodScheduled=True example.com/Gate=True" {
		t.Errorf("conditions %s", got)
	}
	if !first.Conditions[3].LastTransitionTime.Equal(scheduledAt.Time) {
		t.Errorf("PodScheduled lost the scheduler's time: %v", first.Conditions[3].LastTransitionTime)
	}

	in.containers = []runtime.Container{run("c0", 0, notRunning, 1)}
	in.waiting = map[string]api.ContainerStateWaiting{"c0": {Reason: reasonCrashLoopBackOff}}
	later := computePodStatus(in)
	if statusEqual(first, later) {
		t.Fatal("a crash did not change the status")
	}
	for i, c := range later.Conditions {
		moved := !c.LastTransitionTime.Equal(first.Conditions[i].LastTransitionTime.Time)
		if want := c.Type == api.PodReady || c.Type == api.ContainersReady; moved != want {
			t.Errorf("%s: transition time moved %v, want %v", c.Type, moved, want)
		}
	}
	if !later.StartTime.Equal(t0) {
		t.Errorf("startTime moved to %v", later.StartTime)
	}
}
