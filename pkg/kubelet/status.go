package kubelet

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// statusInput is everything a pod's status is computed from. The status is
// a pure function of it, so that tests can state what a pod reports in any
// situation without running anything.
type statusInput struct {
	pod        *api.Pod            // desired state, with the status last written
	containers []runtime.Container // the runtime's containers of this pod (this UID only), in any order

	// waiting says why the sync did not start a container this time
	// (ErrImageNeverPull, ImagePullBackOff, CrashLoopBackOff …). It is
	// worked out again on every sync, from the runtime and the back-off, so
	// nothing here outlives the sync that found it.
	waiting map[string]api.ContainerStateWaiting

	// probes says, for each running container, whether its startup and
	// readiness probes passed. nil means no prober (the fake runtime): a
	// running container is started and ready.
	probes map[string]probeStatus

	podIP, hostIP string
	now           time.Time
}

// Reasons a container is waiting, as Kubernetes names them.
const (
	reasonContainerCreating = "ContainerCreating"
	reasonPodInitializing   = "PodInitializing"
	reasonCrashLoopBackOff  = "CrashLoopBackOff"
	reasonErrImageNeverPull = "ErrImageNeverPull"
	reasonErrImagePull      = "ErrImagePull"
	reasonImagePullBackOff  = "ImagePullBackOff"
	reasonConfigError       = "CreateContainerConfigError"
	reasonCreateError       = "CreateContainerError"
	reasonRunError          = "RunContainerError"
)

// computePodStatus returns the status a pod should report. Timestamps that
// did not change keep their old value, so that an unchanged pod computes
// an identical status and costs no write.
func computePodStatus(in statusInput) api.PodStatus {
	pod, old := in.pod, in.pod.Status
	if isTerminal(old.Phase) {
		return old // Succeeded and Failed are for good
	}
	hist := containerHistory(in.containers)
	st := api.PodStatus{
		Reason:    old.Reason, // set by others (an eviction, say): kept
		Message:   old.Message,
		HostIP:    in.hostIP,
		PodIP:     in.podIP,
		StartTime: old.StartTime,
		QOSClass:  old.QOSClass,
	}
	if in.podIP != "" {
		st.PodIPs = []api.PodIP{{IP: in.podIP}}
	}
	if st.StartTime == nil {
		t := api.NewTime(in.now)
		st.StartTime = &t
	}
	if st.QOSClass == "" {
		st.QOSClass = api.PodQOSClass(pod)
	}

	initialized := true
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cs := containerStatus(c, hist[c.Name], in.waiting, nil, reasonPodInitializing)
		// An init container is ready once it has finished well, not while it runs.
		t := cs.State.Terminated
		cs.Ready = t != nil && t.ExitCode == 0
		initialized = initialized && cs.Ready
		st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
	}
	notStarted := reasonContainerCreating
	if !initialized {
		notStarted = reasonPodInitializing
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		st.ContainerStatuses = append(st.ContainerStatuses, containerStatus(c, hist[c.Name], in.waiting, in.probes, notStarted))
	}

	st.Phase = podPhase(pod.Spec.RestartPolicy, st.InitContainerStatuses, st.ContainerStatuses)
	st.Conditions = podConditions(old.Conditions, st, in.now)
	return st
}

// containerHistory groups containers by name, newest first.
func containerHistory(cs []runtime.Container) map[string][]runtime.Container {
	out := map[string][]runtime.Container{}
	for _, c := range cs {
		if !c.IsSandbox() {
			out[c.Name] = append(out[c.Name], c)
		}
	}
	for _, h := range out {
		slices.SortFunc(h, func(a, b runtime.Container) int {
			return cmp.Or(cmp.Compare(b.Attempt, a.Attempt), b.CreatedAt.Compare(a.CreatedAt))
		})
	}
	return out
}

// containerStatus describes one container of the spec from its runs,
// newest first, and its probes. notStarted is the waiting reason of a
// container that has not run and that the sync said nothing about.
func containerStatus(c *api.Container, runs []runtime.Container, waiting map[string]api.ContainerStateWaiting, probes map[string]probeStatus, notStarted string) api.ContainerStatus {
	cs := api.ContainerStatus{Name: c.Name, Image: c.Image, Started: api.Bool(false)}
	w, isWaiting := waiting[c.Name]
	if len(runs) == 0 {
		if !isWaiting {
			w = api.ContainerStateWaiting{Reason: notStarted}
		}
		cs.State.Waiting = &w
		return cs
	}
	latest := runs[0]
	cs.ContainerID, cs.ImageID, cs.RestartCount = latest.ID, latest.ImageID, int32(latest.Attempt)
	switch {
	case latest.State == runtime.ContainerRunning:
		cs.State.Running = &api.ContainerStateRunning{StartedAt: api.NewTime(latest.StartedAt)}
		p, probed := probes[c.Name]
		if probes == nil || !probed {
			p = probeStatus{started: true, ready: true}
		}
		cs.Started, cs.Ready = api.Bool(p.started), p.ready
	case isWaiting:
		// It exited and waits to run again (back-off, or a restart that failed).
		cs.State.Waiting = &w
		cs.LastTerminationState.Terminated = terminated(latest)
		return cs
	default:
		cs.State.Terminated = terminated(latest)
	}
	if len(runs) > 1 && runs[1].State == runtime.ContainerExited {
		cs.LastTerminationState.Terminated = terminated(runs[1])
	}
	return cs
}

