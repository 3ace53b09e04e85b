package client

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"kubelab/pkg/api"
)

// recorder is a Handler that writes down what it was told.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) handler() Handler {
	add := func(s string) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, s)
	}
	return Handler{
		OnAdd:    func(obj api.Object) { add("add " + KeyOf(obj)) },
		OnUpdate: func(old, new api.Object) { add("update " + KeyOf(new)) },
		OnDelete: func(obj api.Object) { add("delete " + KeyOf(obj)) },
	}
}

// expect waits until the handler has heard exactly want since the last
// call, then forgets it.
func (r *recorder) expect(t *testing.T, want ...string) {
	t.Helper()
	waitFor(t, strings.Join(want, ", "), func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.got) >= len(want)
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Equal(r.got, want) {
		t.Errorf("handlers heard %q, want %q", r.got, want)
	}
	r.got = nil
}

// startInformer runs an informer for pods until the test ends.
func startInformer(t *testing.T, c *Client, opts ListOptions, setup func(*Informer)) (*Informer, *recorder) {
	t.Helper()
	podsRes, _ := api.Lookup("pods")
	inf := NewInformer(c.Resource(podsRes), opts, nil)
	rec := &recorder{}
	inf.AddHandler(rec.handler())
	if setup != nil {
		setup(inf)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		inf.Run(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done // Run returns once ctx is done
	})
	if !WaitForSync(ctx, inf) {
		t.Fatal("informer did not sync")
	}
	return inf, rec
}

func TestInformerListsThenWatches(t *testing.T) {
	f, c := newFakeAPIServer(t)
	ctx := context.Background()
	f.seed("pods", testPod("default", "b", ""))
	f.seed("pods", testPod("default", "a", ""))

	inf, rec := startInformer(t, c, ListOptions{}, nil)
	rec.expect(t, "add default/a", "add default/b")
	if !inf.HasSynced() {
		t.Error("HasSynced = false after WaitForSync")
	}

	pods := c.For(testPod("default", "", ""))
	pods.Create(ctx, testPod("default", "c", ""))
	a, _ := inf.Get("default/a")
	a = api.DeepCopy(a.(*api.Pod))
	a.GetObjectMeta().Labels = map[string]string{"app": "x"}
	pods.Update(ctx, a)
	pods.Delete(ctx, "b", nil)
	rec.expect(t, "add default/c", "update default/a", "delete default/b")

	var keys []string
	for _, obj := range inf.List() {
		keys = append(keys, KeyOf(obj))
	}
	if !slices.Equal(keys, []string{"default/a", "default/c"}) {
		t.Errorf("List = %v", keys)
	}
	if got, ok := inf.Get("default/a"); !ok || got.GetObjectMeta().Labels["app"] != "x" {
		t.Errorf("Get(default/a) = %v, %v; want the updated pod", got, ok)
	}
	if inf.LastResourceVersion() != f.resourceVersion() {
		t.Errorf("LastResourceVersion = %s, want %s", inf.LastResourceVersion(), f.resourceVersion())
	}

	// A bookmark moves the version along and tells no handler.
	f.bookmark("1000")
	waitFor(t, "the bookmark", func() bool { return inf.LastResourceVersion() == "1000" })
	rec.expect(t)
}

func TestInformerRecovers(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(f *fakeAPIServer)
	}{
		{name: "410 Gone", break_: (*fakeAPIServer).expire},
		{name: "dropped stream", break_: (*fakeAPIServer).dropWatches},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFakeAPIServer(t)
			f.seed("pods", testPod("default", "a", ""))
			f.seed("pods", testPod("default", "b", ""))
			inf, rec := startInformer(t, c, ListOptions{}, nil)
			rec.expect(t, "add default/a", "add default/b")
			waitFor(t, "the watch", func() bool { return f.numWatches() == 1 })

			// Changes the watch never reports, then the watch breaks.
			f.unseed("pods", "default", "a")
			f.seed("pods", testPod("default", "b", "n1"))
			f.seed("pods", testPod("default", "c", ""))
			tt.break_(f)

			// The re-list tells the handlers the difference, deletions too.
			rec.expect(t, "update default/b", "add default/c", "delete default/a")
			if _, ok := inf.Get("default/a"); ok {
				t.Error("default/a is still cached")
			}
			// And it watches again from the new list.
			waitFor(t, "the new watch", func() bool { return f.numWatches() == 1 })
			c.For(testPod("default", "", "")).Create(context.Background(), testPod("default", "d", ""))
			rec.expect(t, "add default/d")
			if inf.LastResourceVersion() != f.resourceVersion() {
				t.Errorf("LastResourceVersion = %s, want %s", inf.LastResourceVersion(), f.resourceVersion())
			}
		})
	}
}

