package garbagecollector

import (
	"context"
	"slices"
	"testing"

	"kubelab/pkg/api"
)

func replicaSet(name, uid string) *api.ReplicaSet {
	return &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: uid, ResourceVersion: "12"}}
}

// deleting marks obj as deleted by the apiserver with finalizer.
func deleting[T api.Object](obj T, finalizer string) T {
	m := obj.GetObjectMeta()
	now := api.Now()
	m.DeletionTimestamp = &now
	m.Finalizers = append(m.Finalizers, finalizer)
	return obj
}

func ownerRef(kind, name, uid string) api.OwnerReference {
	apiVersion := "apps/v1"
	if kind == "ReplicationController" {
		apiVersion = "v1"
	}
	return api.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid,
		Controller: api.Bool(true), BlockOwnerDeletion: api.Bool(true)}
}

func pod(name string, owners ...api.OwnerReference) *api.Pod {
	return &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name, OwnerReferences: owners}}
}

func TestBackground(t *testing.T) {
	web := ownerRef("ReplicaSet", "web", "uid-web")
	tests := []struct {
		name      string
		cached    []api.Object
		liveOnly  []api.Object
		key       string
		wantLive  []string // calls to the apiserver itself
		wantWrite []string
		wantPatch string
	}{
		{
			name:      "a dependent whose owner is gone is deleted",
			cached:    []api.Object{pod("web-1", web)},
			key:       "pods/default/web-1",
			wantLive:  []string{"get replicasets default/web"},
			wantWrite: []string{"delete pods default/web-1"},
		},
		{
			name:   "a dependent whose owner is in the cache is left alone, without asking the apiserver",
			cached: []api.Object{replicaSet("web", "uid-web"), pod("web-1", web)},
			key:    "pods/default/web-1",
		},
		{
			name:     "an owner the cache has not seen yet, but the apiserver has, keeps its dependent",
			cached:   []api.Object{pod("web-1", web)},
			liveOnly: []api.Object{replicaSet("web", "uid-web")},
			key:      "pods/default/web-1",
			wantLive: []string{"get replicasets default/web"},
		},
		{
			name:      "a new owner of the same name is not the owner",
			cached:    []api.Object{replicaSet("web", "uid-web-2"), pod("web-1", web)},
			key:       "pods/default/web-1",
			wantLive:  []string{"get replicasets default/web"},
			wantWrite: []string{"delete pods default/web-1"},
		},
		{
			name:      "a dependent with a live owner left only loses the dangling reference",
			cached:    []api.Object{replicaSet("web", "uid-web"), pod("web-1", web, ownerRef("ReplicationController", "old", "uid-old"))},
			key:       "pods/default/web-1",
			wantLive:  []string{"get replicationcontrollers default/old"},
			wantWrite: []string{"patch pods default/web-1"},
			wantPatch: `{"metadata":{"ownerReferences":[{"$patch":"delete","uid":"uid-old"}]}}`,
		},
		{
			name:   "an owner of a kind kubelab does not serve is never judged gone",
			cached: []api.Object{pod("web-1", api.OwnerReference{APIVersion: "example.com/v1", Kind: "Widget", Name: "w", UID: "uid-w"})},
			key:    "pods/default/web-1",
		},
		{
			name:   "an object without owners is none of the collector's business",
			cached: []api.Object{pod("bare")},
			key:    "pods/default/bare",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.cached, tt.liveOnly...)
			if err := f.c.Sync(context.Background(), tt.key); err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if !slices.Equal(f.live.Calls, tt.wantLive) {
				t.Errorf("apiserver calls = %q, want %q", f.live.Calls, tt.wantLive)
			}
			if got := f.w.Strings(); !slices.Equal(got, tt.wantWrite) {
				t.Fatalf("writes = %q, want %q", got, tt.wantWrite)
			}
			for _, a := range f.w.Actions {
				switch a.Verb {
				case "delete":
					if p := a.Options.PropagationPolicy; p == nil || *p != api.DeletePropagationBackground {
						t.Errorf("%s: propagation %v, want Background", a, p)
					}
					if pc := a.Options.Preconditions; pc == nil || *pc.UID != "uid-"+a.Name {
						t.Errorf("%s: want a UID precondition", a)
					}
				case "patch":
					if a.Patch != tt.wantPatch {
						t.Errorf("patch = %s, want %s", a.Patch, tt.wantPatch)
					}
				}
			}
		})
	}
}

