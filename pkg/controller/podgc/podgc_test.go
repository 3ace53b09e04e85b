package podgc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/controllertest"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// fakeNodes stands for the apiserver's nodes: it holds the nodes that
// exist there, which the cache may not show yet, and records each call.
type fakeNodes struct {
	mu    sync.Mutex
	names map[string]bool
	err   error
	Calls []string
}

var _ LiveNodes = (*fakeNodes)(nil)

func (f *fakeNodes) Get(_ context.Context, name string) (api.Object, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Calls = append(f.Calls, "get nodes "+name)
	switch {
	case f.err != nil:
		return nil, f.err
	case f.names[name]:
		return &api.Node{ObjectMeta: api.ObjectMeta{Name: name}}, nil
	}
	return nil, &api.Status{Code: http.StatusNotFound, Reason: "NotFound", Message: "node " + name + " not found"}
}

type fixture struct {
	c     *Controller
	pods  *controllertest.Lister
	nodes *controllertest.Lister
	live  *fakeNodes
	w     *controllertest.Writer
	rec   *controllertest.Recorder
	now   time.Time
}

func newFixture(opts Options, objs ...api.Object) *fixture {
	f := &fixture{
		pods:  controllertest.NewLister().AddIndex(controller.IndexNode, controller.NodeIndex),
		nodes: controllertest.NewLister(),
		live:  &fakeNodes{names: map[string]bool{}},
		w:     &controllertest.Writer{},
		rec:   &controllertest.Recorder{},
		now:   t0,
	}
	for _, obj := range objs {
		switch o := obj.(type) {
		case *api.Pod:
			f.pods.Add(o)
		case *api.Node:
			f.nodes.Add(o)
			f.live.names[o.Name] = true
		}
	}
	if opts.Clock == nil {
		opts.Clock = func() time.Time { return f.now }
	}
	f.c = New(f.pods, f.nodes, f.live, f.w, f.rec, nil, opts)
	return f
}

func node(name string) *api.Node { return &api.Node{ObjectMeta: api.ObjectMeta{Name: name}} }

func pod(name, nodeName string) *api.Pod {
	return &api.Pod{
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name, CreationTimestamp: api.NewTime(t0)},
		Spec:       api.PodSpec{NodeName: nodeName},
		Status:     api.PodStatus{Phase: api.PodRunning},
	}
}

func terminating(p *api.Pod) *api.Pod {
	at := api.NewTime(t0)
	p.DeletionTimestamp = &at
	return p
}

func TestOrphanedPods(t *testing.T) {
	tests := []struct {
		name        string
		node        string // the key synced is nodes/<node>
		objs        []api.Object
		liveOnly    []string      // nodes the apiserver has that the cache does not
		liveErr     error         // what the apiserver answers instead
		missingFor  time.Duration // time between the first and the second sync
		wantLive    []string
		wantWrites  []string
		wantEvents  int
		wantErr     bool
		wantMissing bool // the node is still in quarantine after the second sync
	}{
		{
			name:       "pods of an existing node are left alone",
			node:       "n1",
			objs:       []api.Object{node("n1"), pod("web", "n1")},
			missingFor: time.Hour,
		},
		{
			name:        "pods of a missing node wait out the quarantine",
			node:        "ghost",
			objs:        []api.Object{pod("web", "ghost")},
			missingFor:  39 * time.Second,
			wantMissing: true,
		},
		{
			name: "after the quarantine, pods of a node the apiserver does not have either are force-deleted, Terminating ones too",
			node: "ghost",
			objs: []api.Object{pod("web", "ghost"), terminating(pod("stuck", "ghost")), node("n1"), pod("other", "n1"),
				pod("pending", "")},
			missingFor: 40 * time.Second,
			wantLive:   []string{"get nodes ghost"},
			wantWrites: []string{"delete pods default/stuck", "delete pods default/web"},
			wantEvents: 2,
		},
		{
			name:       "a node the cache has not seen yet, but the apiserver has, keeps its pods",
			node:       "new",
			objs:       []api.Object{pod("web", "new")},
			liveOnly:   []string{"new"},
			missingFor: time.Minute,
			wantLive:   []string{"get nodes new"},
		},
		{
			name:        "when the apiserver cannot say, nothing is deleted",
			node:        "ghost",
			objs:        []api.Object{pod("web", "ghost")},
			liveErr:     errors.New("connection refused"),
			missingFor:  time.Minute,
			wantLive:    []string{"get nodes ghost"},
			wantErr:     true,
			wantMissing: true,
		},
		{
			name:       "a missing node without pods is nothing to do",
			node:       "ghost",
			objs:       []api.Object{pod("web", "n1"), node("n1")},
			missingFor: time.Hour,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(Options{}, tt.objs...)
			for _, n := range tt.liveOnly {
				f.live.names[n] = true
			}
			f.live.err = tt.liveErr
			key := nodeKey(tt.node)
			ctx := context.Background()
			if err := f.c.Sync(ctx, key); err != nil {
				t.Fatalf("first Sync: %v", err)
			}
			if len(f.w.Actions) > 0 || len(f.live.Calls) > 0 {
				t.Fatalf("the first look wrote %q and asked %q: the quarantine starts there", f.w.Strings(), f.live.Calls)
			}
			f.now = f.now.Add(tt.missingFor)
			err := f.c.Sync(ctx, key)
			if (err != nil) != tt.wantErr {
				t.Fatalf("second Sync: %v, want error %v", err, tt.wantErr)
			}
			if !slices.Equal(f.live.Calls, tt.wantLive) {
				t.Errorf("apiserver calls = %q, want %q", f.live.Calls, tt.wantLive)
			}
			if got := f.w.Strings(); !slices.Equal(got, tt.wantWrites) {
				t.Errorf("writes = %q, want %q", got, tt.wantWrites)
			}
			for _, a := range f.w.Actions {
				if g := a.Options.GracePeriodSeconds; g == nil || *g != 0 {
					t.Errorf("%s: grace %v, want 0", a, g)
				}
				if p := a.Options.Preconditions; p == nil || p.UID == nil || *p.UID != "uid-"+a.Name {
					t.Errorf("%s: preconditions %+v, want the pod's UID", a, p)
				}
			}
			if len(f.rec.Events) != tt.wantEvents {
				t.Errorf("events = %q, want %d", f.rec.Events, tt.wantEvents)
			}
			if _, missing := f.c.missing[tt.node]; missing != tt.wantMissing {
				t.Errorf("in quarantine = %v, want %v", missing, tt.wantMissing)
			}
		})
	}
}

