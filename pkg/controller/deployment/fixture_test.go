package deployment

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/controllertest"
)

// start is the clock of every test when it begins.
var start = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

var web = map[string]string{"app": "web"}

// fixture is a controller over fake caches, a recording writer and a
// recording event recorder. apply plays the apiserver (the writes reach
// the caches), rsController the ReplicaSet controller, ready the kubelet.
type fixture struct {
	deps, rss *controllertest.Lister
	w         *controllertest.Writer
	rec       *controllertest.Recorder
	c         *Controller
	clock     time.Time
	applied   int // writes already applied
	created   int // ReplicaSets created, for their creation times
}

func newFixture(objs ...api.Object) *fixture {
	f := &fixture{
		deps:  controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		rss:   controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		w:     &controllertest.Writer{},
		rec:   &controllertest.Recorder{},
		clock: start,
	}
	for _, o := range objs {
		switch o.(type) {
		case *api.Deployment:
			f.deps.Add(o)
		case *api.ReplicaSet:
			f.rss.Add(o)
		}
	}
	f.c = New(f.deps, f.rss, f.w, f.rec, nil)
	f.c.now = func() time.Time { return f.clock }
	return f
}

func (f *fixture) sync(t *testing.T) {
	t.Helper()
	if err := f.c.Sync(context.Background(), "default/web"); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// apply makes the writes recorded since the last apply reach the caches,
// as the apiserver and the informers would.
func (f *fixture) apply(t *testing.T) {
	t.Helper()
	for _, a := range f.w.Actions[f.applied:] {
		key := a.Namespace + "/" + a.Name
		switch a.Verb + " " + a.Resource {
		case "create replicasets":
			rs := api.DeepCopy(a.Object.(*api.ReplicaSet))
			f.created++
			rs.Generation, rs.CreationTimestamp = 1, api.NewTime(f.clock.Add(time.Duration(f.created)*time.Second))
			f.rss.Add(rs)
		case "update replicasets":
			rs := api.DeepCopy(a.Object.(*api.ReplicaSet))
			cur := f.get(t, key)
			rs.Status = cur.Status
			if rsReplicas(rs) != rsReplicas(cur) || rs.Spec.MinReadySeconds != cur.Spec.MinReadySeconds {
				rs.Generation = cur.Generation + 1
			}
			f.rss.Add(rs)
		case "delete replicasets":
			f.rss.Delete(key)
		case "updateStatus deployments":
			d := f.deployment(t)
			d.Status = a.Object.(*api.Deployment).Status
			f.deps.Add(d)
		case "patch deployments":
			var p struct {
				Metadata struct {
					Annotations map[string]string `json:"annotations"`
				} `json:"metadata"`
			}
			if err := json.Unmarshal([]byte(a.Patch), &p); err != nil {
				t.Fatal(err)
			}
			d := f.deployment(t)
			for k, v := range p.Metadata.Annotations {
				setAnnotation(&d.ObjectMeta, k, v)
			}
			f.deps.Add(d)
		default:
			t.Fatalf("apply: unexpected %s", a)
		}
	}
	f.applied = len(f.w.Actions)
}

// rsController plays the ReplicaSet controller: pods follow spec.replicas
// at once, the ones that are not available going first.
func (f *fixture) rsController() {
	for _, obj := range f.rss.List() {
		rs := api.DeepCopy(obj.(*api.ReplicaSet))
		n := rsReplicas(rs)
		rs.Status.Replicas = n
		rs.Status.AvailableReplicas = min(rs.Status.AvailableReplicas, n)
		rs.Status.ReadyReplicas = rs.Status.AvailableReplicas
		rs.Status.ObservedGeneration = rs.Generation
		f.rss.Add(rs)
	}
}

// ready makes up to n pods of every ReplicaSet that runs image ready
// and available.
func (f *fixture) ready(image string, n int32) {
	for _, obj := range f.rss.List() {
		rs := api.DeepCopy(obj.(*api.ReplicaSet))
		if rs.Spec.Template.Spec.Containers[0].Image != image {
			continue
		}
		rs.Status.AvailableReplicas = min(rs.Status.AvailableReplicas+n, rs.Status.Replicas)
		rs.Status.ReadyReplicas = rs.Status.AvailableReplicas
		f.rss.Add(rs)
	}
}

func (f *fixture) deployment(t *testing.T) *api.Deployment {
	t.Helper()
	obj, ok := f.deps.Get("default/web")
	if !ok {
		t.Fatal("no deployment")
	}
	return api.DeepCopy(obj.(*api.Deployment))
}

func (f *fixture) get(t *testing.T, key string) *api.ReplicaSet {
	t.Helper()
	obj, ok := f.rss.Get(key)
	if !ok {
		t.Fatalf("no replicaset %s", key)
	}
	return obj.(*api.ReplicaSet)
}

// replicaSets returns every ReplicaSet in the cache, by name.
func (f *fixture) replicaSets() map[string]*api.ReplicaSet {
	out := map[string]*api.ReplicaSet{}
	for _, obj := range f.rss.List() {
		out[obj.GetObjectMeta().Name] = obj.(*api.ReplicaSet)
	}
	return out
}

// rsOf returns the ReplicaSet that runs image.
func (f *fixture) rsOf(t *testing.T, image string) *api.ReplicaSet {
	t.Helper()
	for _, rs := range f.replicaSets() {
		if rs.Spec.Template.Spec.Containers[0].Image == image {
			return rs
		}
	}
	t.Fatalf("no replicaset runs %s", image)
	return nil
}

// settle runs the controllers until nothing changes, every pod ready.
func (f *fixture) settle(t *testing.T, image string) {
	t.Helper()
	for range 50 {
		before := len(f.w.Actions)
		f.sync(t)
		f.apply(t)
		f.rsController()
		f.ready(image, 100)
		if len(f.w.Actions) == before {
			return
		}
	}
	t.Fatal("did not settle in 50 rounds")
}

func newDeployment(replicas int32, image string) *api.Deployment {
	return &api.Deployment{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-web", Generation: 1},
		Spec: api.DeploymentSpec{
			Replicas: api.Int32(replicas),
			Selector: &api.LabelSelector{MatchLabels: web},
			Template: podTemplate(image),
		},
	}
}

func podTemplate(image string) api.PodTemplateSpec {
	return api.PodTemplateSpec{
		ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "app", Image: image}}},
	}
}

// setTemplate changes the Deployment's image, as kctl apply would.
func (f *fixture) setImage(t *testing.T, image string) {
	d := f.deployment(t)
	d.Spec.Template = podTemplate(image)
	d.Generation++
	f.deps.Add(d)
}

func (f *fixture) update(t *testing.T, change func(d *api.Deployment)) {
	d := f.deployment(t)
	change(d)
	d.Generation++
	f.deps.Add(d)
}

func condition(d *api.Deployment, typ string) string {
	for _, c := range d.Status.Conditions {
		if c.Type == typ {
			return fmt.Sprintf("%s %s", c.Status, c.Reason)
		}
	}
	return ""
}
