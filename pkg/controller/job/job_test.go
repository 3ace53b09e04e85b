package job

import (
	"slices"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// A Job of 5 completions, 2 at a time: 2 pods run, each success makes
// room for one more, never more than the completions still missing, and
// the fifth success completes it with its pods kept.
func TestCompletionsAndParallelism(t *testing.T) {
	f := newFixture(newJob(completions(5), parallel(2)))
	wantCreates := []int{2, 2, 1}
	for round, want := range wantCreates {
		writes := f.step(t)
		creates := countPrefix(writes, "create pods")
		if creates != want {
			t.Fatalf("round %d: %d pods created (%q), want %d", round, creates, writes, want)
		}
		if a := f.active(); len(a) > 2 {
			t.Fatalf("round %d: %d pods active, parallelism is 2", round, len(a))
		}
		if st := f.job().Status; st.Active != int32(want) || st.Succeeded != int32(2*round) {
			t.Fatalf("round %d: status active %d succeeded %d", round, st.Active, st.Succeeded)
		}
		f.clock = f.clock.Add(time.Minute)
		f.end(t, api.PodSucceeded, f.active()...)
	}
	writes := f.step(t)
	if !slices.Equal(writes, []string{"updateStatus jobs default/pi"}) {
		t.Fatalf("last round wrote %q, want the status only (the pods are kept)", writes)
	}
	j := f.job()
	if c := condition(j, api.JobComplete); c == nil || c.Status != api.ConditionTrue {
		t.Fatalf("conditions %+v, want Complete", j.Status.Conditions)
	}
	if j.Status.CompletionTime == nil || !j.Status.CompletionTime.Equal(f.clock) {
		t.Errorf("completionTime %v, want %v", j.Status.CompletionTime, f.clock)
	}
	if j.Status.Succeeded != 5 || j.Status.Active != 0 || j.Status.StartTime == nil || !j.Status.StartTime.Equal(start) {
		t.Errorf("status %+v", j.Status)
	}
	if ev := f.events(); !slices.Contains(ev, "Normal Completed Job completed") || countPrefix(ev, "Normal SuccessfulCreate") != 5 {
		t.Errorf("events %q", ev)
	}
	if writes := f.step(t); len(writes) != 0 {
		t.Errorf("a complete Job wrote %q", writes)
	}
}

// A work queue (no completions): the pods share the work; once one has
// succeeded no new pod starts, and the Job completes when the last ends.
func TestWorkQueue(t *testing.T) {
	f := newFixture(newJob(parallel(3)))
	if n := countPrefix(f.step(t), "create pods"); n != 3 {
		t.Fatalf("created %d pods, want 3", n)
	}
	f.end(t, api.PodSucceeded, f.active()[0])
	if writes := f.step(t); countPrefix(writes, "create") != 0 {
		t.Fatalf("after a success wrote %q: no new pods", writes)
	}
	if _, done := finished(f.job()); done {
		t.Fatal("complete while 2 pods still run")
	}
	f.end(t, api.PodSucceeded, f.active()...)
	f.step(t)
	if c := condition(f.job(), api.JobComplete); c == nil || f.job().Status.Succeeded != 3 {
		t.Fatalf("status %+v, want Complete with 3 succeeded", f.job().Status)
	}
}

// A failed pod is replaced after 10 s, the next after 20 s, and the
// failure beyond backoffLimit fails the Job.
func TestBackoffAndLimit(t *testing.T) {
	f := newFixture(newJob(backoff(2)))
	f.step(t)
	for i, wait := range []time.Duration{10 * time.Second, 20 * time.Second} {
		f.end(t, api.PodFailed, f.active()...)
		if writes := f.step(t); countPrefix(writes, "create") != 0 {
			t.Fatalf("failure %d: created at once: %q", i+1, writes)
		}
		if !slices.Equal(f.requeues, []string{key + " after " + wait.String()}) {
			t.Fatalf("failure %d: requeues %q, want after %s", i+1, f.requeues, wait)
		}
		f.clock = f.clock.Add(wait - time.Second)
		if n := countPrefix(f.step(t), "create"); n != 0 {
			t.Fatalf("failure %d: created a second early", i+1)
		}
		f.clock = f.clock.Add(time.Second)
		if n := countPrefix(f.step(t), "create"); n != 1 {
			t.Fatalf("failure %d: %d pods created after the back-off, want 1", i+1, n)
		}
	}
	f.events()
	f.end(t, api.PodFailed, f.active()...)
	f.step(t)
	j := f.job()
	c := condition(j, api.JobFailed)
	if c == nil || c.Status != api.ConditionTrue || c.Reason != api.ReasonBackoffLimitExceeded {
		t.Fatalf("conditions %+v, want Failed BackoffLimitExceeded", j.Status.Conditions)
	}
	if j.Status.Failed != 3 || j.Status.CompletionTime != nil {
		t.Errorf("status %+v: 3 failed, no completionTime", j.Status)
	}
	if ev := f.events(); !slices.Equal(ev, []string{"Warning BackoffLimitExceeded Job has reached the specified backoff limit"}) {
		t.Errorf("events %q", ev)
	}
}

func TestBackoffDelay(t *testing.T) {
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{0, 0}, {1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second},
		{6, 320 * time.Second}, {7, 6 * time.Minute}, {50, 6 * time.Minute},
	}
	for _, tt := range tests {
		if got := backoffDelay(tt.failures); got != tt.want {
			t.Errorf("backoffDelay(%d) = %s, want %s", tt.failures, got, tt.want)
		}
	}
}