func TestTerminatedPods(t *testing.T) {
	done := func(name string, age time.Duration, phase string) *api.Pod {
		p := pod(name, "n1")
		p.CreationTimestamp = api.NewTime(t0.Add(-age))
		p.Status.Phase = phase
		return p
	}
	evicted := done("evicted", time.Minute, api.PodFailed)
	evicted.Status.Reason = "Evicted"
	objs := []api.Object{node("n1"),
		done("old", 3*time.Hour, api.PodSucceeded), done("older", 4*time.Hour, api.PodFailed),
		done("new", time.Hour, api.PodSucceeded), evicted,
		done("running", 5*time.Hour, api.PodRunning)}
	tests := []struct {
		name       string
		threshold  int
		wantWrites []string
	}{
		{name: "under the threshold nothing goes", threshold: 4},
		{name: "past it, evicted pods first, then the oldest", threshold: 2,
			wantWrites: []string{"delete pods default/evicted", "delete pods default/older"}},
		{name: "threshold 0 turns it off", threshold: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(Options{TerminatedThreshold: tt.threshold}, objs...)
			if err := f.c.Sync(context.Background(), "terminated"); err != nil {
				t.Fatal(err)
			}
			if got := f.w.Strings(); !slices.Equal(got, tt.wantWrites) {
				t.Errorf("writes = %q, want %q", got, tt.wantWrites)
			}
			for _, a := range f.w.Actions {
				if g := a.Options.GracePeriodSeconds; g == nil || *g != 0 {
					t.Errorf("%s: grace %v, want 0", a, g)
				}
			}
		})
	}
}

func TestHandlers(t *testing.T) {
	finished := pod("finished", "n1")
	finished.Status.Phase = api.PodSucceeded
	tests := []struct {
		name      string
		threshold int
		feed      func(f *fixture)
		want      []string
	}{
		{name: "a pod of a node the cache lacks", feed: func(f *fixture) {
			f.c.PodHandler().OnAdd(pod("web", "ghost"))
			f.c.PodHandler().OnUpdate(pod("web", "ghost"), pod("web", "ghost"))
		}, want: []string{"nodes/ghost"}},
		{name: "pods of known nodes and unbound pods are not", feed: func(f *fixture) {
			f.c.PodHandler().OnAdd(pod("web", "n1"))
			f.c.PodHandler().OnAdd(pod("pending", ""))
		}},
		{name: "a terminated pod asks for a count", threshold: 10, feed: func(f *fixture) {
			f.c.PodHandler().OnUpdate(pod("finished", "n1"), finished)
		}, want: []string{"terminated"}},
		{name: "unless that is turned off", feed: func(f *fixture) {
			f.c.PodHandler().OnUpdate(pod("finished", "n1"), finished)
		}},
		{name: "a node deleted or added", feed: func(f *fixture) {
			f.c.NodeHandler().OnDelete(node("n1"))
			f.c.NodeHandler().OnAdd(node("n2"))
		}, want: []string{"nodes/n1", "nodes/n2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(Options{TerminatedThreshold: tt.threshold}, node("n1"))
			tt.feed(f)
			if got := controllertest.Drain(f.c.queue); !slices.Equal(got, tt.want) {
				t.Errorf("queued %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRunWaitsOutTheQuarantine runs the collector on the real clock with a
// short quarantine: the requeue after the quarantine is the queue's.
func TestRunWaitsOutTheQuarantine(t *testing.T) {
	pods := controllertest.NewLister().AddIndex(controller.IndexNode, controller.NodeIndex)
	w := &controllertest.Writer{}
	c := New(pods, controllertest.NewLister(), &fakeNodes{}, w, &controllertest.Recorder{}, nil,
		Options{Quarantine: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx, 1); close(done) }()
	defer func() { cancel(); <-done }()

	start := time.Now()
	stuck := terminating(pod("stuck", "ghost"))
	pods.Add(stuck)
	for range 5 { // informer updates meanwhile do not restart the quarantine
		c.PodHandler().OnAdd(stuck)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Equal(w.Strings(), []string{"delete pods default/stuck"}) {
		if time.Now().After(deadline) {
			t.Fatalf("writes = %q; the pod was never deleted", w.Strings())
		}
		time.Sleep(time.Millisecond)
	}
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Errorf("deleted after %v, before the quarantine was over", took)
	}
}

func TestDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	if o.Quarantine != 40*time.Second || o.TerminatedThreshold != 0 || o.Clock == nil {
		t.Errorf("defaults = %+v", o)
	}
	if got := fmt.Sprint(DefaultTerminatedThreshold); got != "12500" {
		t.Errorf("DefaultTerminatedThreshold = %s, want Kubernetes' 12500", got)
	}
}
