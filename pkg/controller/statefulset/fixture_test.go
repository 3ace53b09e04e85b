package statefulset

import (
	"context"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/controllertest"
)

// now is the clock of every test.
var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is a controller over fake caches, a recording writer and a
// recording event recorder.
type fixture struct {
	sets, revs, pods, claims *controllertest.Lister
	w                        *controllertest.Writer
	rec                      *controllertest.Recorder
	c                        *Controller
}

func newFixture(objs ...api.Object) *fixture {
	f := &fixture{
		sets:   controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		revs:   controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		pods:   controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		claims: controllertest.NewLister(),
		w:      &controllertest.Writer{},
		rec:    &controllertest.Recorder{},
	}
	for _, o := range objs {
		f.add(o)
	}
	f.c = New(f.sets, f.revs, f.pods, f.claims, f.w, f.rec, nil)
	f.c.now = func() time.Time { return now }
	return f
}

func (f *fixture) add(o api.Object) {
	switch o.(type) {
	case *api.StatefulSet:
		f.sets.Add(o)
	case *api.ControllerRevision:
		f.revs.Add(o)
	case *api.Pod:
		f.pods.Add(o)
	case *api.PersistentVolumeClaim:
		f.claims.Add(o)
	}
}

func (f *fixture) sync(t *testing.T) {
	t.Helper()
	if err := f.c.Sync(context.Background(), "default/web"); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// writes returns the recorded writes to pods and claims, leaving out
// revisions and status, which tests of those look at.
func (f *fixture) writes() []string {
	var out []string
	for _, a := range f.w.Actions {
		if a.Resource == "pods" || a.Resource == "persistentvolumeclaims" {
			out = append(out, a.String())
		}
	}
	return out
}

// status returns the last status written, or nil.
func (f *fixture) status() *api.StatefulSetStatus {
	var st *api.StatefulSetStatus
	for _, a := range f.w.Actions {
		if a.Verb == "updateStatus" {
			st = &a.Object.(*api.StatefulSet).Status
		}
	}
	return st
}

// Object builders. Every object lives in "default"; uids are
// "uid-<name>".

type setOpt func(*api.StatefulSet)

// newSet returns a StatefulSet "web" of n replicas selecting app=web
// behind the Service "web", defaulted, changed by opts.
func newSet(n int32, opts ...setOpt) *api.StatefulSet {
	set := &api.StatefulSet{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-web", Generation: 1},
		Spec: api.StatefulSetSpec{
			Replicas:    api.Int32(n),
			ServiceName: "web",
			Selector:    &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       api.PodSpec{Containers: []api.Container{{Name: "web", Image: "kubia:v1"}}},
			},
		},
	}
	for _, o := range opts {
		o(set)
	}
	api.SetDefaults(set)
	return set
}

func parallel(s *api.StatefulSet) { s.Spec.PodManagementPolicy = api.ParallelPodManagement }

func onDelete(s *api.StatefulSet) {
	s.Spec.UpdateStrategy = api.StatefulSetUpdateStrategy{Type: api.OnDeleteStatefulSetStrategyType}
}

func image(name string) setOpt {
	return func(s *api.StatefulSet) { s.Spec.Template.Spec.Containers[0].Image = name }
}

func partitioned(p int32) setOpt {
	return func(s *api.StatefulSet) {
		s.Spec.UpdateStrategy.RollingUpdate = &api.RollingUpdateStatefulSetStrategy{Partition: api.Int32(p)}
	}
}

// withClaims gives the set a claim template "data".
func withClaims(s *api.StatefulSet) {
	sc := "local-path"
	s.Spec.VolumeClaimTemplates = []api.PersistentVolumeClaim{{
		ObjectMeta: api.ObjectMeta{Name: "data"},
		Spec: api.PersistentVolumeClaimSpec{AccessModes: []string{api.ReadWriteOnce}, StorageClassName: &sc,
			Resources: api.VolumeResourceRequirements{Requests: api.ResourceList{"storage": api.MustParse("1Gi")}}},
	}}
}

func retain(whenDeleted, whenScaled string) setOpt {
	return func(s *api.StatefulSet) {
		s.Spec.PersistentVolumeClaimRetentionPolicy = &api.StatefulSetPersistentVolumeClaimRetentionPolicy{
			WhenDeleted: whenDeleted, WhenScaled: whenScaled}
	}
}

// withStatus records revisions as an earlier sync would have.
func withStatus(current, update string) setOpt {
	return func(s *api.StatefulSet) { s.Status.CurrentRevision, s.Status.UpdateRevision = current, update }
}

// revision returns set's revision of its current template, numbered n.
func revision(set *api.StatefulSet, n int64) *api.ControllerRevision {
	data := controller.EncodeTemplate(&set.Spec.Template)
	hash := controller.HashRevision(data)
	cr := controller.NewRevision(&set.ObjectMeta, controllerRef(set), set.Spec.Template.Labels, set.Name+"-"+hash, hash, data, n)
	cr.UID = "uid-" + cr.Name
	return cr
}

func revName(set *api.StatefulSet) string {
	return set.Name + "-" + controller.HashRevision(controller.EncodeTemplate(&set.Spec.Template))
}

type podOpt func(*api.Pod)

// pod returns the pod of ordinal ord of set made from set's template,
// Running and Ready for an hour; changed by opts.
func pod(set *api.StatefulSet, ord int, opts ...podOpt) *api.Pod {
	p := newPod(set, &set.Spec.Template, revName(set), ord)
	p.UID = "uid-" + p.Name
	p.CreationTimestamp = api.NewTime(now.Add(-time.Hour))
	p.Status = api.PodStatus{Phase: api.PodRunning, Conditions: []api.PodCondition{
		{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: api.NewTime(now.Add(-time.Hour))},
	}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func pending(p *api.Pod) {
	p.Status = api.PodStatus{Phase: api.PodPending}
}

func notReady(p *api.Pod) { p.Status.Conditions[0].Status = api.ConditionFalse }

func failed(p *api.Pod) { p.Status.Phase = api.PodFailed; notReady(p) }

func terminating(p *api.Pod) {
	t := api.NewTime(now)
	p.DeletionTimestamp = &t
}

// claim returns the claim of template data for ordinal ord, as the
// controller made it.
func claim(set *api.StatefulSet, ord int) *api.PersistentVolumeClaim {
	c := newClaim(set, &set.Spec.VolumeClaimTemplates[0], ord)
	c.UID = "uid-" + c.Name
	return c
}