// A success starts the back-off over: a failure after it waits 10 s.
func TestBackoffStartsOverAfterSuccess(t *testing.T) {
	f := newFixture(newJob(completions(3), backoff(6)))
	f.step(t)
	f.end(t, api.PodFailed, f.active()...)
	f.clock = f.clock.Add(10 * time.Second)
	f.step(t)
	f.end(t, api.PodFailed, f.active()...)
	f.clock = f.clock.Add(20 * time.Second)
	f.step(t)
	f.clock = f.clock.Add(time.Minute)
	f.end(t, api.PodSucceeded, f.active()...)
	f.step(t)
	f.clock = f.clock.Add(time.Minute)
	f.end(t, api.PodFailed, f.active()...)
	f.step(t)
	if !slices.Equal(f.requeues, []string{key + " after 10s"}) {
		t.Fatalf("requeues %q, want after 10s", f.requeues)
	}
}

// restartPolicy OnFailure: the kubelet restarts the container in place,
// and the restarts count toward backoffLimit; the pod is then deleted.
func TestBackoffLimitOnFailure(t *testing.T) {
	j := newJob(backoff(2), restartPolicy(api.RestartOnFailure), startedAt(start))
	p := newPod("pi-a", j)
	p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "pi", RestartCount: 2}}
	f := newFixture(j, p)
	writes := f.step(t)
	if !slices.Equal(writes, []string{"delete pods default/pi-a", "updateStatus jobs default/pi"}) {
		t.Fatalf("writes %q", writes)
	}
	if c := condition(f.job(), api.JobFailed); c == nil || c.Reason != api.ReasonBackoffLimitExceeded {
		t.Fatalf("conditions %+v", f.job().Status.Conditions)
	}
	if st := f.job().Status; st.Active != 0 || st.Failed != 1 {
		t.Errorf("status active %d failed %d, want 0 and 1 (the pod killed)", st.Active, st.Failed)
	}
}

// activeDeadlineSeconds counts from startTime; the sync before it asks to
// come back at it, and the one at it fails the Job and deletes its pods.
func TestActiveDeadline(t *testing.T) {
	j := newJob(deadline(60), parallel(2), startedAt(start.Add(-30*time.Second)))
	f := newFixture(j, newPod("pi-a", j), newPod("pi-b", j))
	f.step(t)
	if !slices.Equal(f.requeues, []string{key + " after 30s"}) {
		t.Fatalf("requeues %q, want after 30s", f.requeues)
	}
	f.clock = f.clock.Add(30 * time.Second)
	writes := f.step(t)
	want := []string{"delete pods default/pi-a", "delete pods default/pi-b", "updateStatus jobs default/pi"}
	if !slices.Equal(writes, want) {
		t.Fatalf("writes %q, want %q", writes, want)
	}
	c := condition(f.job(), api.JobFailed)
	if c == nil || c.Reason != api.ReasonDeadlineExceeded || !c.LastTransitionTime.Equal(f.clock) {
		t.Fatalf("conditions %+v, want Failed DeadlineExceeded now", f.job().Status.Conditions)
	}
	if ev := f.events(); !slices.Contains(ev, "Warning DeadlineExceeded Job was active longer than specified deadline") ||
		countPrefix(ev, "Normal SuccessfulDelete") != 2 {
		t.Errorf("events %q", ev)
	}
}

