package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kubelet/runtime"
)

// Two simulated nodes in one process, against just enough of an apiserver
// (nodes, pods with their status, watch, events, the kubernetes Service)
// to check that Run wires the parts together: registration, the pod
// informer of each node, what containers are given (environment,
// resolv.conf), status writes, a restart noticed by the relister, graceful
// deletion.
func TestSimulatedNodesInOneProcess(t *testing.T) {
	srv := newFakeAPIServer(t)
	srv.addPod(testPod("p1", api.RestartAlways, "kubia"))
	p2 := testPod("p2", api.RestartAlways, "kubia")
	p2.Spec.NodeName = "n2"
	srv.addPod(p2)

	c, err := client.New(client.Config{Server: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	kubelets := map[string]*Kubelet{}
	for _, name := range []string{"n1", "n2"} {
		k, err := New(Options{Client: c, NodeName: name, RootDir: t.TempDir(), Logger: zap.NewNop(),
			Heartbeat: 50 * time.Millisecond, RelistPeriod: 10 * time.Millisecond, CPU: "2", Memory: "4Gi",
			ClusterDNS: []string{"10.96.0.10"}})
		if err != nil {
			t.Fatal(err)
		}
		kubelets[name] = k
		wg.Go(func() {
			if err := k.Run(ctx); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		})
	}
	defer func() { cancel(); wg.Wait() }()

	p1 := srv.waitForPod(t, "p1", func(p *api.Pod) bool { return p.Status.Phase == api.PodRunning })
	p2 = srv.waitForPod(t, "p2", func(p *api.Pod) bool { return p.Status.Phase == api.PodRunning })
	n1 := srv.node(t, "n1")
	for _, p := range []*api.Pod{p1, p2} {
		cidr := netip.MustParsePrefix(srv.node(t, p.Spec.NodeName).Spec.PodCIDR)
		if ip, err := netip.ParseAddr(p.Status.PodIP); err != nil || !cidr.Contains(ip) || p.Status.HostIP != "127.0.0.1" {
			t.Errorf("%s: pod IP %s not in its node's %s, or host IP %s", p.Name, p.Status.PodIP, cidr, p.Status.HostIP)
		}
	}
	if n1.Status.DaemonEndpoints.KubeletEndpoint.Port == 0 || n1.Status.Capacity["cpu"].String() != "2" {
		t.Errorf("node status %+v", n1.Status)
	}
	if got := get(t, "http://"+kubelets["n1"].Addr()+"/healthz"); got != "ok" {
		t.Errorf("/healthz = %q", got)
	}
	cfg, _ := kubelets["n1"].Runtime().(*FakeRuntime).LastConfig(p1.UID, "c0")
	if !slices.Contains(cfg.Env, "KUBERNETES_SERVICE_HOST=10.96.0.1") ||
		cfg.ResolvConf != "nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n" {
		t.Errorf("p1 was given env %q and resolv.conf %q", cfg.Env, cfg.ResolvConf)
	}

	// A crash, noticed by the relister, restarts the container.
	if err := kubelets["n1"].Runtime().(*FakeRuntime).Exit(p1.UID, "c0", 1, ""); err != nil {
		t.Fatal(err)
	}
	srv.waitForPod(t, "p1", func(p *api.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount == 1 &&
			p.Status.ContainerStatuses[0].State.Running != nil
	})

	// Graceful deletion: the kubelet stops p2 and deletes it for good.
	srv.markDeleted("p2", 30)
	deadline := time.Now().Add(5 * time.Second)
	for srv.hasPod("p2") {
		if time.Now().After(deadline) {
			t.Fatal("p2 was not deleted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := srv.lastDelete(); got != "p2 grace=0 uid=uid-p2" {
		t.Errorf("final delete: %s", got)
	}
	if cs, _ := kubelets["n2"].Runtime().ListContainers(ctx); len(cs) != 0 {
		t.Errorf("containers left on n2: %v", summarize(cs))
	}
}

// fakeAPIServer keeps nodes and pods in memory and streams pod events to
// watchers. Everything is in namespace default; the field selector is
// honoured for spec.nodeName only.
type fakeAPIServer struct {
	*httptest.Server
	t *testing.T

	mu       sync.Mutex
	rv       int
	nodes    map[string]*api.Node
	pods     map[string]*api.Pod
	events   []podEvent // every pod event, for watches to replay
	changed  chan struct{}
	deletes  []string
	podCIDRs int
}

type podEvent struct {
	rv  int
	typ string
	pod *api.Pod
}

func newFakeAPIServer(t *testing.T) *fakeAPIServer {
	f := &fakeAPIServer{t: t, nodes: map[string]*api.Node{}, pods: map[string]*api.Pod{}, changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/nodes", f.createNode)
	mux.HandleFunc("GET /api/v1/nodes/{name}", f.getNode)
	mux.HandleFunc("GET /api/v1/nodes", f.listOrWatchNodes)
	mux.HandleFunc("PUT /api/v1/nodes/{name}/status", f.updateNodeStatus)
	mux.HandleFunc("GET /api/v1/pods", f.listOrWatchPods)
	mux.HandleFunc("GET /api/v1/namespaces/default/services", f.listOrWatchServices)
	mux.HandleFunc("PUT /api/v1/namespaces/default/pods/{name}/status", f.updatePodStatus)
	mux.HandleFunc("DELETE /api/v1/namespaces/default/pods/{name}", f.deletePod)
	mux.HandleFunc("POST /api/v1/namespaces/default/events", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusCreated)
		w.Write(b)
	})
	mux.HandleFunc("PATCH /api/v1/namespaces/default/events/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"kind":"Event","apiVersion":"v1"}`))
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, reason string) {
	reply(w, code, &api.Status{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"}, Status: "Failure", Reason: reason, Code: int32(code), Message: reason})
}

func (f *fakeAPIServer) nextRV() string {
	f.rv++
	return strconv.Itoa(f.rv)
}

func (f *fakeAPIServer) createNode(w http.ResponseWriter, r *http.Request) {
	var n api.Node
	json.NewDecoder(r.Body).Decode(&n)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.nodes[n.Name]; ok {
		fail(w, http.StatusConflict, "AlreadyExists")
		return
	}
	f.podCIDRs++
	n.Spec.PodCIDR = fmt.Sprintf("10.244.%d.0/24", f.podCIDRs)
	n.ResourceVersion = f.nextRV()
	f.nodes[n.Name] = &n
	reply(w, http.StatusCreated, &n)
}

func (f *fakeAPIServer) getNode(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.nodes[r.PathValue("name")]
	if !ok {
		fail(w, http.StatusNotFound, "NotFound")
		return
	}
	reply(w, http.StatusOK, n)
}

// listOrWatchNodes lists the nodes; a watch sends nothing and lasts until
// the client goes.
func (f *fakeAPIServer) listOrWatchNodes(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("watch") == "true" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return
	}
	f.mu.Lock()
	list := api.List[*api.Node]{Metadata: api.ListMeta{ResourceVersion: strconv.Itoa(f.rv)}, Items: []*api.Node{}}
	for _, n := range f.nodes {
		list.Items = append(list.Items, n)
	}
	f.mu.Unlock()
	reply(w, http.StatusOK, list)
}

// addNode stores a node another kubelet registered.
func (f *fakeAPIServer) addNode(n *api.Node) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n.ResourceVersion = f.nextRV()
	f.nodes[n.Name] = n
}

func (f *fakeAPIServer) updateNodeStatus(w http.ResponseWriter, r *http.Request) {
	var n api.Node
	json.NewDecoder(r.Body).Decode(&n)
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.nodes[r.PathValue("name")]
	if !ok {
		fail(w, http.StatusNotFound, "NotFound")
		return
	}
	if n.ResourceVersion != "" && n.ResourceVersion != cur.ResourceVersion {
		fail(w, http.StatusConflict, "Conflict")
		return
	}
	cur.Status, cur.ResourceVersion = n.Status, f.nextRV()
	reply(w, http.StatusOK, cur)
}

// addPod stores p and tells watchers; the caller holds no lock.
func (f *fakeAPIServer) addPod(p *api.Pod) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.storePod(api.Added, api.DeepCopy(p))
}

// storePod records a change of pod; f.mu is held.
func (f *fakeAPIServer) storePod(typ string, p *api.Pod) {
	p.ResourceVersion = f.nextRV()
	if typ == api.Deleted {
		delete(f.pods, p.Name)
	} else {
		f.pods[p.Name] = p
	}
	f.events = append(f.events, podEvent{rv: f.rv, typ: typ, pod: api.DeepCopy(p)})
	close(f.changed)
	f.changed = make(chan struct{})
}

// listOrWatchServices lists the kubernetes Service, the only one a
// kubelet asks for; a watch sends nothing and lasts until the client goes.
func (f *fakeAPIServer) listOrWatchServices(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("watch") == "true" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return
	}
	svc := &api.Service{ObjectMeta: api.ObjectMeta{Name: "kubernetes", Namespace: "default", ResourceVersion: "1"},
		Spec: api.ServiceSpec{ClusterIP: "10.96.0.1", Ports: []api.ServicePort{{Name: "https", Port: 443, Protocol: "TCP"}}}}
	reply(w, http.StatusOK, api.List[*api.Service]{Metadata: api.ListMeta{ResourceVersion: "1"}, Items: []*api.Service{svc}})
}

func (f *fakeAPIServer) listOrWatchPods(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	node := strings.TrimPrefix(q.Get("fieldSelector"), "spec.nodeName=")
	if q.Get("watch") != "true" {
		f.mu.Lock()
		list := api.List[*api.Pod]{Metadata: api.ListMeta{ResourceVersion: strconv.Itoa(f.rv)}, Items: []*api.Pod{}}
		for _, p := range f.pods {
			if p.Spec.NodeName == node {
				list.Items = append(list.Items, p)
			}
		}
		f.mu.Unlock()
		reply(w, http.StatusOK, list)
		return
	}
	from, _ := strconv.Atoi(q.Get("resourceVersion"))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	for {
		f.mu.Lock()
		var send []podEvent
		for _, e := range f.events {
			if e.rv > from && e.pod.Spec.NodeName == node {
				send = append(send, e)
			}
		}
		changed := f.changed
		from = f.rv
		f.mu.Unlock()
		for _, e := range send {
			obj, _ := json.Marshal(e.pod)
			json.NewEncoder(w).Encode(api.WatchEvent{Type: e.typ, Object: obj})
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-changed:
		}
	}
}

func (f *fakeAPIServer) updatePodStatus(w http.ResponseWriter, r *http.Request) {
	var p api.Pod
	json.NewDecoder(r.Body).Decode(&p)
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.pods[r.PathValue("name")]
	if !ok {
		fail(w, http.StatusNotFound, "NotFound")
		return
	}
	if p.ResourceVersion != cur.ResourceVersion {
		fail(w, http.StatusConflict, "Conflict")
		return
	}
	upd := api.DeepCopy(cur)
	upd.Status = p.Status
	f.storePod(api.Modified, upd)
	reply(w, http.StatusOK, upd)
}

func (f *fakeAPIServer) deletePod(w http.ResponseWriter, r *http.Request) {
	var opts api.DeleteOptions
	json.NewDecoder(r.Body).Decode(&opts)
	f.mu.Lock()
	defer f.mu.Unlock()
	name := r.PathValue("name")
	cur, ok := f.pods[name]
	if !ok {
		fail(w, http.StatusNotFound, "NotFound")
		return
	}
	f.deletes = append(f.deletes, fmt.Sprintf("%s grace=%d uid=%s", name, *opts.GracePeriodSeconds, *opts.Preconditions.UID))
	f.storePod(api.Deleted, api.DeepCopy(cur))
	reply(w, http.StatusOK, cur)
}

// markDeleted does what the apiserver does to a bound pod on a graceful
// delete: it sets the deletion timestamp and leaves the rest to the kubelet.
func (f *fakeAPIServer) markDeleted(name string, grace int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := api.DeepCopy(f.pods[name])
	at := api.NewTime(time.Now().Add(time.Duration(grace) * time.Second))
	p.DeletionTimestamp, p.DeletionGracePeriodSeconds = &at, &grace
	f.storePod(api.Modified, p)
}

func (f *fakeAPIServer) waitForPod(t *testing.T, name string, ok func(*api.Pod) bool) *api.Pod {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		p, found := f.pods[name]
		changed := f.changed
		f.mu.Unlock()
		if found && ok(p) {
			return api.DeepCopy(p)
		}
		select {
		case <-changed:
		case <-time.After(time.Until(deadline)):
			t.Fatalf("pod %s did not get there: %+v", name, p)
		}
	}
}

func (f *fakeAPIServer) node(t *testing.T, name string) *api.Node {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.nodes[name]
	if !ok {
		t.Fatalf("no node %s", name)
	}
	return api.DeepCopy(n)
}

func (f *fakeAPIServer) hasPod(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.pods[name]
	return ok
}

func (f *fakeAPIServer) lastDelete() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.deletes) == 0 {
		return ""
	}
	return f.deletes[len(f.deletes)-1]
}