func TestInformerRetriesFailedList(t *testing.T) {
	f, c := newFakeAPIServer(t)
	f.seed("pods", testPod("default", "a", ""))
	f.failLists = 2
	_, rec := startInformer(t, c, ListOptions{}, nil)
	rec.expect(t, "add default/a")
	lists := slices.DeleteFunc(f.requestsMatching("GET /api/v1/pods"), func(r string) bool { return strings.Contains(r, "watch=true") })
	if len(lists) != 3 {
		t.Errorf("lists = %v, want two failures and a success", lists)
	}
}

func TestInformerSendsSelectors(t *testing.T) {
	f, c := newFakeAPIServer(t)
	startInformer(t, c, ListOptions{LabelSelector: "app=web", FieldSelector: "spec.nodeName=n1"}, nil)
	waitFor(t, "the watch", func() bool { return f.numWatches() == 1 })
	list := f.requestsMatching("GET /api/v1/pods?")
	if len(list) != 2 {
		t.Fatalf("requests = %v, want a list and a watch", list)
	}
	for _, want := range []string{"labelSelector=app%3Dweb", "fieldSelector=spec.nodeName%3Dn1"} {
		for _, r := range list {
			if !strings.Contains(r, want) {
				t.Errorf("request %s lacks %s", r, want)
			}
		}
	}
	if w := list[1]; !strings.Contains(w, "watch=true") || !strings.Contains(w, "allowWatchBookmarks=true") || !strings.Contains(w, "resourceVersion=0") {
		t.Errorf("watch request = %s", w)
	}
}

func TestInformerIndex(t *testing.T) {
	f, c := newFakeAPIServer(t)
	ctx := context.Background()
	f.seed("pods", testPod("default", "a", "n1"))
	f.seed("pods", testPod("default", "b", "n2"))
	f.seed("pods", testPod("other", "c", "n1"))
	byNode := func(obj api.Object) []string { return []string{obj.(*api.Pod).Spec.NodeName} }
	inf, rec := startInformer(t, c, ListOptions{}, func(inf *Informer) { inf.AddIndex("node", byNode) })
	rec.expect(t, "add default/a", "add default/b", "add other/c")

	keys := func(objs []api.Object) []string {
		var out []string
		for _, o := range objs {
			out = append(out, KeyOf(o))
		}
		return out
	}
	check := func(value string, want ...string) {
		t.Helper()
		if got := keys(inf.ByIndex("node", value)); !slices.Equal(got, want) {
			t.Errorf("ByIndex(node, %s) = %v, want %v", value, got, want)
		}
	}
	check("n1", "default/a", "other/c")
	check("n2", "default/b")

	a, _ := inf.Get("default/a")
	moved := api.DeepCopy(a.(*api.Pod))
	moved.Spec.NodeName = "n2"
	c.For(moved).Update(ctx, moved)
	c.For(moved).Delete(ctx, "b", nil)
	rec.expect(t, "update default/a", "delete default/b")
	check("n1", "other/c")
	check("n2", "default/a")
	check("n3")
	if got := inf.ByIndex("no such index", "n1"); len(got) != 0 {
		t.Errorf("unknown index gave %v", keys(got))
	}
}

func TestKeys(t *testing.T) {
	node := &api.Node{}
	node.Name = "n1"
	tests := []struct {
		name      string
		obj       api.Object
		key       string
		ns, oname string
	}{
		{name: "namespaced", obj: testPod("default", "a", ""), key: "default/a", ns: "default", oname: "a"},
		{name: "cluster-scoped", obj: node, key: "n1", ns: "", oname: "n1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KeyOf(tt.obj); got != tt.key {
				t.Errorf("KeyOf = %q, want %q", got, tt.key)
			}
			if ns, name := SplitKey(tt.key); ns != tt.ns || name != tt.oname {
				t.Errorf("SplitKey(%q) = %q, %q", tt.key, ns, name)
			}
		})
	}
}
