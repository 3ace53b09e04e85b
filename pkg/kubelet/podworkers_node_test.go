package kubelet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// The pod workers on a node of real processes: a pod network (faked here,
// recording what it was asked), probes (stepped by hand) and pod
// directories.

// fakeNetwork records its calls. A teardown notes whether the pod's
// sandbox was still running, which it must be.
type fakeNetwork struct {
	rt *FakeRuntime

	mu        sync.Mutex
	calls     []string
	failSetup error
}

var _ runtime.PodNetwork = (*fakeNetwork)(nil)

func (n *fakeNetwork) record(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls = append(n.calls, fmt.Sprintf(format, args...))
}

func (n *fakeNetwork) take() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.calls
	n.calls = nil
	return out
}

func (n *fakeNetwork) Init(context.Context) error { n.record("init"); return nil }

func (n *fakeNetwork) SetupPod(_ context.Context, uid, ip string, pid int) error {
	n.record("setup %s %s pid=%d", uid, ip, pid)
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.failSetup
}

func (n *fakeNetwork) TeardownPod(_ context.Context, uid string) error {
	sandbox := "gone"
	cs, _ := n.rt.ListContainers(context.Background())
	for _, c := range cs {
		if c.PodUID == uid && c.IsSandbox() {
			sandbox = string(c.State)
		}
	}
	n.record("teardown %s sandbox=%s", uid, sandbox)
	return nil
}

func (n *fakeNetwork) SyncRoutes(_ context.Context, peers []runtime.Peer) error {
	n.record("routes %v", peers)
	return nil
}

// fakeDirs records the pods whose directories were removed.
type fakeDirs struct{ removed []string }

func (d *fakeDirs) RemovePodDirs(uid string) error {
	d.removed = append(d.removed, uid)
	return nil
}

// nodeHarness is the pod workers' harness with a network, probes and
// directories.
type nodeHarness struct {
	*harness
	net    *fakeNetwork
	probes *probeHarness
	dirs   *fakeDirs
}

func newNodeHarness(t *testing.T, pods ...*api.Pod) *nodeHarness {
	h := &nodeHarness{harness: newHarness(t, pods...), dirs: &fakeDirs{}}
	h.net = &fakeNetwork{rt: h.rt}
	h.equip()
	return h
}

// equip gives the current pod workers the node's parts; call it again
// after restart.
func (h *nodeHarness) equip() {
	h.probes = newProbeHarness()
	h.probes.m.events = h.events
	h.w.network = h.net
	h.w.sandboxPID = func(context.Context, string) (int, error) { return 4242, nil }
	h.w.probes = h.probes.m
	h.w.podDirs = h.dirs
}

func TestPodNetworkIsWiredOncePerSandbox(t *testing.T) {
	host := testPod("host", api.RestartAlways, "kubia")
	host.Spec.HostNetwork = true
	h := newNodeHarness(t, testPod("web", api.RestartAlways, "kubia"), host)

	h.sync("default/web")
	h.sync("default/host")
	wantStrings(t, "runtime calls", h.rt.Calls(), []string{
		"runSandbox default/web ip=10.244.1.2",
		"start default/web/c0 attempt=0",
		"runSandbox default/host ip=192.168.56.11",
		"start default/host/c0 attempt=0",
	})
	wantStrings(t, "network calls", h.net.take(), []string{"setup uid-web 10.244.1.2 pid=4242"}) // hostNetwork: none

	h.sync("default/web")
	wantStrings(t, "network calls of the next sync", h.net.take(), nil)

	// A restarted kubelet wires an adopted sandbox once more (wiring
	// converges), and starts nothing.
	h.rt.ResetCalls()
	h.restart()
	h.equip()
	h.sync("default/web")
	h.sync("default/web")
	wantStrings(t, "network calls after a restart", h.net.take(), []string{"setup uid-web 10.244.1.2 pid=4242"})
	wantStrings(t, "runtime calls after a restart", h.rt.Calls(), nil)
}