// A Job made suspended runs nothing and has no startTime; suspending a
// running Job deletes its pods; resuming it starts its clock again.
func TestSuspendAndResume(t *testing.T) {
	f := newFixture(newJob(suspended, parallel(2), completions(4), deadline(600)))
	if writes := f.step(t); !slices.Equal(writes, []string{"updateStatus jobs default/pi"}) {
		t.Fatalf("suspended Job wrote %q", writes)
	}
	if c := condition(f.job(), api.JobSuspended); c == nil || c.Status != api.ConditionTrue || c.Reason != "JobSuspended" {
		t.Fatalf("conditions %+v", f.job().Status.Conditions)
	}
	if f.job().Status.StartTime != nil || len(f.requeues) != 0 {
		t.Fatalf("startTime %v, requeues %q: a suspended Job's clock does not run", f.job().Status.StartTime, f.requeues)
	}

	f.clock = f.clock.Add(time.Hour)
	f.update(func(j *api.Job) { j.Spec.Suspend = api.Bool(false) })
	if n := countPrefix(f.step(t), "create pods"); n != 2 {
		t.Fatalf("resumed: %d pods, want 2", n)
	}
	j := f.job()
	if c := condition(j, api.JobSuspended); c == nil || c.Status != api.ConditionFalse || c.Reason != "JobResumed" {
		t.Fatalf("conditions %+v", j.Status.Conditions)
	}
	if j.Status.StartTime == nil || !j.Status.StartTime.Equal(f.clock) {
		t.Fatalf("startTime %v, want %v", j.Status.StartTime, f.clock)
	}

	f.update(func(j *api.Job) { j.Spec.Suspend = api.Bool(true) })
	writes := f.step(t)
	if countPrefix(writes, "delete pods") != 2 || len(f.active()) != 0 {
		t.Fatalf("suspended again: writes %q, active %q", writes, f.active())
	}
	if st := f.job().Status; st.Active != 0 || st.Failed != 0 {
		t.Errorf("status %+v: pods deleted by a suspend are not failures", st)
	}
	if ev := f.events(); !slices.Contains(ev, "Normal Suspended Job suspended") || !slices.Contains(ev, "Normal Resumed Job resumed") {
		t.Errorf("events %q", ev)
	}

	f.clock = f.clock.Add(time.Hour)
	f.update(func(j *api.Job) { j.Spec.Suspend = nil })
	f.step(t)
	if st := f.job().Status.StartTime; !st.Equal(f.clock) {
		t.Errorf("startTime %v after the second resume, want %v", st, f.clock)
	}
}

// A finished Job with ttlSecondsAfterFinished is deleted, in the
// background, that long after it finished.
func TestTTLAfterFinished(t *testing.T) {
	f := newFixture(newJob(ttl(60)))
	f.step(t)
	f.end(t, api.PodSucceeded, f.active()...)
	f.step(t)
	if !slices.Equal(f.requeues, []string{key + " after 1m0s"}) {
		t.Fatalf("requeues %q, want after 1m0s", f.requeues)
	}
	f.clock = f.clock.Add(59 * time.Second)
	if writes := f.step(t); len(writes) != 0 || !slices.Equal(f.requeues, []string{key + " after 1s"}) {
		t.Fatalf("a second early: writes %q, requeues %q", writes, f.requeues)
	}
	f.clock = f.clock.Add(time.Second)
	writes := f.step(t)
	if !slices.Equal(writes, []string{"delete jobs default/pi"}) {
		t.Fatalf("writes %q", writes)
	}
	opts := f.w.Actions[len(f.w.Actions)-1].Options
	if opts == nil || *opts.PropagationPolicy != api.DeletePropagationBackground || *opts.Preconditions.UID != "uid-pi" {
		t.Errorf("delete options %+v", opts)
	}
	if err := f.c.Sync(t.Context(), key); err != nil || f.job() != nil {
		t.Errorf("sync of the deleted Job: %v", err)
	}
}

