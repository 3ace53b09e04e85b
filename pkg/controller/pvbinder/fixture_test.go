package pvbinder

import (
	"context"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/controllertest"
)

// fixture is a controller over fake caches, a recording writer and a
// recording event recorder; apply plays the apiserver and the informers.
type fixture struct {
	claims, volumes, classes, pods, nodes *controllertest.Lister
	w                                     *controllertest.Writer
	rec                                   *controllertest.Recorder
	c                                     *Controller
	applied                               int // writes already applied
}

func newFixture(objs ...api.Object) *fixture {
	f := &fixture{
		claims:  controllertest.NewLister(),
		volumes: controllertest.NewLister(),
		classes: controllertest.NewLister(),
		pods:    controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		nodes:   controllertest.NewLister(),
		w:       &controllertest.Writer{},
		rec:     &controllertest.Recorder{},
	}
	for _, o := range objs {
		f.lister(o).Add(o)
	}
	f.c = New(f.claims, f.volumes, f.classes, f.pods, f.nodes, f.w, f.rec, nil)
	return f
}

func (f *fixture) lister(o api.Object) *controllertest.Lister {
	switch o.(type) {
	case *api.PersistentVolumeClaim:
		return f.claims
	case *api.PersistentVolume:
		return f.volumes
	case *api.StorageClass:
		return f.classes
	case *api.Pod:
		return f.pods
	case *api.Node:
		return f.nodes
	}
	panic("fixture: no lister for " + o.GetObjectMeta().Name)
}

// apply makes the writes recorded since the last apply reach the caches,
// as the apiserver would: an update keeps the stored status, a status
// update keeps the rest, and an update that removes the last finalizer
// of an object being deleted deletes it.
func (f *fixture) apply(t *testing.T) {
	t.Helper()
	for _, a := range f.w.Actions[f.applied:] {
		if f.w.Fail[a.Verb+" "+a.Resource] != nil {
			continue
		}
		key := a.Name
		if a.Namespace != "" {
			key = a.Namespace + "/" + a.Name
		}
		var l *controllertest.Lister
		if a.Object != nil {
			l = f.lister(a.Object)
		}
		switch a.Verb {
		case "update":
			obj := api.DeepCopy(a.Object)
			cur, _ := l.Get(key)
			setStatus(obj, cur)
			if m := obj.GetObjectMeta(); m.DeletionTimestamp != nil && len(m.Finalizers) == 0 {
				l.Delete(key)
				continue
			}
			l.Add(obj)
		case "updateStatus":
			cur, _ := l.Get(key)
			obj := api.DeepCopy(cur)
			setStatus(obj, a.Object)
			l.Add(obj)
		case "delete":
			if a.Resource == "persistentvolumes" {
				f.volumes.Delete(key)
			}
		default:
			t.Fatalf("apply: unexpected %s", a)
		}
	}
	f.applied = len(f.w.Actions)
}

// setStatus copies the status of from into obj.
func setStatus(obj, from api.Object) {
	switch o := obj.(type) {
	case *api.PersistentVolume:
		o.Status = from.(*api.PersistentVolume).Status
	case *api.PersistentVolumeClaim:
		o.Status = from.(*api.PersistentVolumeClaim).Status
	}
}

// settle syncs every claim and volume, applying the writes, until a round
// writes nothing.
func (f *fixture) settle(t *testing.T) {
	t.Helper()
	for round := 0; round < 10; round++ {
		before := len(f.w.Actions)
		var keys []string
		for _, o := range append(f.claims.List(), f.volumes.List()...) {
			keys = append(keys, client.KeyOf(o))
		}
		for _, k := range keys {
			if err := f.c.Sync(context.Background(), k); err != nil {
				t.Fatalf("Sync(%s): %v", k, err)
			}
			f.apply(t)
		}
		if len(f.w.Actions) == before {
			return
		}
	}
	t.Fatalf("no steady state after 10 rounds: %v", f.w.Strings())
}

func (f *fixture) claim(t *testing.T, key string) *api.PersistentVolumeClaim {
	t.Helper()
	obj, ok := f.claims.Get(key)
	if !ok {
		t.Fatalf("no claim %s", key)
	}
	return obj.(*api.PersistentVolumeClaim)
}

func (f *fixture) volume(t *testing.T, name string) *api.PersistentVolume {
	t.Helper()
	obj, ok := f.volumes.Get(name)
	if !ok {
		t.Fatalf("no volume %s", name)
	}
	return obj.(*api.PersistentVolume)
}

// Objects the tests start from.

func claim(name, size string, class *string) *api.PersistentVolumeClaim {
	return &api.PersistentVolumeClaim{
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name, Finalizers: []string{api.PVCProtectionFinalizer}},
		Spec: api.PersistentVolumeClaimSpec{AccessModes: []string{api.ReadWriteOnce}, StorageClassName: class,
			Resources: api.VolumeResourceRequirements{Requests: api.ResourceList{api.ResourceStorage: api.MustParse(size)}}},
		Status: api.PersistentVolumeClaimStatus{Phase: api.ClaimPending},
	}
}

func volume(name, size, class string) *api.PersistentVolume {
	return &api.PersistentVolume{
		ObjectMeta: api.ObjectMeta{Name: name, Finalizers: []string{api.PVProtectionFinalizer}},
		Spec: api.PersistentVolumeSpec{
			Capacity:                      api.ResourceList{api.ResourceStorage: api.MustParse(size)},
			AccessModes:                   []string{api.ReadWriteOnce},
			PersistentVolumeSource:        api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/data/" + name}},
			PersistentVolumeReclaimPolicy: api.ReclaimRetain,
			StorageClassName:              class,
		},
		Status: api.PersistentVolumeStatus{Phase: api.VolumeAvailable},
	}
}

// boundPair is a claim and a volume bound to each other.
func boundPair(claimName, volumeName, policy string) (*api.PersistentVolumeClaim, *api.PersistentVolume) {
	c, pv := claim(claimName, "1Gi", api.String("")), volume(volumeName, "1Gi", "")
	c.Spec.VolumeName = volumeName
	c.Annotations = map[string]string{api.BindCompletedAnnotation: "yes", api.BoundByControllerAnnotation: "yes"}
	c.Status = api.PersistentVolumeClaimStatus{Phase: api.ClaimBound, AccessModes: []string{api.ReadWriteOnce},
		Capacity: api.ResourceList{api.ResourceStorage: api.MustParse("1Gi")}}
	pv.Spec.ClaimRef = &api.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: "default", Name: claimName, UID: c.UID}
	pv.Spec.PersistentVolumeReclaimPolicy = policy
	pv.Annotations = map[string]string{api.BoundByControllerAnnotation: "yes"}
	pv.Status.Phase = api.VolumeBound
	return c, pv
}

func class(name, provisioner, mode string) *api.StorageClass {
	return &api.StorageClass{ObjectMeta: api.ObjectMeta{Name: name}, Provisioner: provisioner,
		ReclaimPolicy: api.String(api.ReclaimDelete), VolumeBindingMode: api.String(mode)}
}

func deleting(o api.Object) api.Object {
	at := api.NewTime(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	o.GetObjectMeta().DeletionTimestamp = &at
	return o
}

func podWith(name, claimName, phase string) *api.Pod {
	return &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name},
		Spec: api.PodSpec{Volumes: []api.Volume{{Name: "data", VolumeSource: api.VolumeSource{
			PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: claimName}}}}},
		Status: api.PodStatus{Phase: phase}}
}