// A network that cannot be set up is an event with its error, no sandbox
// left, and an error for the queue to retry with back-off.
func TestPodNetworkFailureIsRetried(t *testing.T) {
	h := newNodeHarness(t, testPod("web", api.RestartAlways, "kubia"))
	h.net.failSetup = errors.New("netlink: operation not permitted")

	err := h.w.sync(context.Background(), "default/web")
	if err == nil || err.Error() != "set up the network of sandbox fake://n1-1: netlink: operation not permitted" {
		t.Fatalf("sync: %v", err)
	}
	wantStrings(t, "events", h.events.take(), []string{
		"Warning FailedCreatePodSandBox Failed to create pod sandbox: set up the network of sandbox fake://n1-1: netlink: operation not permitted",
	})
	wantStrings(t, "network calls", h.net.take(), []string{
		"setup uid-web 10.244.1.2 pid=4242",
		"teardown uid-web sandbox=running", // whatever the failed setup left
	})
	wantStrings(t, "containers left", h.containers(), nil)
	if st := h.api.lastStatus(t); st.Phase != api.PodPending || state(st.ContainerStatuses[0]) != "waiting ContainerCreating" {
		t.Errorf("status: %s %s", st.Phase, state(st.ContainerStatuses[0]))
	}

	h.net.failSetup = nil
	h.sync("default/web")
	wantStrings(t, "network calls of the retry", h.net.take(), []string{"setup uid-web 10.244.1.2 pid=4242"})
	if st := h.api.lastStatus(t); st.Phase != api.PodRunning {
		t.Errorf("after the retry: %s", st.Phase)
	}
}

// Deletion: containers stop, the network goes while the sandbox still
// runs, then the sandbox, the IP and the pod's directories.
func TestDeletionTearsDownTheNetworkBeforeTheSandbox(t *testing.T) {
	h := newNodeHarness(t, testPod("web", api.RestartAlways, "kubia"))
	h.sync("default/web")
	h.net.take()
	h.rt.ResetCalls()

	p := api.DeepCopy(h.pod("default/web"))
	now := api.NewTime(t0)
	p.DeletionTimestamp, p.DeletionGracePeriodSeconds = &now, api.Int64(5)
	h.pods.put(p)
	h.api.onDelete = func() {
		wantStrings(t, "containers at the final delete", h.containers(), nil)
		if _, held := h.ipam.Lookup("uid-web"); held {
			t.Error("the IP is still held at the final delete")
		}
		wantStrings(t, "directories removed at the final delete", h.dirs.removed, []string{"uid-web"})
	}
	h.sync("default/web")
	wantStrings(t, "network calls", h.net.take(), []string{"teardown uid-web sandbox=running"})
	wantStrings(t, "runtime calls", h.rt.Calls(), []string{
		"stop fake://n1-2 grace=5s",
		"stop fake://n1-1 grace=5s",
		"remove fake://n1-2",
		"remove fake://n1-1",
	})
}

// livenessPod has one container with a liveness probe that fails after
// two failures.
func livenessPod(policy string) *api.Pod {
	p := testPod("web", policy, "kubia")
	p.Spec.Containers[0].LivenessProbe = &api.Probe{
		ProbeHandler:     api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Path: "/healthy", Port: api.FromInt(8080)}},
		FailureThreshold: 2,
	}
	return p
}

