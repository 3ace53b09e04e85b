package replicaset

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
	rs, rc, pods *controllertest.Lister
	w            *controllertest.Writer
	rec          *controllertest.Recorder
	c            *Controller
}

func newFixture(objs ...api.Object) *fixture {
	f := &fixture{
		rs:   controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		rc:   controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		pods: controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		w:    &controllertest.Writer{},
		rec:  &controllertest.Recorder{},
	}
	for _, o := range objs {
		switch o.(type) {
		case *api.ReplicaSet:
			f.rs.Add(o)
		case *api.ReplicationController:
			f.rc.Add(o)
		case *api.Pod:
			f.pods.Add(o)
		}
	}
	f.c = New(f.rs, f.rc, f.pods, f.w, f.rec, nil)
	f.c.now = func() time.Time { return now }
	return f
}

func (f *fixture) sync(t *testing.T, key string) {
	t.Helper()
	if err := f.c.Sync(context.Background(), key); err != nil {
		t.Fatalf("Sync(%s): %v", key, err)
	}
}

// created returns the pods the writer was asked to create.
func (f *fixture) created() []*api.Pod { return f.w.CreatedPods() }

// drain empties the queue and returns its keys, sorted.
func (f *fixture) drain() []string { return controllertest.Drain(f.c.queue) }

// Object builders. Every object lives in namespace "default" unless
// changed; uids are "uid-<name>".

func newRS(name string, replicas int32, labels map[string]string) *api.ReplicaSet {
	return &api.ReplicaSet{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name, Generation: 1},
		Spec: api.ReplicaSetSpec{
			Replicas: api.Int32(replicas),
			Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec:       api.PodSpec{Containers: []api.Container{{Name: "app", Image: "kubia"}}},
			},
		},
	}
}

func newRC(name string, replicas int32, selector map[string]string) *api.ReplicationController {
	return &api.ReplicationController{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "ReplicationController"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name, Generation: 1},
		Spec: api.ReplicationControllerSpec{
			Replicas: api.Int32(replicas),
			Selector: selector,
			Template: &api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: selector},
				Spec:       api.PodSpec{Containers: []api.Container{{Name: "app", Image: "kubia"}}},
			},
		},
	}
}

// withStatus sets an owner's status to what a sync over its current pods
// would write, so that a test sees only the writes it is about.
func rsWithStatus(rs *api.ReplicaSet, st api.ReplicaSetStatus) *api.ReplicaSet {
	rs.Status = st
	return rs
}

type podOpt func(*api.Pod)

// newPod returns a pod created at now-age, Running and Ready on node-1,
// changed by opts.
func newPod(name string, labels map[string]string, opts ...podOpt) *api.Pod {
	p := &api.Pod{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name, Labels: labels,
			CreationTimestamp: api.NewTime(now.Add(-time.Hour))},
		Spec: api.PodSpec{NodeName: "node-1", Containers: []api.Container{{Name: "app", Image: "kubia"}}},
		Status: api.PodStatus{Phase: api.PodRunning, Conditions: []api.PodCondition{
			{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: api.NewTime(now.Add(-time.Hour))},
		}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// ownedBy gives the pod a controller reference to owner.
func ownedBy(owner api.Object) podOpt {
	return func(p *api.Pod) {
		res, _ := api.ResourceOf(owner)
		m := owner.GetObjectMeta()
		p.OwnerReferences = append(p.OwnerReferences, api.OwnerReference{APIVersion: res.APIVersion(), Kind: res.Kind,
			Name: m.Name, UID: m.UID, Controller: api.Bool(true), BlockOwnerDeletion: api.Bool(true)})
	}
}

func age(d time.Duration) podOpt {
	return func(p *api.Pod) { p.CreationTimestamp = api.NewTime(now.Add(-d)) }
}

func unscheduled(p *api.Pod) {
	p.Spec.NodeName = ""
	p.Status = api.PodStatus{Phase: api.PodPending}
}

func pending(p *api.Pod) { p.Status = api.PodStatus{Phase: api.PodPending} }

func notReady(p *api.Pod) { p.Status.Conditions[0].Status = api.ConditionFalse }

func phase(ph string) podOpt { return func(p *api.Pod) { p.Status.Phase = ph } }

func readyFor(d time.Duration) podOpt {
	return func(p *api.Pod) { p.Status.Conditions[0].LastTransitionTime = api.NewTime(now.Add(-d)) }
}

func deleting(p *api.Pod) {
	t := api.NewTime(now)
	p.DeletionTimestamp = &t
}

func inNamespace(ns string) podOpt { return func(p *api.Pod) { p.Namespace = ns } }
