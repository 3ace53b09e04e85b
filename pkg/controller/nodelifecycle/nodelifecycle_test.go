package nodelifecycle

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/controllertest"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// node returns node n1 created an hour ago, with a Ready condition of the
// given status whose heartbeat is at hb (no condition if status is "").
func node(status string, hb time.Time, taints ...api.Taint) *api.Node {
	n := &api.Node{
		ObjectMeta: api.ObjectMeta{Name: "n1", UID: "uid-n1", ResourceVersion: "5", CreationTimestamp: api.NewTime(t0.Add(-time.Hour))},
		Spec:       api.NodeSpec{Taints: taints},
	}
	if status != "" {
		n.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: status, Reason: "KubeletReady",
			LastHeartbeatTime: api.NewTime(hb), LastTransitionTime: api.NewTime(t0.Add(-time.Hour))}}
	}
	return n
}

func taint(key string, added time.Time) api.Taint {
	at := api.NewTime(added)
	return api.Taint{Key: key, Effect: api.TaintNoExecute, TimeAdded: &at}
}

// noSchedule is the NoSchedule twin of a taint, already in place.
func noSchedule(key string) api.Taint {
	at := api.NewTime(t0.Add(-time.Hour))
	return api.Taint{Key: key, Effect: api.TaintNoSchedule, TimeAdded: &at}
}

// pod returns a running, ready pod on n1 owned by a controller of kind
// ownerKind ("" for none).
func pod(name, ownerKind string, tolerations ...api.Toleration) *api.Pod {
	p := &api.Pod{
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name},
		Spec:       api.PodSpec{NodeName: "n1", Tolerations: tolerations},
		Status: api.PodStatus{Phase: api.PodRunning, PodIP: "10.244.1.2",
			Conditions: []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}}},
	}
	if ownerKind != "" {
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: ownerKind, Name: "owner", UID: "uid-owner", Controller: api.Bool(true)}}
	}
	return p
}

func notReady(p *api.Pod) *api.Pod {
	p.Status.Conditions[0].Status = api.ConditionFalse
	return p
}

func tolerateUnreachable(seconds *int64) api.Toleration {
	return api.Toleration{Key: api.TaintNodeUnreachable, Operator: "Exists", Effect: api.TaintNoExecute, TolerationSeconds: seconds}
}

type fixture struct {
	c   *Controller
	w   *controllertest.Writer
	rec *controllertest.Recorder
	now time.Time
}

func newFixture(opts Options, objs ...api.Object) *fixture {
	nodes := controllertest.NewLister()
	pods := controllertest.NewLister().AddIndex(controller.IndexNode, controller.NodeIndex)
	leases := controllertest.NewLister()
	for _, o := range objs {
		switch o.(type) {
		case *api.Node:
			nodes.Add(o)
		case *api.Lease:
			leases.Add(o)
		default:
			pods.Add(o)
		}
	}
	f := &fixture{w: &controllertest.Writer{}, rec: &controllertest.Recorder{}, now: t0}
	opts.Clock = func() time.Time { return f.now }
	f.c = New(nodes, pods, leases, f.w, f.rec, nil, opts)
	return f
}

