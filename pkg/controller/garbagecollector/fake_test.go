package garbagecollector

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/controllertest"
)

// fakeLive stands for the apiserver: it holds the true state, which the
// caches of a test may lag behind, and records every call.
type fakeLive struct {
	mu    sync.Mutex
	objs  map[string]api.Object // "resource/namespace/name" → object
	Calls []string
}

var _ LiveClient = (*fakeLive)(nil)

func (f *fakeLive) add(obj api.Object) {
	res, _ := api.ResourceOf(obj)
	m := obj.GetObjectMeta()
	f.objs[res.Name+"/"+m.Namespace+"/"+m.Name] = obj
}

func (f *fakeLive) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Calls = append(f.Calls, fmt.Sprintf(format, args...))
}

func (f *fakeLive) Get(_ context.Context, res api.Resource, namespace, name string) (api.Object, error) {
	f.record("get %s %s/%s", res.Name, namespace, name)
	if obj, ok := f.objs[res.Name+"/"+namespace+"/"+name]; ok {
		return obj, nil
	}
	return nil, &api.Status{Code: http.StatusNotFound, Reason: "NotFound", Message: name + " not found"}
}

func (f *fakeLive) List(_ context.Context, res api.Resource, namespace string) ([]api.Object, error) {
	f.record("list %s %s", res.Name, namespace)
	var out []api.Object
	for _, obj := range f.objs {
		if r, _ := api.ResourceOf(obj); r.Name == res.Name && obj.GetObjectMeta().Namespace == namespace {
			out = append(out, obj)
		}
	}
	slices.SortFunc(out, func(a, b api.Object) int { return strings.Compare(client.KeyOf(a), client.KeyOf(b)) })
	return out, nil
}

func (f *fakeLive) FinalizeNamespace(_ context.Context, name string, finalizers []string) error {
	f.record("finalize %s %q", name, finalizers)
	return nil
}

// cachedKinds are the caches a test collector has, as cmd/controller
// gives it.
var cachedKinds = []string{"pods", "replicasets", "replicationcontrollers", "daemonsets"}

type fixture struct {
	c          *Controller
	w          *controllertest.Writer
	rec        *controllertest.Recorder
	live       *fakeLive
	caches     map[string]*controllertest.Lister
	namespaces *controllertest.Lister
}

// newFixture returns a collector whose caches and apiserver both hold
// cached; liveOnly objects are on the apiserver but not (yet) in a cache.
func newFixture(cached []api.Object, liveOnly ...api.Object) *fixture {
	f := &fixture{
		w:          &controllertest.Writer{},
		rec:        &controllertest.Recorder{},
		live:       &fakeLive{objs: map[string]api.Object{}},
		caches:     map[string]*controllertest.Lister{},
		namespaces: controllertest.NewLister(),
	}
	objects := map[string]controller.Lister{}
	for _, name := range cachedKinds {
		l := controllertest.NewLister().
			AddIndex(controller.IndexOwner, controller.OwnerIndex).
			AddIndex(controller.IndexNamespace, controller.NamespaceIndex)
		f.caches[name], objects[name] = l, l
	}
	for _, obj := range cached {
		f.live.add(obj)
		res, _ := api.ResourceOf(obj)
		switch {
		case res.Name == "namespaces":
			f.namespaces.Add(obj)
		case f.caches[res.Name] != nil:
			f.caches[res.Name].Add(obj)
		}
	}
	for _, obj := range liveOnly {
		f.live.add(obj)
	}
	f.c = New(objects, f.namespaces, f.w, f.live, f.rec, nil)
	return f
}

// queued drains the queue and returns its keys, sorted.
func (f *fixture) queued() []string { return controllertest.Drain(f.c.queue) }

// remove deletes an object from the apiserver and from its cache, as the
// apiserver and then the informer would after a delete.
func (f *fixture) remove(res, namespace, name string) {
	f.live.mu.Lock()
	delete(f.live.objs, res+"/"+namespace+"/"+name)
	f.live.mu.Unlock()
	if cache := f.caches[res]; cache != nil {
		cache.Delete(namespace + "/" + name)
	}
}
