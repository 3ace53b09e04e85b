package integration

import (
	"bufio"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// cluster is a control plane and simulated nodes, each a real process:
// apiserver (embedded etcd), scheduler, controller and one
// `kubelet --runtime=fake` per node.
type cluster struct {
	t          *testing.T
	addr       string
	dir        string
	c          *client.Client
	apiserver  *process
	scheduler  *process
	controller *process
	kubelets   map[string]*process
}

// startCluster starts a cluster with the given nodes. The node lifecycle
// timings are a lab's: a node is Unknown after 3 s without a heartbeat and
// its pods go 2 s later (their default tolerations last 2 s). The leader
// leases last 3 s, so that a controller or scheduler started after one
// was killed takes over within 3 s.
func startCluster(t *testing.T, nodes ...string) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a whole control plane and simulated nodes as processes")
	}
	cl := &cluster{t: t, addr: freeAddr(t), dir: t.TempDir(), kubelets: map[string]*process{}}
	cl.startAPIServer()
	cl.c = adminClient(t, cl.addr)
	cl.startScheduler()
	cl.startController()
	for _, n := range nodes {
		cl.startKubelet(n)
	}
	cl.eventually(fmt.Sprintf("%d nodes Ready", len(nodes)), func() bool { return len(cl.readyNodes()) == len(nodes) })
	return cl
}

func (cl *cluster) server() string { return "https://" + cl.addr }

// as are the flags that reach the cluster's apiserver as the user of a
// kubeconfig.
func (cl *cluster) as(kubeconfigPath string) []string { return connectFlags(kubeconfigPath, cl.addr) }

func (cl *cluster) startAPIServer() {
	args := append([]string{"--listen", cl.addr, "--data-dir", cl.dir + "/etcd", "--log-level", "warn",
		"--default-not-ready-toleration-seconds", "2", "--default-unreachable-toleration-seconds", "2"},
		apiserverTLSFlags(cl.t)...)
	p := start(cl.t, "apiserver", args...)
	cl.apiserver = p
	waitHealthy(cl.t, cl.server())
	cl.t.Cleanup(func() { cl.checkNothingRefused(p) })
}

// checkNothingRefused fails the test if the apiserver p answered any
// request with 403 Forbidden. The test itself is the admin: every refusal
// is one of a component's, whose role, or the Node authorizer, does not
// allow what it does. Which request it was, the component's log says
// when it logs at warn (an informer's refused list or watch logs at
// info), and so does a Warning event when the component records one (a
// kubelet's FailedMount). An apiserver the test killed is not asked: the
// one that replaced it is.
func (cl *cluster) checkNothingRefused(p *process) {
	if p.cmd.ProcessState != nil {
		return
	}
	resp, err := adminHTTP(cl.t).Get(cl.server() + "/metrics")
	if err != nil {
		cl.t.Errorf("the apiserver's /metrics: %v", err)
		return
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "apiserver_forbidden_total "); ok && n != "0" {
			cl.t.Errorf("the apiserver refused %s requests with 403: a component may not do what it does", n)
			cl.logRefusalEvents()
		}
	}
}

// logRefusalEvents logs the events that tell of an authorizer's refusal.
func (cl *cluster) logRefusalEvents() {
	events, _, err := cl.res("events").List(context.Background(), client.ListOptions{})
	if err != nil {
		cl.t.Logf("listing the events: %v", err)
		return
	}
	for _, obj := range events {
		if e := obj.(*api.Event); strings.Contains(e.Message, authorizerRefusal) {
			cl.t.Logf("event %s %s/%s (%s, from %s): %s", e.Reason, e.InvolvedObject.Kind, e.InvolvedObject.Name,
				e.Type, e.Source.Component, e.Message)
		}
	}
}

func (cl *cluster) startScheduler() {
	args := append(cl.as(componentKubeconfig(cl.t, "scheduler")), "--listen", "", "--log-level", "warn")
	args = append(args, leaderElectFlags...)
	cl.scheduler = start(cl.t, "scheduler", args...)
}

// startController starts the controller manager, with extra flags
// after the cluster's own.
func (cl *cluster) startController(extra ...string) {
	args := append(cl.as(componentKubeconfig(cl.t, "controller")), "--listen", "", "--log-level", "warn",
		"--node-monitor-grace-period", "3s", "--pod-eviction-timeout", "2s")
	args = append(append(args, leaderElectFlags...), extra...)
	cl.controller = start(cl.t, "controller", args...)
}

// leaderElectFlags make a leader's lease short: Kubernetes' 15 s, 10 s
// and 2 s would hold a restarted component back 15 s.
var leaderElectFlags = []string{"--leader-elect-lease-duration", "3s", "--leader-elect-renew-deadline", "2s",
	"--leader-elect-retry-period", "500ms"}

