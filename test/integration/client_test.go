package integration

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

func configMap(name string) *api.ConfigMap {
	return &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "it"}},
		Data: map[string]string{"k": "v"}}
}

func TestClientAgainstAPIServer(t *testing.T) {
	cp := startControlPlane(t)
	c := cp.client()
	ctx := t.Context()
	cms := c.Resource(mustLookup(t, "configmaps")).Namespace("default")

	created, err := cms.Create(ctx, configMap("a"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Create(ctx, configMap("a")); !client.IsAlreadyExists(err) {
		t.Fatalf("second create: %v", err)
	}
	stale := api.DeepCopy(created).(*api.ConfigMap)
	created.(*api.ConfigMap).Data["k"] = "w"
	if _, err := cms.Update(ctx, created); err != nil {
		t.Fatal(err)
	}
	stale.Data["k"] = "x"
	if _, err := cms.Update(ctx, stale); !client.IsConflict(err) {
		t.Fatalf("stale update: %v, want a conflict", err)
	}
	if _, err := cms.Get(ctx, "nope"); !client.IsNotFound(err) {
		t.Fatalf("get missing: %v", err)
	}
	bad := configMap("Not_Valid")
	if _, err := cms.Create(ctx, bad); !client.IsInvalid(err) {
		t.Fatalf("invalid create: %v", err)
	}
	items, rv, err := cms.List(ctx, client.ListOptions{LabelSelector: "app=it"})
	if err != nil || len(items) != 1 || rv == "" {
		t.Fatalf("list: %d items, rv %q, %v", len(items), rv, err)
	}
}

// A watch from a revision etcd has compacted gets 410 Gone from the real
// apiserver, which the client reports as such.
func TestWatchFromCompactedRevisionIsGone(t *testing.T) {
	cp := startControlPlane(t)
	c := cp.client()
	ctx := t.Context()
	cms := c.Resource(mustLookup(t, "configmaps")).Namespace("default")
	first, err := cms.Create(ctx, configMap("a"))
	if err != nil {
		t.Fatal(err)
	}
	var last api.Object
	for i := 0; i < 5; i++ {
		if last, err = cms.Create(ctx, configMap(fmt.Sprintf("b%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	rev, _ := strconv.ParseInt(last.GetObjectMeta().ResourceVersion, 10, 64)
	if err := cp.store.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	w, err := cms.Watch(ctx, client.ListOptions{ResourceVersion: first.GetObjectMeta().ResourceVersion})
	if err != nil && !client.IsGone(err) {
		t.Fatal(err)
	}
	if err == nil {
		for range w.ResultChan() {
		}
		if !client.IsGone(w.Err()) {
			t.Fatalf("watch ended with %v, want 410 Gone", w.Err())
		}
	}
}

// An informer whose apiserver goes away and comes back (with changes made
// meanwhile, and the history it was watching from compacted) converges to
// the store's state, delivering the deletions it missed.
func TestInformerRecoversAcrossApiserverRestart(t *testing.T) {
	cp := startControlPlane(t)
	c := cp.client()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cms := c.Resource(mustLookup(t, "configmaps")).Namespace("default")
	for _, n := range []string{"keep", "gone"} {
		if _, err := cms.Create(ctx, configMap(n)); err != nil {
			t.Fatal(err)
		}
	}
	inf := client.NewInformer(c.Resource(mustLookup(t, "configmaps")), client.ListOptions{}, zap.NewNop())
	var mu sync.Mutex
	deleted := map[string]bool{}
	inf.AddHandler(client.Handler{OnDelete: func(obj api.Object) {
		mu.Lock()
		deleted[obj.GetObjectMeta().Name] = true
		mu.Unlock()
	}})
	go inf.Run(ctx)
	if !inf.WaitForSync(ctx) {
		t.Fatal("informer did not sync")
	}

	cp.stopAPIServer()
	// While the informer's apiserver is down, change things through a
	// second apiserver on the same etcd, then compact the history.
	other := startSecondAPIServer(t, cp)
	o := other.Resource(mustLookup(t, "configmaps")).Namespace("default")
	if err := o.Delete(ctx, "gone", nil); err != nil {
		t.Fatal(err)
	}
	added, err := o.Create(ctx, configMap("new"))
	if err != nil {
		t.Fatal(err)
	}
	rev, _ := strconv.ParseInt(added.GetObjectMeta().ResourceVersion, 10, 64)
	if err := cp.store.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	cp.startAPIServer()

	eventually(t, "the informer to see the new object and miss the deleted one", func() bool {
		_, hasNew := inf.Get("default/new")
		_, hasGone := inf.Get("default/gone")
		return hasNew && !hasGone
	})
	mu.Lock()
	defer mu.Unlock()
	if !deleted["gone"] {
		t.Fatal("the informer did not deliver the deletion it missed")
	}
}

func mustLookup(t *testing.T, name string) api.Resource {
	t.Helper()
	r, ok := api.Lookup(name)
	if !ok {
		t.Fatalf("no resource %s", name)
	}
	return r
}