// pidRuntime is a FakeRuntime that tells sandbox PIDs, so that a kubelet
// can wire a (fake) pod network with it.
type pidRuntime struct{ *FakeRuntime }

func (pidRuntime) SandboxPID(context.Context, string) (int, error) { return 4242, nil }

// Run builds the pod network once it knows the pod CIDR, routes to the
// other nodes, wires each pod after its sandbox and unwires it before.
func TestRunWiresThePodNetwork(t *testing.T) {
	srv := newFakeAPIServer(t)
	srv.addPod(testPod("p1", api.RestartAlways, "kubia"))
	srv.addNode(&api.Node{
		ObjectMeta: api.ObjectMeta{Name: "n2"},
		Spec:       api.NodeSpec{PodCIDR: "10.244.9.0/24"},
		Status:     api.NodeStatus{Addresses: []api.NodeAddress{{Type: api.NodeInternalIP, Address: "192.168.56.12"}}},
	})
	c, err := client.New(client.Config{Server: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	rt := pidRuntime{NewFakeRuntime("n1", nil)}
	net := &fakeNetwork{rt: rt.FakeRuntime}
	var built []string
	k, err := New(Options{Client: c, NodeName: "n1", NodeIP: "127.0.0.1", RootDir: t.TempDir(), Logger: zap.NewNop(), Runtime: rt,
		RelistPeriod: 10 * time.Millisecond, CPU: "2", Memory: "4Gi",
		NewNetwork: func(podCIDR, nodeIP string) (runtime.PodNetwork, error) {
			built = append(built, podCIDR+" "+nodeIP)
			return net, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- k.Run(ctx) }()
	defer func() { cancel(); <-done }()

	p1 := srv.waitForPod(t, "p1", func(p *api.Pod) bool { return p.Status.Phase == api.PodRunning })
	srv.markDeleted("p1", 30)
	for deadline := time.Now().Add(5 * time.Second); srv.hasPod("p1"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("p1 was not deleted")
		}
	}
	wantStrings(t, "networks built", built, []string{"10.244.1.0/24 127.0.0.1"})
	calls := net.take()
	slices.Sort(calls) // routes and pods are synced by different goroutines
	wantStrings(t, "network calls", calls, []string{
		"init",
		"routes [{n2 192.168.56.12 10.244.9.0/24}]",
		"setup uid-p1 " + p1.Status.PodIP + " pid=4242",
		"teardown uid-p1 sandbox=running",
	})
}

func TestNewNeedsASandboxPIDForANetwork(t *testing.T) {
	_, err := New(Options{NodeName: "n1", Server: "http://127.0.0.1:1", Logger: zap.NewNop(),
		NewNetwork: func(string, string) (runtime.PodNetwork, error) { return nil, nil }})
	if err == nil || !strings.Contains(err.Error(), "a pod network needs a runtime that tells a sandbox's PID") {
		t.Errorf("New: %v", err)
	}
}