func TestLivenessFailureRestartsTheContainer(t *testing.T) {
	for _, tc := range []struct {
		policy    string
		wantCalls []string
		wantState string
	}{
		{api.RestartAlways, []string{"stop fake://n1-2 grace=30s", "start default/web/c0 attempt=1"}, "running restarts=1"},
		{api.RestartOnFailure, []string{"stop fake://n1-2 grace=30s", "start default/web/c0 attempt=1"}, "running restarts=1"},
		{api.RestartNever, []string{"stop fake://n1-2 grace=30s"}, "terminated Completed 0"},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			h := newNodeHarness(t, livenessPod(tc.policy))
			h.sync("default/web")
			h.events.take()
			h.rt.ResetCalls()

			h.probes.answer("c0", liveness, false)
			h.probes.step("uid-web")
			h.sync("default/web")
			wantStrings(t, "calls after one failure", h.rt.Calls(), nil)

			h.probes.step("uid-web")
			if _, changed := h.probes.take(); len(changed) != 1 || changed[0] != "default/web" {
				t.Fatalf("the pod was not queued when its probe failed: %q", changed)
			}
			h.sync("default/web")
			wantStrings(t, "calls after the second failure", h.rt.Calls(), tc.wantCalls)
			events := h.events.take()
			wantStrings(t, "first events", events[:3], []string{
				"Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500",
				"Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500",
				"Normal Killing Container c0 failed liveness probe, will be restarted",
			})
			if got := state(h.api.lastStatus(t).ContainerStatuses[0]); got != tc.wantState {
				t.Errorf("status: %s, want %s", got, tc.wantState)
			}
		})
	}
}

// The second liveness kill within the back-off waits: CrashLoopBackOff.
func TestLivenessKillsBackOff(t *testing.T) {
	h := newNodeHarness(t, livenessPod(api.RestartAlways))
	h.sync("default/web")
	for range 2 {
		h.probes.answer("c0", liveness, false)
		h.probes.step("uid-web")
		h.probes.step("uid-web")
		h.clock.Step(time.Second)
		h.sync("default/web")
	}
	st := h.api.lastStatus(t).ContainerStatuses[0]
	if want := "waiting CrashLoopBackOff: back-off 10s restarting failed container=c0 pod=web_default(uid-web) restarts=1"; state(st) != want {
		t.Errorf("status: %s, want %s", state(st), want)
	}
}

func TestReadinessDrivesTheReadyCondition(t *testing.T) {
	p := testPod("web", api.RestartAlways, "kubia", "kubia")
	p.Spec.Containers[0].ReadinessProbe = &api.Probe{
		ProbeHandler:     api.ProbeHandler{TCPSocket: &api.TCPSocketAction{Port: api.FromInt(8080)}},
		FailureThreshold: 1, SuccessThreshold: 1,
	}
	h := newNodeHarness(t, p)

	ready := func(what, wantConds string, wantReady ...bool) {
		t.Helper()
		h.sync("default/web")
		st := h.api.lastStatus(t)
		if got := conditions(st); got != wantConds {
			t.Errorf("%s: conditions %s, want %s", what, got, wantConds)
		}
		for i, cs := range st.ContainerStatuses {
			if cs.Ready != wantReady[i] || cs.Started == nil || !*cs.Started {
				t.Errorf("%s: %s ready=%t started=%v", what, cs.Name, cs.Ready, cs.Started)
			}
		}
	}
	ready("before the first probe", "Initialized=True Ready=False ContainersReady=False PodScheduled=True", false, true)
	if c := h.api.lastStatus(t).Conditions[1]; c.Reason != "ContainersNotReady" || c.Message != "containers with unready status: [c0]" {
		t.Errorf("Ready condition: %+v", c)
	}
	h.probes.step("uid-web")
	ready("after a success", "Initialized=True Ready=True ContainersReady=True PodScheduled=True", true, true)
	h.probes.answer("c0", readiness, false)
	h.probes.step("uid-web")
	ready("after a failure", "Initialized=True Ready=False ContainersReady=False PodScheduled=True", false, true)
	wantStrings(t, "runtime calls", h.rt.Calls(), []string{
		"runSandbox default/web ip=10.244.1.2", "start default/web/c0 attempt=0", "start default/web/c1 attempt=0",
	})
}

