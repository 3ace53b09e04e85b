package daemonset

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
	ds, revs, pods, nodes *controllertest.Lister
	w                     *controllertest.Writer
	rec                   *controllertest.Recorder
	c                     *Controller
}

func newFixture(objs ...api.Object) *fixture {
	f := &fixture{
		ds:    controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		revs:  controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		pods:  controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		nodes: controllertest.NewLister(),
		w:     &controllertest.Writer{},
		rec:   &controllertest.Recorder{},
	}
	for _, o := range objs {
		switch o.(type) {
		case *api.DaemonSet:
			f.ds.Add(o)
		case *api.ControllerRevision:
			f.revs.Add(o)
		case *api.Pod:
			f.pods.Add(o)
		case *api.Node:
			f.nodes.Add(o)
		}
	}
	f.c = New(f.ds, f.revs, f.pods, f.nodes, f.w, f.rec, nil)
	f.c.now = func() time.Time { return now }
	return f
}

func (f *fixture) sync(t *testing.T, key string) {
	t.Helper()
	if err := f.c.Sync(context.Background(), key); err != nil {
		t.Fatalf("Sync(%s): %v", key, err)
	}
}

// podWrites returns the recorded writes to pods, leaving out status
// writes, which tests of status look at.
func (f *fixture) podWrites() []string {
	var out []string
	for _, a := range f.w.Actions {
		if a.Resource == "pods" {
			out = append(out, a.String())
		}
	}
	return out
}

// created returns the pods the writer was asked to create.
func (f *fixture) created() []*api.Pod { return f.w.CreatedPods() }

// status returns the last status written, or nil.
func (f *fixture) status() *api.DaemonSetStatus {
	var st *api.DaemonSetStatus
	for _, a := range f.w.Actions {
		if a.Verb == "updateStatus" {
			st = &a.Object.(*api.DaemonSet).Status
		}
	}
	return st
}

// drain empties the queue and returns its keys, sorted.
func (f *fixture) drain() []string { return controllertest.Drain(f.c.queue) }

// Object builders. Every namespaced object lives in "default"; uids are
// "uid-<name>".

type dsOpt func(*api.DaemonSet)

// newDS returns a DaemonSet "logs" selecting app=logs, rolling updates
// one pod at a time, changed by opts.
func newDS(opts ...dsOpt) *api.DaemonSet {
	one := api.FromInt(1)
	ds := &api.DaemonSet{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: api.ObjectMeta{Name: "logs", Namespace: "default", UID: "uid-logs", Generation: 1},
		Spec: api.DaemonSetSpec{
			Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "logs"}},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "logs"}},
				Spec:       api.PodSpec{Containers: []api.Container{{Name: "shipper", Image: "fluentbit"}}},
			},
			UpdateStrategy: api.DaemonSetUpdateStrategy{Type: "RollingUpdate",
				RollingUpdate: &api.RollingUpdateDaemonSet{MaxUnavailable: &one}},
		},
	}
	for _, o := range opts {
		o(ds)
	}
	return ds
}

func nodeSelector(sel map[string]string) dsOpt {
	return func(ds *api.DaemonSet) { ds.Spec.Template.Spec.NodeSelector = sel }
}

func tolerating(tols ...api.Toleration) dsOpt {
	return func(ds *api.DaemonSet) { ds.Spec.Template.Spec.Tolerations = tols }
}

func maxUnavailableOf(v api.IntOrString) dsOpt {
	return func(ds *api.DaemonSet) { ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &v }
}

func onDelete(ds *api.DaemonSet) {
	ds.Spec.UpdateStrategy = api.DaemonSetUpdateStrategy{Type: "OnDelete"}
}

func dsDeleting(ds *api.DaemonSet) {
	t := api.NewTime(now)
	ds.DeletionTimestamp = &t
}

type nodeOpt func(*api.Node)

func newNode(name string, labels map[string]string, opts ...nodeOpt) *api.Node {
	n := &api.Node{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: api.ObjectMeta{Name: name, UID: "uid-" + name, Labels: labels},
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

func tainted(key, value, effect string) nodeOpt {
	return func(n *api.Node) {
		n.Spec.Taints = append(n.Spec.Taints, api.Taint{Key: key, Value: value, Effect: effect})
	}
}

// cordoned is what `kctl cordon` does.
func cordoned(n *api.Node) {
	n.Spec.Unschedulable = true
	tainted(api.TaintNodeUnschedulable, "", api.TaintNoSchedule)(n)
}

type podOpt func(*api.Pod)

// daemonPod returns a pod of ds on node made from ds's current template,
// created an hour ago, Running and Ready; changed by opts.
func daemonPod(name string, ds *api.DaemonSet, node string, opts ...podOpt) *api.Pod {
	p := podTemplate(ds, templateHash(&ds.Spec.Template))
	p.GenerateName = ""
	p.Name, p.UID = name, "uid-"+name
	p.CreationTimestamp = api.NewTime(now.Add(-time.Hour))
	p.Spec.NodeName = node
	p.Status = api.PodStatus{Phase: api.PodRunning, Conditions: []api.PodCondition{
		{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: api.NewTime(now.Add(-time.Hour))},
	}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func age(d time.Duration) podOpt {
	return func(p *api.Pod) { p.CreationTimestamp = api.NewTime(now.Add(-d)) }
}

// oldTemplate marks a pod as made from an earlier template.
func oldTemplate(p *api.Pod) { p.Labels[HashLabel] = "0ld0ld00" }

func notReady(p *api.Pod) { p.Status.Conditions[0].Status = api.ConditionFalse }

func failed(p *api.Pod) { p.Status.Phase = api.PodFailed; notReady(p) }

func readyFor(d time.Duration) podOpt {
	return func(p *api.Pod) { p.Status.Conditions[0].LastTransitionTime = api.NewTime(now.Add(-d)) }
}

func orphan(p *api.Pod) { p.OwnerReferences = nil }

func podDeleting(p *api.Pod) {
	t := api.NewTime(now)
	p.DeletionTimestamp = &t
}

// revisionOf returns ds's ControllerRevision of its current template,
// numbered n, as the controller would have made it.
func revisionOf(ds *api.DaemonSet, n int64) *api.ControllerRevision {
	hash := templateHash(&ds.Spec.Template)
	cr := newRevision(ds, hash, encodeRevision(&ds.Spec.Template), n)
	cr.UID = "uid-" + cr.Name
	return cr
}