func TestSync(t *testing.T) {
	lab := Options{GracePeriod: 10 * time.Second, EvictionTimeout: 20 * time.Second}
	tests := []struct {
		name       string
		opts       Options
		objs       []api.Object
		silent     time.Duration // how long the controller has seen n1's heartbeat unchanged
		wantWrites []string
		wantEvents []string
		check      func(t *testing.T, w *controllertest.Writer)
	}{
		{
			name:   "a fresh heartbeat changes nothing",
			objs:   []api.Object{node(api.ConditionTrue, t0.Add(-5*time.Second)), pod("web", "ReplicaSet")},
			silent: 5 * time.Second,
		},
		{
			name:       "a stale heartbeat makes the node Unknown, tainted, its pods not ready",
			objs:       []api.Object{node(api.ConditionTrue, t0.Add(-41*time.Second)), pod("web", "ReplicaSet")},
			silent:     41 * time.Second,
			wantWrites: []string{"updateStatus nodes n1", "update nodes n1", "updateStatus pods default/web"},
			wantEvents: []string{"Normal NodeNotReady Node n1 status is now: NodeNotReady"},
			check: func(t *testing.T, w *controllertest.Writer) {
				cond := readyCondition(w.Actions[0].Object.(*api.Node))
				if cond.Status != api.ConditionUnknown || cond.Reason != reasonUnknown || cond.Message != messageUnknown {
					t.Errorf("Ready = %+v, want Unknown/%s", cond, reasonUnknown)
				}
				if !cond.LastHeartbeatTime.Equal(t0.Add(-41*time.Second)) || !cond.LastTransitionTime.Equal(t0) {
					t.Errorf("heartbeat %v transition %v: want the heartbeat kept and the transition now", cond.LastHeartbeatTime, cond.LastTransitionTime)
				}
				taints := w.Actions[1].Object.(*api.Node).Spec.Taints
				if len(taints) != 2 || taints[0].Key != api.TaintNodeUnreachable || taints[0].Effect != api.TaintNoSchedule ||
					taints[1].Key != api.TaintNodeUnreachable || taints[1].Effect != api.TaintNoExecute || !taints[1].TimeAdded.Equal(t0) {
					t.Errorf("taints = %+v, want unreachable:NoSchedule and unreachable:NoExecute added now", taints)
				}
				if controller.IsPodReady(w.Actions[2].Object.(*api.Pod)) {
					t.Error("pod still Ready")
				}
			},
		},
		{
			name:       "the grace period comes from the options",
			opts:       lab,
			objs:       []api.Object{node(api.ConditionTrue, t0.Add(-15*time.Second))},
			silent:     15 * time.Second,
			wantWrites: []string{"updateStatus nodes n1", "update nodes n1"},
			wantEvents: []string{"Normal NodeNotReady Node n1 status is now: NodeNotReady"},
		},
		{
			name:       "a node that never reported is judged from its creation",
			objs:       []api.Object{node("", time.Time{})},
			wantWrites: []string{"updateStatus nodes n1", "update nodes n1"},
			wantEvents: []string{"Normal NodeNotReady Node n1 status is now: NodeNotReady"},
			check: func(t *testing.T, w *controllertest.Writer) {
				if cond := readyCondition(w.Actions[0].Object.(*api.Node)); cond.Reason != reasonNeverUpdated {
					t.Errorf("reason = %q, want %q", cond.Reason, reasonNeverUpdated)
				}
			},
		},
		{
			name: "an unreachable node within the eviction timeout keeps its pods",
			objs: []api.Object{node(api.ConditionUnknown, t0.Add(-5*time.Minute), taint(api.TaintNodeUnreachable, t0.Add(-4*time.Minute)), noSchedule(api.TaintNodeUnreachable)),
				notReady(pod("web", "ReplicaSet"))},
			silent: 5 * time.Minute,
		},
		{
			name: "after the eviction timeout, pods are force-deleted, but not DaemonSet pods",
			objs: []api.Object{node(api.ConditionUnknown, t0.Add(-6*time.Minute), taint(api.TaintNodeUnreachable, t0.Add(-5*time.Minute)), noSchedule(api.TaintNodeUnreachable)),
				notReady(pod("web", "ReplicaSet")), notReady(pod("agent", "DaemonSet")), notReady(pod("bare", ""))},
			silent:     6 * time.Minute,
			wantWrites: []string{"delete pods default/bare", "delete pods default/web"},
			wantEvents: []string{
				"Normal TaintManagerEviction Marking for deletion Pod default/bare from Node n1",
				"Normal TaintManagerEviction Marking for deletion Pod default/web from Node n1",
			},
			check: func(t *testing.T, w *controllertest.Writer) {
				for _, a := range w.Actions {
					if g := a.Options.GracePeriodSeconds; g == nil || *g != 0 {
						t.Errorf("%s: grace %v, want 0", a, g)
					}
					if p := a.Options.Preconditions; p == nil || *p.UID != "uid-"+a.Name {
						t.Errorf("%s: want a UID precondition", a)
					}
				}
			},
		},
		{
			name: "the eviction timeout comes from the options",
			opts: lab,
			objs: []api.Object{node(api.ConditionUnknown, t0.Add(-30*time.Second), taint(api.TaintNodeUnreachable, t0.Add(-21*time.Second)), noSchedule(api.TaintNodeUnreachable)),
				notReady(pod("web", "ReplicaSet"))},
			silent:     30 * time.Second,
			wantWrites: []string{"delete pods default/web"},
			wantEvents: []string{"Normal TaintManagerEviction Marking for deletion Pod default/web from Node n1"},
		},
		{
			name: "tolerationSeconds replaces the timeout; a toleration without seconds keeps the pod",
			objs: []api.Object{node(api.ConditionUnknown, t0.Add(-2*time.Minute), taint(api.TaintNodeUnreachable, t0.Add(-90*time.Second)), noSchedule(api.TaintNodeUnreachable)),
				notReady(pod("short", "ReplicaSet", tolerateUnreachable(api.Int64(60)))),
				notReady(pod("long", "ReplicaSet", tolerateUnreachable(api.Int64(600)))),
				notReady(pod("forever", "ReplicaSet", tolerateUnreachable(nil)))},
			silent:     2 * time.Minute,
			wantWrites: []string{"delete pods default/short"},
			wantEvents: []string{"Normal TaintManagerEviction Marking for deletion Pod default/short from Node n1"},
		},
		{
			name:       "a kubelet reporting Ready=False gets the not-ready taint",
			objs:       []api.Object{node(api.ConditionFalse, t0.Add(-2*time.Second))},
			silent:     2 * time.Second,
			wantWrites: []string{"update nodes n1"},
			check: func(t *testing.T, w *controllertest.Writer) {
				taints := w.Actions[0].Object.(*api.Node).Spec.Taints
				if len(taints) != 2 || taints[0].Key != api.TaintNodeNotReady || taints[1].Key != api.TaintNodeNotReady {
					t.Errorf("taints = %+v, want not-ready NoSchedule and NoExecute", taints)
				}
			},
		},
		{
			name: "pods of a not-ready node get a graceful delete; terminating ones are left to the kubelet",
			objs: []api.Object{node(api.ConditionFalse, t0.Add(-2*time.Second), taint(api.TaintNodeNotReady, t0.Add(-6*time.Minute)), noSchedule(api.TaintNodeNotReady)),
				pod("web", "ReplicaSet"), terminating(pod("old", "ReplicaSet"))},
			silent:     2 * time.Second,
			wantWrites: []string{"delete pods default/web"},
			wantEvents: []string{"Normal TaintManagerEviction Marking for deletion Pod default/web from Node n1"},
			check: func(t *testing.T, w *controllertest.Writer) {
				if g := w.Actions[0].Options.GracePeriodSeconds; g != nil {
					t.Errorf("grace = %d, want the pod's own", *g)
				}
			},
		},
		{
			name: "a heartbeat again removes the taint, and leaves others' taints",
			objs: []api.Object{node(api.ConditionTrue, t0.Add(-time.Second),
				api.Taint{Key: "dedicated", Value: "gpu", Effect: api.TaintNoSchedule},
				taint(api.TaintNodeUnreachable, t0.Add(-10*time.Minute)))},
			silent:     time.Second,
			wantWrites: []string{"update nodes n1"},
			check: func(t *testing.T, w *controllertest.Writer) {
				taints := w.Actions[0].Object.(*api.Node).Spec.Taints
				if len(taints) != 1 || taints[0].Key != "dedicated" {
					t.Errorf("taints = %+v, want only dedicated", taints)
				}
			},
		},
		{
			name:       "cordon: spec.unschedulable brings the unschedulable taint",
			objs:       []api.Object{cordoned(node(api.ConditionTrue, t0.Add(-time.Second)))},
			silent:     time.Second,
			wantWrites: []string{"update nodes n1"},
			check: func(t *testing.T, w *controllertest.Writer) {
				taints := w.Actions[0].Object.(*api.Node).Spec.Taints
				if len(taints) != 1 || taints[0].Key != api.TaintNodeUnschedulable || taints[0].Effect != api.TaintNoSchedule || !taints[0].TimeAdded.Equal(t0) {
					t.Errorf("taints = %+v, want unschedulable:NoSchedule added now", taints)
				}
			},
		},
		{
			name:   "a cordoned node that has its taint is left alone",
			objs:   []api.Object{cordoned(node(api.ConditionTrue, t0.Add(-time.Second), noSchedule(api.TaintNodeUnschedulable)))},
			silent: time.Second,
		},
		{
			name:       "uncordon removes the taint",
			objs:       []api.Object{node(api.ConditionTrue, t0.Add(-time.Second), noSchedule(api.TaintNodeUnschedulable))},
			silent:     time.Second,
			wantWrites: []string{"update nodes n1"},
			check: func(t *testing.T, w *controllertest.Writer) {
				if taints := w.Actions[0].Object.(*api.Node).Spec.Taints; len(taints) != 0 {
					t.Errorf("taints = %+v, want none", taints)
				}
			},
		},
		{
			name: "a fresh Lease keeps alive a node whose status is old",
			objs: []api.Object{node(api.ConditionTrue, t0.Add(-4*time.Minute)),
				lease(t0.Add(-3 * time.Second))},
			silent: 3 * time.Second,
		},
		{
			name: "the apiserver's default tolerations: 300 s on an unreachable node",
			objs: []api.Object{node(api.ConditionUnknown, t0.Add(-6*time.Minute), taint(api.TaintNodeUnreachable, t0.Add(-299*time.Second)), noSchedule(api.TaintNodeUnreachable)),
				notReady(pod("web", "ReplicaSet", defaultTolerations()...))},
			silent: 6 * time.Minute,
		},
		{
			name: "the apiserver's default tolerations run out",
			objs: []api.Object{node(api.ConditionUnknown, t0.Add(-6*time.Minute), taint(api.TaintNodeUnreachable, t0.Add(-300*time.Second)), noSchedule(api.TaintNodeUnreachable)),
				notReady(pod("web", "ReplicaSet", defaultTolerations()...))},
			silent:     6 * time.Minute,
			wantWrites: []string{"delete pods default/web"},
			wantEvents: []string{"Normal TaintManagerEviction Marking for deletion Pod default/web from Node n1"},
		},
		{
			name: "a limited toleration wins over an unlimited one",
			objs: []api.Object{node(api.ConditionUnknown, t0.Add(-2*time.Minute), taint(api.TaintNodeUnreachable, t0.Add(-90*time.Second)), noSchedule(api.TaintNodeUnreachable)),
				notReady(pod("web", "ReplicaSet", tolerateUnreachable(nil), tolerateUnreachable(api.Int64(60))))},
			silent:     2 * time.Minute,
			wantWrites: []string{"delete pods default/web"},
			wantEvents: []string{"Normal TaintManagerEviction Marking for deletion Pod default/web from Node n1"},
		},
		{
			name: "an admin's NoExecute taint evicts the pods that do not tolerate it, at once and gracefully",
			objs: []api.Object{node(api.ConditionTrue, t0.Add(-time.Second), api.Taint{Key: "maintenance", Effect: api.TaintNoExecute}),
				pod("web", "ReplicaSet"),
				pod("ops", "ReplicaSet", api.Toleration{Key: "maintenance", Operator: "Exists", Effect: api.TaintNoExecute})},
			silent:     time.Second,
			wantWrites: []string{"delete pods default/web"},
			wantEvents: []string{"Normal TaintManagerEviction Marking for deletion Pod default/web from Node n1"},
			check: func(t *testing.T, w *controllertest.Writer) {
				if g := w.Actions[0].Options.GracePeriodSeconds; g != nil {
					t.Errorf("grace = %d, want the pod's own", *g)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.opts, tt.objs...)
			if n, ok := f.c.nodes.Get("n1"); ok {
				var p probe
				if cond := readyCondition(n.(*api.Node)); cond != nil {
					p.heartbeat = cond.LastHeartbeatTime.Time
				}
				if l := f.c.lease("n1"); l != nil {
					p.renew = l.Spec.RenewTime.Time
				}
				if !p.heartbeat.IsZero() || !p.renew.IsZero() {
					f.c.probed("n1", p, t0.Add(-tt.silent))
				}
			}
			if err := f.c.Sync(context.Background(), "n1"); err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if got := sorted(f.w.Strings()); !slices.Equal(got, sorted(tt.wantWrites)) {
				t.Fatalf("writes = %q, want %q", got, tt.wantWrites)
			}
			if got := sorted(f.rec.Events); !slices.Equal(got, sorted(tt.wantEvents)) {
				t.Errorf("events = %q, want %q", got, tt.wantEvents)
			}
			if tt.check != nil {
				tt.check(t, f.w)
			}
		})
	}
}

