package kubelet

import (
	"context"
	"strconv"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

// fakeNodeAPI keeps Nodes in a map, answering as the apiserver does: a
// create gets a pod CIDR, an update with a stale resourceVersion is a
// conflict, updates change only spec and metadata, status updates only
// status.
type fakeNodeAPI struct {
	nodes     map[string]*api.Node
	rv        int
	actions   []string
	noCIDR    bool // creates get no pod CIDR (another allocator's job)
	conflicts int  // the next this-many status updates are conflicts
}

var _ nodeAPI = (*fakeNodeAPI)(nil)

func (f *fakeNodeAPI) store(n *api.Node) *api.Node {
	f.rv++
	n = api.DeepCopy(n)
	n.ResourceVersion = strconv.Itoa(f.rv)
	f.nodes[n.Name] = n
	return api.DeepCopy(n)
}

func (f *fakeNodeAPI) GetNode(_ context.Context, name string) (*api.Node, error) {
	f.actions = append(f.actions, "get")
	n, ok := f.nodes[name]
	if !ok {
		return nil, &api.Status{Reason: "NotFound", Code: 404, Message: "nodes " + name + " not found"}
	}
	return api.DeepCopy(n), nil
}

func (f *fakeNodeAPI) CreateNode(_ context.Context, n *api.Node) (*api.Node, error) {
	f.actions = append(f.actions, "create")
	if _, ok := f.nodes[n.Name]; ok {
		return nil, &api.Status{Reason: "AlreadyExists", Code: 409}
	}
	n = api.DeepCopy(n)
	if !f.noCIDR {
		n.Spec.PodCIDR = "10.244." + strconv.Itoa(len(f.nodes)+1) + ".0/24"
	}
	return f.store(n), nil
}

func (f *fakeNodeAPI) UpdateNode(_ context.Context, n *api.Node) (*api.Node, error) {
	f.actions = append(f.actions, "update")
	cur := f.nodes[n.Name]
	if n.ResourceVersion != cur.ResourceVersion {
		return nil, &api.Status{Reason: "Conflict", Code: 409}
	}
	n = api.DeepCopy(n)
	n.Status = cur.Status
	return f.store(n), nil
}

func (f *fakeNodeAPI) UpdateNodeStatus(_ context.Context, n *api.Node) (*api.Node, error) {
	f.actions = append(f.actions, "updateStatus")
	cur := f.nodes[n.Name]
	if f.conflicts > 0 {
		f.conflicts--
		cur = f.store(cur) // someone else wrote meanwhile
	}
	if n.ResourceVersion != cur.ResourceVersion {
		return nil, &api.Status{Reason: "Conflict", Code: 409}
	}
	upd := api.DeepCopy(cur)
	upd.Status = n.Status
	return f.store(upd), nil
}

func newNodeAgent(f *fakeNodeAPI, clock *fakeClock) *nodeAgent {
	return &nodeAgent{
		api: f,
		facts: nodeFacts{
			name:       "n1",
			labels:     nodeLabels("n1", "linux", "amd64", map[string]string{"zone": "a"}),
			capacity:   api.ResourceList{"cpu": api.MustParse("2"), "memory": api.MustParse("4Gi"), "pods": api.MustParse("110")},
			internalIP: "192.168.56.11",
			hostname:   "n1",
			port:       10250,
			info:       api.NodeSystemInfo{KubeletVersion: KubeletVersion, ContainerRuntimeVersion: "fake://1", OperatingSystem: "linux"},
		},
		now:  clock.Now,
		log:  zap.NewNop(),
		poll: time.Millisecond,
	}
}

func readyCondition(t *testing.T, n *api.Node) api.NodeCondition {
	t.Helper()
	for _, c := range n.Status.Conditions {
		if c.Type == api.NodeReady {
			return c
		}
	}
	t.Fatalf("node %s has no Ready condition", n.Name)
	return api.NodeCondition{}
}

func TestRegisterANewNode(t *testing.T) {
	f := &fakeNodeAPI{nodes: map[string]*api.Node{}}
	n, err := newNodeAgent(f, &fakeClock{t: t0}).register(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "calls", f.actions, []string{"create"})
	if n.Spec.PodCIDR != "10.244.1.0/24" {
		t.Errorf("podCIDR %q", n.Spec.PodCIDR)
	}
	for k, v := range map[string]string{"kubernetes.io/hostname": "n1", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "zone": "a"} {
		if n.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, n.Labels[k], v)
		}
	}
	st := n.Status
	if st.Capacity["cpu"].String() != "2" || st.Allocatable["memory"].String() != "4Gi" || st.Allocatable["pods"].String() != "110" {
		t.Errorf("capacity %v, allocatable %v", st.Capacity, st.Allocatable)
	}
	if n.InternalIP() != "192.168.56.11" || len(st.Addresses) != 2 || st.Addresses[1] != (api.NodeAddress{Type: api.NodeHostName, Address: "n1"}) {
		t.Errorf("addresses %v", st.Addresses)
	}
	if st.DaemonEndpoints.KubeletEndpoint.Port != 10250 || st.NodeInfo.KubeletVersion != "v1.30.0-kubelab" || st.NodeInfo.ContainerRuntimeVersion != "fake://1" {
		t.Errorf("endpoints %+v, info %+v", st.DaemonEndpoints, st.NodeInfo)
	}
	if c := readyCondition(t, n); c.Status != api.ConditionTrue || c.Reason != "KubeletReady" || !c.LastHeartbeatTime.Equal(t0) {
		t.Errorf("Ready %+v", c)
	}
}