// Probes stop with their pod.
func TestProbesStopWithThePod(t *testing.T) {
	h := newNodeHarness(t, livenessPod(api.RestartAlways))
	h.sync("default/web")
	if n := len(h.probes.m.workers); n != 1 {
		t.Fatalf("%d probe workers, want 1", n)
	}
	h.pods.remove("default/web")
	h.sync("default/web")
	if n := len(h.probes.m.workers); n != 0 {
		t.Errorf("%d probe workers left", n)
	}
}

func TestPeersOf(t *testing.T) {
	node := func(name, ip, cidr string) api.Object {
		n := &api.Node{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.NodeSpec{PodCIDR: cidr}}
		if ip != "" {
			n.Status.Addresses = []api.NodeAddress{{Type: api.NodeHostName, Address: name}, {Type: api.NodeInternalIP, Address: ip}}
		}
		return n
	}
	got := peersOf([]api.Object{
		node("n3", "192.168.56.13", "10.244.3.0/24"),
		node("n1", "192.168.56.11", "10.244.1.0/24"), // this node
		node("n2", "192.168.56.12", "10.244.2.0/24"),
		node("n4", "192.168.56.14", ""), // no pod CIDR yet
		node("n5", "", "10.244.5.0/24"), // no address yet
	}, "n1")
	want := []runtime.Peer{
		{NodeName: "n2", NodeIP: "192.168.56.12", PodCIDR: "10.244.2.0/24"},
		{NodeName: "n3", NodeIP: "192.168.56.13", PodCIDR: "10.244.3.0/24"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("peers %v, want %v", got, want)
	}
}

// flakyRoutes fails its first SyncRoutes and records the others.
type flakyRoutes struct {
	fakeNetwork
	failed bool
	synced chan []runtime.Peer
}

func (f *flakyRoutes) SyncRoutes(_ context.Context, peers []runtime.Peer) error {
	if !f.failed {
		f.failed = true
		return errors.New("netlink: no route to host")
	}
	f.synced <- peers
	return nil
}

type nodeList struct {
	mu    sync.Mutex
	nodes []api.Object
}

func (l *nodeList) List() []api.Object {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nodes
}

// Routes follow the Node list: a failure is retried, an unchanged list
// writes nothing, a new node is routed.
func TestRouteSyncer(t *testing.T) {
	node := func(name, ip, cidr string) api.Object {
		return &api.Node{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.NodeSpec{PodCIDR: cidr},
			Status: api.NodeStatus{Addresses: []api.NodeAddress{{Type: api.NodeInternalIP, Address: ip}}}}
	}
	nodes := &nodeList{nodes: []api.Object{node("n1", "192.168.56.11", "10.244.1.0/24"), node("n2", "192.168.56.12", "10.244.2.0/24")}}
	net := &flakyRoutes{synced: make(chan []runtime.Peer, 10)}
	rs := newRouteSyncer(net, nodes, "n1", time.Hour, zap.NewNop())
	rs.retry = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rs.run(ctx)

	next := func(what string) string {
		t.Helper()
		select {
		case p := <-net.synced:
			return fmt.Sprint(p)
		case <-time.After(3 * time.Second):
			t.Fatalf("%s: no sync", what)
			return ""
		}
	}
	rs.changed(nil)
	if got := next("after a failure"); got != "[{n2 192.168.56.12 10.244.2.0/24}]" {
		t.Errorf("peers %s", got)
	}
	rs.changed(nil) // a heartbeat: nothing new
	nodes.mu.Lock()
	nodes.nodes = append(nodes.nodes, node("n3", "192.168.56.13", "10.244.3.0/24"))
	nodes.mu.Unlock()
	rs.changed(nil)
	if got := next("a new node"); got != "[{n2 192.168.56.12 10.244.2.0/24} {n3 192.168.56.13 10.244.3.0/24}]" {
		t.Errorf("peers %s", got)
	}
	select {
	case p := <-net.synced:
		t.Errorf("a sync with nothing new: %v", p)
	case <-time.After(100 * time.Millisecond):
	}
}