// TestHeartbeatOnOwnClock: a node whose clock is ten minutes behind posts
// heartbeats that look old, but they keep changing, so it is alive.
func TestHeartbeatOnOwnClock(t *testing.T) {
	skew := -10 * time.Minute
	n := node(api.ConditionTrue, t0.Add(skew))
	f := newFixture(Options{}, n)
	ctx := context.Background()
	nodes := f.c.nodes.(*controllertest.Lister)

	for i := range 3 {
		f.now = t0.Add(time.Duration(i) * 30 * time.Second)
		n = api.DeepCopy(n)
		n.Status.Conditions[0].LastHeartbeatTime = api.NewTime(f.now.Add(skew))
		nodes.Add(n)
		if err := f.c.Sync(ctx, "n1"); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.w.Strings(); len(got) != 0 {
		t.Fatalf("a live node got writes %q", got)
	}

	// Now it stops: 41 s later by our clock it is Unknown.
	f.now = f.now.Add(41 * time.Second)
	if err := f.c.Sync(ctx, "n1"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"updateStatus nodes n1", "update nodes n1"}; !slices.Equal(f.w.Strings(), want) {
		t.Errorf("writes = %q, want %q", f.w.Strings(), want)
	}
}

// TestDeletedNodeIsForgotten: the pods of a deleted node are the pod
// garbage collector's, after its quarantine; this controller only forgets
// the node's heartbeat.
// TestLeaseIsAHeartbeat: a kubelet that posts its status once and then
// only renews its Lease is alive; when the renewals stop, the node is
// Unknown a grace period later.
func TestLeaseIsAHeartbeat(t *testing.T) {
	l := lease(t0)
	f := newFixture(Options{}, node(api.ConditionTrue, t0), l)
	ctx := context.Background()
	leases := f.c.leases.(*controllertest.Lister)
	for i := range 12 { // two minutes of renewals
		f.now = t0.Add(time.Duration(i) * 10 * time.Second)
		l = api.DeepCopy(l)
		l.Spec.RenewTime = &api.MicroTime{Time: f.now}
		leases.Add(l)
		if err := f.c.Sync(ctx, "n1"); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.w.Strings(); len(got) != 0 {
		t.Fatalf("a node renewing its Lease got writes %q", got)
	}
	f.now = f.now.Add(39 * time.Second)
	if err := f.c.Sync(ctx, "n1"); err != nil || len(f.w.Strings()) != 0 {
		t.Fatalf("39 s after the last renewal: writes %q, err %v; want none", f.w.Strings(), err)
	}
	f.now = f.now.Add(2 * time.Second)
	if err := f.c.Sync(ctx, "n1"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"updateStatus nodes n1", "update nodes n1"}; !slices.Equal(f.w.Strings(), want) {
		t.Errorf("41 s after the last renewal: writes %q, want %q", f.w.Strings(), want)
	}
}

func TestDeletedNodeIsForgotten(t *testing.T) {
	f := newFixture(Options{}, pod("web", "ReplicaSet"), pod("agent", "DaemonSet"))
	f.c.probed("n1", probe{heartbeat: t0}, t0)
	if err := f.c.Sync(context.Background(), "n1"); err != nil {
		t.Fatal(err)
	}
	if got := f.w.Strings(); len(got) != 0 {
		t.Errorf("writes = %q, want none", got)
	}
	if _, ok := f.c.seen["n1"]; ok {
		t.Error("the deleted node's heartbeat is still remembered")
	}
}

// TestRunChecksPeriodically: a dead node sends no events; the periodic
// check alone must find it.
func TestRunChecksPeriodically(t *testing.T) {
	nodes := controllertest.NewLister(node(api.ConditionTrue, t0))
	pods := controllertest.NewLister().AddIndex(controller.IndexNode, controller.NodeIndex)
	w := &controllertest.Writer{}
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := New(nodes, pods, nil, w, &controllertest.Recorder{}, nil, Options{MonitorPeriod: time.Millisecond, Clock: clock})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx, 1); close(done) }()
	defer func() { cancel(); <-done }()

	time.Sleep(20 * time.Millisecond) // a few checks of a live node
	if got := w.Strings(); len(got) != 0 {
		t.Fatalf("a live node got writes %q", got)
	}
	mu.Lock()
	now = now.Add(time.Minute) // the kubelet goes quiet
	mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(w.Strings(), "updateStatus nodes n1") {
		if time.Now().After(deadline) {
			t.Fatal("the node was never marked Unknown")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	if o.GracePeriod != 40*time.Second || o.EvictionTimeout != 5*time.Minute || o.MonitorPeriod != 5*time.Second {
		t.Errorf("defaults = %+v", o)
	}
	if lab := (Options{GracePeriod: 10 * time.Second}).withDefaults(); lab.MonitorPeriod != 2500*time.Millisecond {
		t.Errorf("monitor period for a 10 s grace = %v, want 2.5 s", lab.MonitorPeriod)
	}
}

func cordoned(n *api.Node) *api.Node {
	n.Spec.Unschedulable = true
	return n
}

// lease is n1's Lease in kube-node-lease, renewed at renew.
func lease(renew time.Time) *api.Lease {
	return &api.Lease{ObjectMeta: api.ObjectMeta{Name: "n1", Namespace: api.NamespaceNodeLease},
		Spec: api.LeaseSpec{HolderIdentity: api.String("n1"), LeaseDurationSeconds: api.Int32(40), RenewTime: &api.MicroTime{Time: renew}}}
}

// defaultTolerations are those the apiserver's DefaultTolerationSeconds
// admission gives every pod.
func defaultTolerations() []api.Toleration {
	return []api.Toleration{
		{Key: api.TaintNodeNotReady, Operator: "Exists", Effect: api.TaintNoExecute, TolerationSeconds: api.Int64(300)},
		tolerateUnreachable(api.Int64(300)),
	}
}

func terminating(p *api.Pod) *api.Pod {
	at := api.NewTime(t0)
	p.DeletionTimestamp = &at
	return p
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
