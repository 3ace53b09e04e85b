package garbagecollector

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

func namespace(name string, terminating bool, finalizers ...string) *api.Namespace {
	ns := &api.Namespace{ObjectMeta: api.ObjectMeta{Name: name, UID: "uid-" + name}, Spec: api.NamespaceSpec{Finalizers: finalizers}}
	ns.Status.Phase = api.NamespaceActive
	if terminating {
		now := api.Now()
		ns.DeletionTimestamp = &now
		ns.Status.Phase = api.NamespaceTerminating
	}
	return ns
}

func in[T api.Object](ns string, obj T) T {
	obj.GetObjectMeta().Namespace = ns
	return obj
}

func TestNamespace(t *testing.T) {
	shop := namespace("shop", true, "kubernetes")
	boundPod := in("shop", pod("web-1"))
	boundPod.Spec.NodeName = "n1"
	stopping := in("shop", pod("web-2"))
	now := api.Now()
	stopping.DeletionTimestamp = &now // its kubelet is stopping it

	tests := []struct {
		name       string
		cached     []api.Object
		liveOnly   []api.Object
		wantWrites []string
		wantFinal  bool
		wantEvents []string
	}{
		{
			name: "a terminating namespace has its content deleted, cached and not, and is not finalized yet",
			cached: []api.Object{shop, boundPod, in("shop", replicaSet("web", "uid-web")),
				in("default", pod("elsewhere"))},
			liveOnly: []api.Object{
				&api.ConfigMap{ObjectMeta: api.ObjectMeta{Namespace: "shop", Name: "cfg", UID: "uid-cfg"}},
				&api.Service{ObjectMeta: api.ObjectMeta{Namespace: "shop", Name: "web", UID: "uid-svc"}},
			},
			wantWrites: []string{"delete pods shop/web-1", "delete services shop/web", "delete configmaps shop/cfg", "delete replicasets shop/web"},
			wantEvents: []string{"Normal DeletingContent Deleting 1 pods, 1 services, 1 configmaps, 1 replicasets"},
		},
		{
			name:   "a pod still stopping holds the namespace; it is not deleted again",
			cached: []api.Object{shop, stopping},
		},
		{
			name:       "an empty namespace is finalized",
			cached:     []api.Object{shop, in("default", pod("elsewhere"))},
			wantFinal:  true,
			wantWrites: nil,
		},
		{
			name:       "something the caches have not seen yet is found by the final check",
			cached:     []api.Object{shop},
			liveOnly:   []api.Object{in("shop", pod("late"))},
			wantWrites: []string{"delete pods shop/late"},
			wantEvents: []string{"Normal DeletingContent Deleting 1 pods"},
		},
		{
			name:   "a namespace that is not being deleted is left alone",
			cached: []api.Object{namespace("shop", false, "kubernetes"), in("shop", pod("web-1"))},
		},
		{
			name:   "a namespace finalized already is left alone",
			cached: []api.Object{namespace("shop", true), in("shop", pod("web-1"))},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.cached, tt.liveOnly...)
			if err := f.c.Sync(context.Background(), "namespaces/shop"); err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if got := f.w.Strings(); !slices.Equal(got, tt.wantWrites) {
				t.Fatalf("writes = %q, want %q", got, tt.wantWrites)
			}
			for _, a := range f.w.Actions {
				if a.Options.GracePeriodSeconds != nil {
					t.Errorf("%s: grace %d, want the object's own", a, *a.Options.GracePeriodSeconds)
				}
			}
			finalized := slices.ContainsFunc(f.live.Calls, func(c string) bool { return strings.HasPrefix(c, "finalize") })
			if finalized != tt.wantFinal {
				t.Errorf("finalized = %v, want %v (apiserver calls %q)", finalized, tt.wantFinal, f.live.Calls)
			}
			if tt.wantFinal && !slices.Contains(f.live.Calls, `finalize shop []`) {
				t.Errorf("apiserver calls = %q, want finalize shop with no finalizers", f.live.Calls)
			}
			if !slices.Equal(f.rec.Events, tt.wantEvents) {
				t.Errorf("events = %q, want %q", f.rec.Events, tt.wantEvents)
			}
		})
	}
}

func TestNamespaceHandler(t *testing.T) {
	f := newFixture([]api.Object{namespace("shop", true, "kubernetes"), namespace("live", false, "kubernetes")})
	h := f.c.NamespaceHandler()
	h.OnAdd(namespace("shop", true, "kubernetes"))
	h.OnUpdate(namespace("live", false), namespace("live", false))
	if got, want := f.queued(), []string{"namespaces/shop"}; !slices.Equal(got, want) {
		t.Errorf("queued %q, want %q", got, want)
	}

	// A pod of a terminating namespace going away brings the namespace back.
	f.c.Handler("pods").OnDelete(in("shop", pod("web-1")))
	f.c.Handler("pods").OnDelete(in("live", pod("web-1")))
	if got, want := f.queued(), []string{"namespaces/shop"}; !slices.Equal(got, want) {
		t.Errorf("queued %q, want %q", got, want)
	}
}

// TestDeletingDefaultEnds: events about a Namespace are stored in
// "default". Emptying "default" itself must not delete the controller's
// own event and record a new one at every pass, for ever.
func TestDeletingDefaultEnds(t *testing.T) {
	def := namespace("default", true, "kubernetes")
	f := newFixture([]api.Object{def, in("default", replicaSet("web", "uid-web")),
		&api.ConfigMap{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "cfg", UID: "uid-cfg"}}})
	ctx := context.Background()
	written := 0 // events written to the apiserver so far
	for pass := 1; pass <= 10; pass++ {
		if err := f.c.Sync(ctx, "namespaces/default"); err != nil {
			t.Fatalf("pass %d: %v", pass, err)
		}
		if slices.ContainsFunc(f.live.Calls, func(c string) bool { return strings.HasPrefix(c, "finalize default") }) {
			if len(f.rec.Events) != 1 {
				t.Errorf("events = %q, want the one DeletingContent", f.rec.Events)
			}
			return
		}
		// What the apiserver and the event recorder do between passes:
		// deleted objects go, recorded events are written to "default".
		for _, a := range f.w.Actions {
			f.remove(a.Resource, a.Namespace, a.Name)
		}
		f.w.Reset()
		for ; written < len(f.rec.Events); written++ {
			f.live.add(&api.Event{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: fmt.Sprintf("default.%d", written)}})
		}
	}
	t.Fatalf("default was not finalized after 10 passes; events %q", f.rec.Events)
}