// terminated describes an exited container. Like Kubernetes, it calls an
// exit Completed or Error unless the runtime knows better (OOMKilled).
func terminated(c runtime.Container) *api.ContainerStateTerminated {
	reason := c.Reason
	if reason == "" {
		reason = "Error"
		if c.ExitCode == 0 {
			reason = "Completed"
		}
	}
	return &api.ContainerStateTerminated{
		ExitCode:    c.ExitCode,
		Reason:      reason,
		Message:     c.Message,
		StartedAt:   api.NewTime(c.StartedAt),
		FinishedAt:  api.NewTime(c.FinishedAt),
		ContainerID: c.ID,
	}
}

// podPhase derives the phase from the containers, as Kubernetes does:
//
//   - Pending while an init container has not succeeded, or a container
//     has never run;
//   - Running while a container runs, or will run again (restartPolicy
//     Always; OnFailure after a failure);
//   - Succeeded when every container exited 0 and none will restart;
//   - Failed when every container exited, one of them in error, and none
//     will restart (restartPolicy Never, or an init container failed
//     under Never).
func podPhase(policy string, inits, containers []api.ContainerStatus) string {
	var pendingInit, failedInit int
	for _, cs := range inits {
		switch t := lastExit(cs); {
		case cs.State.Running != nil || t == nil:
			pendingInit++
		case t.ExitCode != 0:
			failedInit++
		}
	}
	if failedInit > 0 && policy == api.RestartNever {
		return api.PodFailed
	}
	var waiting, running, stopped, succeeded int
	for _, cs := range containers {
		switch {
		case cs.State.Running != nil:
			running++
		case cs.State.Terminated != nil:
			stopped++
			if cs.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case cs.LastTerminationState.Terminated != nil:
			stopped++ // waiting to restart
		default:
			waiting++
		}
	}
	switch {
	case pendingInit > 0 || failedInit > 0 || waiting > 0:
		return api.PodPending
	case running > 0:
		return api.PodRunning
	case stopped == 0:
		return api.PodPending
	case policy == api.RestartAlways || policy == "":
		return api.PodRunning // all in back-off, all coming back
	case stopped == succeeded:
		return api.PodSucceeded
	case policy == api.RestartNever:
		return api.PodFailed
	default:
		return api.PodRunning // OnFailure: the failed ones restart
	}
}

// lastExit is a container's latest exit: its state if terminated, else its
// last state if it waits to restart.
func lastExit(cs api.ContainerStatus) *api.ContainerStateTerminated {
	if cs.State.Terminated != nil {
		return cs.State.Terminated
	}
	if cs.State.Waiting != nil {
		return cs.LastTerminationState.Terminated
	}
	return nil
}

// podConditions returns the four conditions the kubelet owns, in the order
// kubectl describe shows them, then any others the pod had. A condition
// that did not change keeps its lastTransitionTime.
func podConditions(old []api.PodCondition, st api.PodStatus, now time.Time) []api.PodCondition {
	var notInit, notReady []string
	for _, cs := range st.InitContainerStatuses {
		if !cs.Ready {
			notInit = append(notInit, cs.Name)
		}
	}
	for _, cs := range st.ContainerStatuses {
		if !cs.Ready {
			notReady = append(notReady, cs.Name)
		}
	}
	initialized := condition(api.PodInitialized, len(notInit) == 0, "ContainersNotInitialized",
		fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(notInit, " ")))
	containersReady := condition(api.ContainersReady, len(notReady) == 0, "ContainersNotReady",
		fmt.Sprintf("containers with unready status: [%s]", strings.Join(notReady, " ")))
	if st.Phase == api.PodSucceeded {
		containersReady = condition(api.ContainersReady, false, "PodCompleted", "")
	}
	ready := containersReady
	ready.Type = api.PodReady

	want := []api.PodCondition{initialized, ready, containersReady,
		{Type: api.PodScheduled, Status: api.ConditionTrue}}
	for i := range want {
		want[i].LastTransitionTime = api.NewTime(now)
		for _, o := range old {
			if o.Type != want[i].Type || o.Status != want[i].Status {
				continue
			}
			want[i].LastTransitionTime = o.LastTransitionTime
			if want[i].Type == api.PodScheduled {
				want[i] = o // the scheduler's, as it wrote it
			}
		}
	}
	for _, o := range old {
		if !slices.ContainsFunc(want, func(c api.PodCondition) bool { return c.Type == o.Type }) {
			want = append(want, o)
		}
	}
	return want
}

func condition(typ string, ok bool, reason, message string) api.PodCondition {
	if ok {
		return api.PodCondition{Type: typ, Status: api.ConditionTrue}
	}
	return api.PodCondition{Type: typ, Status: api.ConditionFalse, Reason: reason, Message: message}
}

// isTerminal reports whether a pod has finished for good.
func isTerminal(phase string) bool { return phase == api.PodSucceeded || phase == api.PodFailed }

// statusEqual compares two statuses as the apiserver would store them.
// Times are kept to the second on the wire, so a status computed again
// from the same facts compares equal.
func statusEqual(a, b api.PodStatus) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