func TestOrphan(t *testing.T) {
	web := ownerRef("ReplicaSet", "web", "uid-web")
	rs := deleting(replicaSet("web", "uid-web"), api.FinalizerOrphanDependents)
	f := newFixture([]api.Object{rs, pod("web-1", web), pod("web-2", web), pod("other")})
	if err := f.c.Sync(context.Background(), "replicasets/default/web"); err != nil {
		t.Fatal(err)
	}
	want := []string{"patch pods default/web-1", "patch pods default/web-2", "patch replicasets default/web"}
	if got := f.w.Strings(); !slices.Equal(got, want) {
		t.Fatalf("writes = %q, want %q", got, want)
	}
	wantPatches := []string{
		`{"metadata":{"ownerReferences":[{"$patch":"delete","uid":"uid-web"}]}}`,
		`{"metadata":{"ownerReferences":[{"$patch":"delete","uid":"uid-web"}]}}`,
		`{"metadata":{"finalizers":[],"resourceVersion":"12"}}`,
	}
	for i, a := range f.w.Actions {
		if a.Patch != wantPatches[i] {
			t.Errorf("%s: patch %s, want %s", a, a.Patch, wantPatches[i])
		}
	}
	if want := []string{"Normal OrphanedDependents Removed the owner reference from 2 dependents"}; !slices.Equal(f.rec.Events, want) {
		t.Errorf("events = %q, want %q", f.rec.Events, want)
	}
}

func TestForeground(t *testing.T) {
	web := ownerRef("ReplicaSet", "web", "uid-web")
	rs := deleting(replicaSet("web", "uid-web"), api.FinalizerDeleteDependents)
	stopping := deleting(pod("web-2", web), "example.com/hold") // its kubelet is stopping it
	shared := pod("web-3", web, ownerRef("ReplicationController", "old", "uid-old"))
	f := newFixture([]api.Object{rs, pod("web-1", web), stopping, shared})
	ctx := context.Background()

	// First: dependents are deleted, the owner stays.
	if err := f.c.Sync(ctx, "replicasets/default/web"); err != nil {
		t.Fatal(err)
	}
	want := []string{"delete pods default/web-1", "patch pods default/web-3"}
	if got := f.w.Strings(); !slices.Equal(got, want) {
		t.Fatalf("writes = %q, want %q", got, want)
	}
	if p := f.w.Actions[0].Options.PropagationPolicy; *p != api.DeletePropagationBackground {
		t.Errorf("dependents deleted with %s, want Background", *p)
	}

	// While one dependent is left, the finalizer stays.
	f.caches["pods"].Delete("default/web-1")
	f.caches["pods"].Delete("default/web-3")
	f.w.Reset()
	if err := f.c.Sync(ctx, "replicasets/default/web"); err != nil {
		t.Fatal(err)
	}
	if got := f.w.Strings(); len(got) != 0 {
		t.Fatalf("writes while a dependent is left = %q, want none", got)
	}

	// None left: the finalizer goes.
	f.caches["pods"].Delete("default/web-2")
	if err := f.c.Sync(ctx, "replicasets/default/web"); err != nil {
		t.Fatal(err)
	}
	if got, want := f.w.Strings(), []string{"patch replicasets default/web"}; !slices.Equal(got, want) {
		t.Fatalf("writes = %q, want %q", got, want)
	}
	if got, want := f.w.Actions[0].Patch, `{"metadata":{"finalizers":[],"resourceVersion":"12"}}`; got != want {
		t.Errorf("patch = %s, want %s", got, want)
	}
}

func TestHandlers(t *testing.T) {
	web := ownerRef("ReplicaSet", "web", "uid-web")
	rs := replicaSet("web", "uid-web")
	f := newFixture([]api.Object{pod("web-1", web), pod("web-2", web), pod("other")})

	// An owner deleted: its dependents are looked at.
	f.c.Handler("replicasets").OnDelete(rs)
	if got, want := f.queued(), []string{"pods/default/web-1", "pods/default/web-2"}; !slices.Equal(got, want) {
		t.Errorf("after an owner's delete, queued %q, want %q", got, want)
	}

	// A dependent deleted: its owner is looked at (it may wait for it).
	f.c.Handler("pods").OnDelete(pod("web-1", web))
	if got, want := f.queued(), []string{"replicasets/default/web"}; !slices.Equal(got, want) {
		t.Errorf("after a dependent's delete, queued %q, want %q", got, want)
	}

	// A status update changes nothing the collector reads.
	old, updated := pod("web-1", web), pod("web-1", web)
	updated.Status.Phase = api.PodRunning
	f.c.Handler("pods").OnUpdate(old, updated)
	if got := f.queued(); len(got) != 0 {
		t.Errorf("after a status update, queued %q, want nothing", got)
	}

	// An owner marked for deletion with a finalizer is looked at.
	f.c.Handler("replicasets").OnUpdate(rs, deleting(replicaSet("web", "uid-web"), api.FinalizerOrphanDependents))
	if got, want := f.queued(), []string{"replicasets/default/web"}; !slices.Equal(got, want) {
		t.Errorf("after an orphan delete, queued %q, want %q", got, want)
	}
}