// startKubelet starts a simulated node, its kubelet as system:node:<node>.
func (cl *cluster) startKubelet(node string, labels ...string) {
	args := append(cl.as(kubeletKubeconfig(cl.t, node)), "--runtime", "fake", "--node-name", node, "--port", "0",
		"--heartbeat", "1s", "--root-dir", cl.dir+"/kubelet-"+node, "--log-level", "warn",
		"--cpu", "4", "--memory", "8Gi")
	for _, l := range labels {
		args = append(args, "--node-labels", l)
	}
	cl.kubelets[node] = start(cl.t, "kubelet", args...)
}

func (cl *cluster) res(name string) *client.ResourceClient {
	cl.t.Helper()
	return cl.c.Resource(mustLookup(cl.t, name))
}

// eventually polls cond for up to 30 s.
func (cl *cluster) eventually(what string, cond func() bool) {
	cl.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			cl.dump()
			cl.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (cl *cluster) readyNodes() []string {
	objs, _, err := cl.res("nodes").List(context.Background(), client.ListOptions{})
	if err != nil {
		return nil
	}
	var out []string
	for _, o := range objs {
		n := o.(*api.Node)
		for _, c := range n.Status.Conditions {
			if c.Type == api.NodeReady && c.Status == api.ConditionTrue {
				out = append(out, n.Name)
			}
		}
	}
	return out
}

// pods lists the pods matching a label selector in the default namespace.
func (cl *cluster) pods(selector string) []*api.Pod {
	objs, _, err := cl.res("pods").Namespace("default").List(context.Background(), client.ListOptions{LabelSelector: selector})
	if err != nil {
		cl.t.Fatal(err)
	}
	out := make([]*api.Pod, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(*api.Pod))
	}
	return out
}

// running counts the pods of selector that are Running and not being
// deleted, and returns how many run on each node.
func (cl *cluster) running(selector string) (int, map[string]int) {
	perNode := map[string]int{}
	n := 0
	for _, p := range cl.pods(selector) {
		if p.Status.Phase == api.PodRunning && p.DeletionTimestamp == nil {
			n++
			perNode[p.Spec.NodeName]++
		}
	}
	return n, perNode
}

func (cl *cluster) create(obj api.Object) api.Object {
	cl.t.Helper()
	out, err := cl.c.For(obj).Create(context.Background(), obj)
	if err != nil {
		cl.t.Fatal(err)
	}
	return out
}

func (cl *cluster) scale(name string, replicas int32) {
	cl.t.Helper()
	patch := fmt.Sprintf(`{"spec":{"replicas":%d}}`, replicas)
	if _, err := cl.res("replicasets").Namespace("default").Patch(context.Background(), name, client.MergePatch, []byte(patch), ""); err != nil {
		cl.t.Fatal(err)
	}
}

func replicaSet(name string, replicas int32) *api.ReplicaSet {
	labels := map[string]string{"app": name}
	return &api.ReplicaSet{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.ReplicaSetSpec{
			Replicas: api.Int32(replicas),
			Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "app", Image: "kubelab/kubia:latest",
					Ports: []api.ContainerPort{{Name: "http", ContainerPort: 8080}},
					Resources: api.ResourceRequirements{Requests: api.ResourceList{
						"cpu": api.MustParse("100m"), "memory": api.MustParse("64Mi")}}}}}},
		},
	}
}

// converged waits until exactly want pods of selector run and no extra
// pods exist (none pending, none being deleted), and stays so for a moment.
func (cl *cluster) converged(selector string, want int) map[string]int {
	cl.t.Helper()
	var perNode map[string]int
	exact := func() bool {
		var n int
		n, perNode = cl.running(selector)
		return n == want && len(cl.pods(selector)) == want
	}
	cl.eventually(fmt.Sprintf("exactly %d running pods of %s", want, selector), exact)
	time.Sleep(time.Second)
	if !exact() {
		cl.t.Fatalf("%s drifted from %d pods after converging: %v", selector, want, perNode)
	}
	return perNode
}

func nodesOf(perNode map[string]int) []string {
	var out []string
	for n := range perNode {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// dump logs the pods and endpoints, to see why a wait timed out.
func (cl *cluster) dump() {
	for _, p := range cl.pods("") {
		cl.t.Logf("pod %s node=%s phase=%s ip=%s deleting=%v conditions=%+v", p.Name, p.Spec.NodeName,
			p.Status.Phase, p.Status.PodIP, p.DeletionTimestamp != nil, p.Status.Conditions)
	}
	eps, _, _ := cl.res("endpoints").List(context.Background(), client.ListOptions{})
	for _, e := range eps {
		cl.t.Logf("endpoints %s: %+v", e.GetObjectMeta().Name, e.(*api.Endpoints).Subsets)
	}
}