// A selector given by hand (manualSelector) works like the generated one;
// with none at all, the pods are labelled as the apiserver would.
func TestSelectors(t *testing.T) {
	manual := newJob(func(j *api.Job) {
		j.Spec.ManualSelector = api.Bool(true)
		j.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": "pi"}}
		j.Spec.Template.Labels = map[string]string{"app": "pi"}
	})
	orphan := newPod("pi-orphan", manual)
	orphan.OwnerReferences = nil
	f := newFixture(manual, orphan)
	writes := f.step(t)
	if !slices.Equal(writes, []string{"patch pods default/pi-orphan", "updateStatus jobs default/pi"}) {
		t.Fatalf("manual selector: writes %q, want the orphan adopted and nothing created", writes)
	}

	bare := newJob(func(j *api.Job) { j.Spec.Selector = nil; j.Spec.Template.Labels = nil })
	f = newFixture(bare)
	f.step(t)
	pods := f.w.CreatedPods()
	if len(pods) != 1 || pods[0].Labels[api.ControllerUIDLabel] != "uid-pi" || pods[0].Labels[api.JobNameLabel] != "pi" {
		t.Fatalf("pods %+v: want the controller-uid and job-name labels", pods)
	}
	if f.job().Status.Active != 1 {
		t.Errorf("active %d: the labelled pod is the Job's", f.job().Status.Active)
	}
	f.step(t)
	if n := len(f.w.CreatedPods()); n != 1 {
		t.Errorf("%d pods created in two syncs, want 1", n)
	}
}

// Writes in flight: a sync before the cache shows the new pods creates
// none again.
func TestExpectations(t *testing.T) {
	f := newFixture(newJob(parallel(2), completions(2)))
	f.sync(t)
	f.sync(t)
	if n := len(f.w.CreatedPods()); n != 2 {
		t.Fatalf("%d pods created, want 2", n)
	}
}

func TestPodsFromTemplate(t *testing.T) {
	f := newFixture(newJob())
	f.step(t)
	p := f.w.CreatedPods()[0]
	ref := p.OwnerReferences
	if p.GenerateName != "pi-" || len(ref) != 1 || ref[0].Kind != "Job" || ref[0].APIVersion != "batch/v1" ||
		ref[0].UID != "uid-pi" || ref[0].Controller == nil || !*ref[0].Controller {
		t.Errorf("pod %+v", p.ObjectMeta)
	}
	if p.Labels[api.ControllerUIDLabel] != "uid-pi" || p.Spec.RestartPolicy != api.RestartNever {
		t.Errorf("pod labels %v, spec %+v", p.Labels, p.Spec)
	}
}

func countPrefix(ss []string, prefix string) int {
	n := 0
	for _, s := range ss {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// A failed Job whose pod delete failed deletes it on a later sync; a
// complete Job's pods stay.
func TestFinishedJobLeftovers(t *testing.T) {
	failed := newJob(startedAt(start), func(j *api.Job) {
		j.Status.Conditions = []api.JobCondition{{Type: api.JobFailed, Status: api.ConditionTrue, Reason: api.ReasonDeadlineExceeded}}
	})
	f := newFixture(failed, newPod("pi-a", failed))
	if writes := f.step(t); !slices.Equal(writes, []string{"delete pods default/pi-a"}) {
		t.Errorf("failed Job: writes %q", writes)
	}
	done := newJob(startedAt(start), func(j *api.Job) {
		j.Status.Conditions = []api.JobCondition{{Type: api.JobComplete, Status: api.ConditionTrue}}
	})
	f = newFixture(done, newPod("pi-a", done))
	if writes := f.step(t); len(writes) != 0 {
		t.Errorf("complete Job: writes %q", writes)
	}
}
