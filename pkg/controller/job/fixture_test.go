package job

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/controllertest"
)

// start is the clock of every test when it begins.
var start = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const key = "default/pi"

// fixture is a controller over fake caches, a recording writer and a
// recording event recorder, with a clock the test moves. step plays the
// part of the apiserver and the informers: it syncs, then puts what the
// controller wrote into the caches and tells the pod handler.
type fixture struct {
	jobs, pods *controllertest.Lister
	w          *controllertest.Writer
	rec        *controllertest.Recorder
	c          *Controller
	clock      time.Time
	requeues   []string // "key after d"
	applied    int      // actions already put in the caches
}

func newFixture(objs ...api.Object) *fixture {
	f := &fixture{
		jobs:  controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		pods:  controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		w:     &controllertest.Writer{},
		rec:   &controllertest.Recorder{},
		clock: start,
	}
	for _, o := range objs {
		switch o.(type) {
		case *api.Job:
			f.jobs.Add(o)
		case *api.Pod:
			f.pods.Add(o)
		}
	}
	f.c = New(f.jobs, f.pods, f.w, f.rec, nil)
	f.c.now = func() time.Time { return f.clock }
	f.c.after = func(key string, d time.Duration) { f.requeues = append(f.requeues, fmt.Sprintf("%s after %s", key, d)) }
	return f
}

func (f *fixture) sync(t *testing.T) {
	t.Helper()
	if err := f.c.Sync(context.Background(), key); err != nil {
		t.Fatalf("Sync(%s): %v", key, err)
	}
}

// step syncs and applies the writes; it returns them.
func (f *fixture) step(t *testing.T) []string {
	t.Helper()
	f.requeues = nil
	f.sync(t)
	return f.apply()
}

// apply puts the writes made since the last apply into the caches: a new
// pod is Running and Ready on node-1, a deleted pod is gone.
func (f *fixture) apply() []string {
	var out []string
	for _, a := range f.w.Actions[f.applied:] {
		out = append(out, a.String())
		switch {
		case a.Verb == "create" && a.Resource == "pods":
			p := a.Object.(*api.Pod)
			p.CreationTimestamp = api.NewTime(f.clock)
			running(p)
			f.pods.Add(p)
			f.c.PodHandler().OnAdd(p)
		case a.Verb == "delete" && a.Resource == "pods":
			k := a.Namespace + "/" + a.Name
			if p, ok := f.pods.Get(k); ok {
				f.pods.Delete(k)
				f.c.PodHandler().OnDelete(p)
			}
		case a.Verb == "updateStatus" && a.Resource == "jobs":
			f.jobs.Add(a.Object)
		case a.Verb == "delete" && a.Resource == "jobs":
			f.jobs.Delete(a.Namespace + "/" + a.Name)
		}
	}
	f.applied = len(f.w.Actions)
	return out
}

// job is the Job in the cache.
func (f *fixture) job() *api.Job {
	obj, ok := f.jobs.Get(key)
	if !ok {
		return nil
	}
	return obj.(*api.Job)
}

// update changes the Job in the cache, as a user's edit would.
func (f *fixture) update(change func(*api.Job)) {
	j := api.DeepCopy(f.job())
	change(j)
	f.jobs.Add(j)
}

// end finishes the named pods with phase at the fixture's clock.
func (f *fixture) end(t *testing.T, phase string, names ...string) {
	t.Helper()
	for _, name := range names {
		obj, ok := f.pods.Get("default/" + name)
		if !ok {
			t.Fatalf("no pod %s", name)
		}
		p := api.DeepCopy(obj.(*api.Pod))
		code := int32(0)
		if phase == api.PodFailed {
			code = 1
		}
		p.Status.Phase = phase
		p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionFalse, LastTransitionTime: api.NewTime(f.clock)}}
		p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "pi", State: api.ContainerState{
			Terminated: &api.ContainerStateTerminated{ExitCode: code, FinishedAt: api.NewTime(f.clock)}}}}
		f.pods.Add(p)
		f.c.PodHandler().OnUpdate(obj, p)
	}
}

// active is the names of the Job's pods that are neither finished nor
// going, sorted.
func (f *fixture) active() []string {
	var out []string
	for _, obj := range f.pods.List() {
		p := obj.(*api.Pod)
		if p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed && p.DeletionTimestamp == nil {
			out = append(out, p.Name)
		}
	}
	slices.Sort(out)
	return out
}

func (f *fixture) events() []string {
	out := f.rec.Events
	f.rec.Events = nil
	return out
}

type jobOpt func(*api.Job)

// newJob returns the Job "pi" as the apiserver stores it: selector and
// template labels generated from its uid, restartPolicy Never.
func newJob(opts ...jobOpt) *api.Job {
	labels := map[string]string{api.ControllerUIDLabel: "uid-pi", api.JobNameLabel: "pi"}
	j := &api.Job{
		TypeMeta:   api.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: api.ObjectMeta{Name: "pi", Namespace: "default", UID: "uid-pi", CreationTimestamp: api.NewTime(start)},
		Spec: api.JobSpec{
			Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec: api.PodSpec{RestartPolicy: api.RestartNever,
					Containers: []api.Container{{Name: "pi", Image: "toolbox", Command: []string{"sh", "-c", "echo 3.14"}}}},
			},
		},
	}
	for _, o := range opts {
		o(j)
	}
	return j
}

func completions(n int32) jobOpt { return func(j *api.Job) { j.Spec.Completions = api.Int32(n) } }
func parallel(n int32) jobOpt    { return func(j *api.Job) { j.Spec.Parallelism = api.Int32(n) } }
func backoff(n int32) jobOpt     { return func(j *api.Job) { j.Spec.BackoffLimit = api.Int32(n) } }
func indexed(j *api.Job)         { j.Spec.CompletionMode = api.String(api.IndexedCompletion) }
func suspended(j *api.Job)       { j.Spec.Suspend = api.Bool(true) }
func deadline(s int64) jobOpt {
	return func(j *api.Job) { j.Spec.ActiveDeadlineSeconds = api.Int64(s) }
}
func ttl(s int32) jobOpt { return func(j *api.Job) { j.Spec.TTLSecondsAfterFinished = api.Int32(s) } }
func restartPolicy(p string) jobOpt {
	return func(j *api.Job) { j.Spec.Template.Spec.RestartPolicy = p }
}
func startedAt(t time.Time) jobOpt {
	return func(j *api.Job) { st := api.NewTime(t); j.Status.StartTime = &st }
}

// newPod returns a Running, Ready pod of the Job j.
func newPod(name string, j *api.Job) *api.Pod {
	p := &api.Pod{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name,
			Labels: j.Spec.Template.Labels, CreationTimestamp: api.NewTime(start),
			OwnerReferences: []api.OwnerReference{controllerRef(j)}},
		Spec: api.PodSpec{NodeName: "node-1", Containers: []api.Container{{Name: "pi", Image: "toolbox"}}},
	}
	running(p)
	return p
}

func running(p *api.Pod) {
	p.Spec.NodeName = "node-1"
	p.Status = api.PodStatus{Phase: api.PodRunning, Conditions: []api.PodCondition{
		{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: p.CreationTimestamp}}}
}

// condition returns the Job's condition of type t, or nil.
func condition(j *api.Job, t string) *api.JobCondition {
	for i := range j.Status.Conditions {
		if j.Status.Conditions[i].Type == t {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

func keyOf(obj api.Object) string { return client.KeyOf(obj) }