// A Node that exists keeps its spec and others' labels; this kubelet's
// labels and the status are refreshed.
func TestRegisterAnExistingNode(t *testing.T) {
	f := &fakeNodeAPI{nodes: map[string]*api.Node{}}
	f.store(&api.Node{
		ObjectMeta: api.ObjectMeta{Name: "n1", Labels: map[string]string{"team": "blue", "zone": "old"}},
		Spec:       api.NodeSpec{PodCIDR: "10.244.9.0/24", Unschedulable: true, Taints: []api.Taint{{Key: "gpu", Effect: api.TaintNoSchedule}}},
		Status:     api.NodeStatus{Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionUnknown}}},
	})
	n, err := newNodeAgent(f, &fakeClock{t: t0}).register(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "calls", f.actions, []string{"create", "get", "update", "updateStatus"})
	if n.Spec.PodCIDR != "10.244.9.0/24" || !n.Spec.Unschedulable || len(n.Spec.Taints) != 1 {
		t.Errorf("spec changed: %+v", n.Spec)
	}
	if n.Labels["team"] != "blue" || n.Labels["zone"] != "a" || n.Labels["kubernetes.io/hostname"] != "n1" {
		t.Errorf("labels %v", n.Labels)
	}
	if c := readyCondition(t, n); c.Status != api.ConditionTrue || !c.LastTransitionTime.Equal(t0) {
		t.Errorf("Ready %+v", c)
	}

	// Registering again changes no labels: no update.
	f.actions = nil
	if _, err := newNodeAgent(f, &fakeClock{t: t0}).register(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "calls the second time", f.actions, []string{"create", "get", "updateStatus"})
}

func TestHeartbeat(t *testing.T) {
	f := &fakeNodeAPI{nodes: map[string]*api.Node{}}
	clock := &fakeClock{t: t0}
	agent := newNodeAgent(f, clock)
	if _, err := agent.register(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Someone else adds a condition of their own.
	f.nodes["n1"].Status.Conditions = append(f.nodes["n1"].Status.Conditions, api.NodeCondition{Type: "DiskPressure", Status: api.ConditionFalse})

	clock.Step(10 * time.Second)
	f.actions = nil
	n, err := agent.heartbeat(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "calls", f.actions, []string{"get", "updateStatus"})
	c := readyCondition(t, n)
	if !c.LastHeartbeatTime.Equal(t0.Add(10*time.Second)) || !c.LastTransitionTime.Equal(t0) {
		t.Errorf("Ready after a heartbeat: %+v", c)
	}
	if len(n.Status.Conditions) != 2 || n.Status.Conditions[1].Type != "DiskPressure" {
		t.Errorf("conditions %+v", n.Status.Conditions)
	}

	t.Run("a conflict is retried", func(t *testing.T) {
		f.conflicts, f.actions = 1, nil
		if _, err := agent.heartbeat(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "calls", f.actions, []string{"get", "updateStatus", "get", "updateStatus"})
	})
	t.Run("a deleted node registers again", func(t *testing.T) {
		delete(f.nodes, "n1")
		f.actions = nil
		n, err := agent.heartbeat(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "calls", f.actions, []string{"get", "create"})
		if n.Spec.PodCIDR == "" || readyCondition(t, n).Status != api.ConditionTrue {
			t.Errorf("re-registered node %+v", n)
		}
	})
}

func TestWaitForPodCIDR(t *testing.T) {
	f := &fakeNodeAPI{nodes: map[string]*api.Node{}, noCIDR: true}
	agent := newNodeAgent(f, &fakeClock{t: t0})
	n, err := agent.register(context.Background())
	if err != nil || n.Spec.PodCIDR != "" {
		t.Fatalf("register: %+v, %v", n, err)
	}
	gets := 0
	agent.api = &cidrLater{fakeNodeAPI: f, after: 3, gets: &gets}
	n, err = agent.waitForPodCIDR(context.Background(), n)
	if err != nil || n.Spec.PodCIDR != "10.244.5.0/24" || gets != 3 {
		t.Fatalf("got %q after %d reads, %v", n.Spec.PodCIDR, gets, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := agent.waitForPodCIDR(ctx, &api.Node{}); err == nil {
		t.Fatal("waiting did not stop with its context")
	}
}

// cidrLater gives the node a pod CIDR on the after-th read.
type cidrLater struct {
	*fakeNodeAPI
	after int
	gets  *int
}

func (c *cidrLater) GetNode(ctx context.Context, name string) (*api.Node, error) {
	*c.gets++
	if *c.gets == c.after {
		c.nodes[name].Spec.PodCIDR = "10.244.5.0/24"
	}
	return c.fakeNodeAPI.GetNode(ctx, name)
}
