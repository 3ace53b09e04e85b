package proxy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// The Proxier against a FakeApplier and in-memory caches: what a sync
// writes, when it writes everything, what it deletes, and what else it
// does (conntrack, load balancer status).

// objects is an in-memory Lister.
type objects struct {
	mu    sync.Mutex
	items []api.Object
}

func (o *objects) List() []api.Object {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.items)
}

func (o *objects) set(items ...api.Object) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.items = items
}

type fakeConntrack struct {
	mu      sync.Mutex
	deleted []ConntrackFilter
}

func (c *fakeConntrack) DeleteUDP(f ConntrackFilter) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deleted = append(c.deleted, f)
	return nil
}

type fakeStatus struct {
	mu      sync.Mutex
	written []*api.Service
}

func (s *fakeStatus) UpdateServiceStatus(_ context.Context, svc *api.Service) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written = append(s.written, svc)
	return nil
}

type harness struct {
	p                          *Proxier
	applier                    *FakeApplier
	conntrack                  *fakeConntrack
	status                     *fakeStatus
	services, endpoints, nodes *objects
}

func newHarness(t *testing.T, node NodeInfo) *harness {
	h := &harness{applier: NewFakeApplier(), conntrack: &fakeConntrack{}, status: &fakeStatus{},
		services: &objects{}, endpoints: &objects{}, nodes: &objects{}}
	h.p = mustNew(t, Config{Node: node, MinSyncPeriod: 0, SyncPeriod: time.Hour,
		Applier: h.applier, Conntrack: h.conntrack, Status: h.status,
		Services: h.services, Endpoints: h.endpoints, Nodes: h.nodes, Log: zaptest.NewLogger(t)})
	return h
}

// mustNew is New, failing the test on an error.
func mustNew(t *testing.T, cfg Config) *Proxier {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sync syncs the rules, then writes the statuses that sync asked for,
// as Run's status goroutine would.
func (h *harness) sync(t *testing.T, full bool) {
	t.Helper()
	if err := h.p.Sync(context.Background(), full); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.p.status:
		h.p.writeStatus(context.Background())
	default:
	}
}

func (h *harness) lastRestore() string {
	r := h.applier.Restores()
	if len(r) == 0 {
		return ""
	}
	return r[len(r)-1]
}

func TestSyncFirstFullThenOnlyChanges(t *testing.T) {
	h := newHarness(t, node1)
	h.applier.AddChain("nat", "KLAB-SVC-LEFTOVERFROMBEFORE") // from a run before this one
	h.applier.AddChain("filter", "KLAB-FORWARD")             // the kubelet's
	h.services.set(service("default", "kubia", "10.96.0.10"), service("default", "other", "10.96.0.11"))
	h.endpoints.set(endpoints("default", "kubia", "10.244.1.2"), endpoints("default", "other", "10.244.1.9"))

	h.sync(t, false) // the first sync is full whatever the caller asks
	first := h.lastRestore()
	written, deleted := chainsIn(first)
	if !slices.Contains(written, "KLAB-SERVICES") || !slices.Contains(written, "KLAB-PROXY-FORWARD") {
		t.Errorf("the first sync did not write every chain: %v", written)
	}
	if !slices.Equal(deleted, []string{"KLAB-SVC-LEFTOVERFROMBEFORE"}) {
		t.Errorf("the first sync deleted %v, want the leftover chain only", deleted)
	}
	if n := h.applier.JumpCount(); n != len(Jumps) {
		t.Errorf("%d jumps after the first sync, want %d", n, len(Jumps))
	}

	h.endpoints.set(endpoints("default", "kubia", "10.244.1.2", "10.244.2.2"), endpoints("default", "other", "10.244.1.9"))
	h.sync(t, false)
	written, deleted = chainsIn(h.lastRestore())
	want := []string{expand("SEP(default/kubia:http/tcp/10.244.2.2:8080)"), expand("SVC(default/kubia:http/tcp)")}
	slices.Sort(want)
	if !slices.Equal(written, want) || len(deleted) > 0 {
		t.Errorf("a partial sync wrote %v and deleted %v; want only %v", written, deleted, want)
	}

	before := len(h.applier.Restores())
	h.sync(t, false)
	if n := len(h.applier.Restores()); n != before {
		t.Errorf("a sync with nothing changed called iptables-restore:\n%s", h.lastRestore())
	}

	h.sync(t, true) // the periodic full sync writes everything again
	if written, _ := chainsIn(h.lastRestore()); !slices.Contains(written, "KLAB-SERVICES") {
		t.Errorf("a full sync wrote only %v", written)
	}
	assertHolds(t, h.applier, Generate(client.ListOf[*api.Service](h.services), client.ListOf[*api.Endpoints](h.endpoints), node1))
}

func TestSyncAfterAFailureIsFull(t *testing.T) {
	h := newHarness(t, node1)
	h.services.set(service("default", "kubia", "10.96.0.10"))
	h.endpoints.set(endpoints("default", "kubia", "10.244.1.2"))
	h.sync(t, false)

	h.endpoints.set(endpoints("default", "kubia", "10.244.1.3"))
	h.applier.FailNext = errors.New("iptables-restore: resource busy")
	if err := h.p.Sync(context.Background(), false); err == nil {
		t.Fatal("Sync hid the applier's error")
	}
	// Nobody knows now what the kernel holds: the next sync reads it back
	// and writes everything.
	h.sync(t, false)
	if written, _ := chainsIn(h.lastRestore()); !slices.Contains(written, "KLAB-SERVICES") {
		t.Errorf("the sync after a failure was not full: it wrote %v", written)
	}
	assertHolds(t, h.applier, Generate(client.ListOf[*api.Service](h.services), client.ListOf[*api.Endpoints](h.endpoints), node1))
}

func TestSyncDeletesConntrackOfGoneUDPEndpoints(t *testing.T) {
	h := newHarness(t, node1)
	dns := service("kube-system", "dns", "10.96.0.53", nodePort(30053),
		ports(api.ServicePort{Name: "dns", Protocol: "UDP", Port: 53, NodePort: 30053}))
	udp := []api.EndpointPort{{Name: "dns", Port: 53, Protocol: "UDP"}}
	h.services.set(dns)
	h.endpoints.set(endpointsPorts("kube-system", "dns", udp, "10.244.1.5", "10.244.2.5"))
	h.sync(t, false)

	h.endpoints.set(endpointsPorts("kube-system", "dns", udp, "10.244.1.5"))
	h.sync(t, false)
	want := []ConntrackFilter{{OrigDst: "10.96.0.53", DstNAT: "10.244.2.5"}, {OrigPortDst: 30053, DstNAT: "10.244.2.5"}}
	slices.SortFunc(want, func(a, b ConntrackFilter) int { return strings.Compare(a.OrigDst, b.OrigDst) })
	if !slices.Equal(h.conntrack.deleted, want) {
		t.Errorf("conntrack deletions %+v, want %+v", h.conntrack.deleted, want)
	}
}

func TestStaleUDP(t *testing.T) {
	udpPort := func(eps ...string) []ServicePort {
		sp := ServicePort{Name: "ns/dns:dns", Protocol: "udp", ClusterIP: "10.96.0.53", Port: 53}
		for _, ip := range eps {
			sp.Endpoints = append(sp.Endpoints, Endpoint{IP: ip, Port: 53})
		}
		return []ServicePort{sp}
	}
	tcp := []ServicePort{{Name: "ns/web:http", Protocol: "tcp", ClusterIP: "10.96.0.80", Port: 80,
		Endpoints: []Endpoint{{IP: "10.244.1.8", Port: 80}}}}
	tests := []struct {
		name       string
		prev, next []ServicePort
		want       []ConntrackFilter
	}{
		{"nothing changed", udpPort("10.244.1.5"), udpPort("10.244.1.5"), nil},
		{"an endpoint gone", udpPort("10.244.1.5", "10.244.2.5"), udpPort("10.244.1.5"),
			[]ConntrackFilter{{OrigDst: "10.96.0.53", DstNAT: "10.244.2.5"}}},
		{"the service gone", udpPort("10.244.1.5"), nil,
			[]ConntrackFilter{{OrigDst: "10.96.0.53", DstNAT: "10.244.1.5"}}},
		{"first endpoint: what went nowhere before goes", udpPort(), udpPort("10.244.1.5"),
			[]ConntrackFilter{{OrigDst: "10.96.0.53"}}},
		{"TCP is left alone", tcp, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := staleUDP(tt.prev, tt.next)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func readyNode(name, ip string, ready bool) *api.Node {
	status := api.ConditionTrue
	if !ready {
		status = "Unknown"
	}
	return &api.Node{ObjectMeta: api.ObjectMeta{Name: name}, Status: api.NodeStatus{
		Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: status}},
		Addresses:  []api.NodeAddress{{Type: api.NodeInternalIP, Address: ip}, {Type: api.NodeHostName, Address: name}},
	}}
}

func TestLoadBalancerStatus(t *testing.T) {
	ingress := func(ips ...string) []api.LoadBalancerIngress {
		var out []api.LoadBalancerIngress
		for _, ip := range ips {
			out = append(out, api.LoadBalancerIngress{IP: ip})
		}
		return out
	}
	withIngress := func(s *api.Service, in []api.LoadBalancerIngress) *api.Service {
		s.Status.LoadBalancer.Ingress = in
		return s
	}
	lb := func() *api.Service { return service("default", "web", "10.96.0.80", loadBalancer(30080)) }
	both := []*api.Node{readyNode("node2", "192.168.56.12", true), readyNode("node1", "192.168.56.11", true)}
	tests := []struct {
		name     string
		self     string
		nodes    []*api.Node
		services []*api.Service
		want     map[string][]api.LoadBalancerIngress // written services → their ingress
	}{
		{"the first Ready node writes every Ready node's address", "node1", both,
			[]*api.Service{lb()}, map[string][]api.LoadBalancerIngress{"web": ingress("192.168.56.11", "192.168.56.12")}},
		{"the other nodes write nothing", "node2", both, []*api.Service{lb()}, nil},
		{"the first node NotReady: the next one writes, without it", "node2",
			[]*api.Node{readyNode("node1", "192.168.56.11", false), readyNode("node2", "192.168.56.12", true)},
			[]*api.Service{withIngress(lb(), ingress("192.168.56.11", "192.168.56.12"))},
			map[string][]api.LoadBalancerIngress{"web": ingress("192.168.56.12")}},
		{"already right: no write", "node1", both,
			[]*api.Service{withIngress(lb(), ingress("192.168.56.11", "192.168.56.12"))}, nil},
		{"no longer a LoadBalancer: the addresses go", "node1", both,
			[]*api.Service{withIngress(service("default", "web", "10.96.0.80"), ingress("192.168.56.11"))},
			map[string][]api.LoadBalancerIngress{"web": nil}},
		{"a ClusterIP service is left alone", "node1", both, []*api.Service{service("default", "db", "10.96.0.5")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := api.DeepCopy(tt.services[0])
			got := map[string][]api.LoadBalancerIngress{}
			for _, s := range statusUpdates(tt.services, tt.nodes, tt.self) {
				got[s.Name] = s.Status.LoadBalancer.Ingress
			}
			if len(got) != len(tt.want) {
				t.Fatalf("wrote %v, want %v", got, tt.want)
			}
			for name, in := range tt.want {
				if g, ok := got[name]; !ok || !slices.Equal(g, in) {
					t.Errorf("%s: ingress %v, want %v", name, g, in)
				}
			}
			if !slices.Equal(orig.Status.LoadBalancer.Ingress, tt.services[0].Status.LoadBalancer.Ingress) {
				t.Error("statusUpdates changed the cached object instead of a copy")
			}
		})
	}
}

// With no --node-ip, a LoadBalancer answers on the Node's InternalIP, and
// the status is written through the StatusWriter.
func TestNodeAddressesFromTheNodeObject(t *testing.T) {
	h := newHarness(t, NodeInfo{Name: "node1", ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14})
	h.services.set(service("default", "web", "10.96.0.80", loadBalancer(30080)))
	h.endpoints.set(endpoints("default", "web", "10.244.1.2"))
	h.nodes.set(readyNode("node1", "192.168.56.11", true))
	h.sync(t, false)
	rules, _ := h.applier.Rules("nat", chainServices)
	if !slices.ContainsFunc(rules, func(r string) bool { return strings.Contains(r, "-d 192.168.56.11/32 -p tcp --dport 80") }) {
		t.Errorf("no rule for the node's address:\n%s", strings.Join(rules, "\n"))
	}
	if len(h.status.written) != 1 || !slices.Equal(h.status.written[0].Status.LoadBalancer.Ingress,
		[]api.LoadBalancerIngress{{IP: "192.168.56.11"}}) {
		t.Errorf("status writes %+v", h.status.written)
	}
}

// With --node-ip given, the rules answer there and also on the Node's
// InternalIP, which the load balancer status publishes: every address in
// the status answers. A loopback InternalIP gets neither a rule nor a
// place in the status.
func TestConfiguredAndInternalAddressesBothAnswer(t *testing.T) {
	h := newHarness(t, NodeInfo{Name: "node1", IPs: []string{"203.0.113.10"}, ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14})
	h.services.set(service("default", "web", "10.96.0.80", loadBalancer(30080)))
	h.endpoints.set(endpoints("default", "web", "10.244.1.2"))
	h.nodes.set(readyNode("node1", "192.168.56.11", true), readyNode("node2", "127.0.0.1", true))
	h.sync(t, false)
	rules, _ := h.applier.Rules("nat", chainServices)
	for _, ip := range []string{"203.0.113.10", "192.168.56.11"} {
		if !slices.ContainsFunc(rules, func(r string) bool { return strings.Contains(r, "-d "+ip+"/32 -p tcp --dport 80") }) {
			t.Errorf("no rule for %s:\n%s", ip, strings.Join(rules, "\n"))
		}
	}
	if len(h.status.written) != 1 || !slices.Equal(h.status.written[0].Status.LoadBalancer.Ingress,
		[]api.LoadBalancerIngress{{IP: "192.168.56.11"}}) {
		t.Errorf("status writes %+v", h.status.written)
	}
}

type fakeEvents struct{ got []string }

func (f *fakeEvents) Eventf(obj api.Object, eventType, reason, format string, args ...any) {
	f.got = append(f.got, obj.GetObjectMeta().Name+" "+eventType+" "+reason+": "+fmt.Sprintf(format, args...))
}

// With egress denied, an endpoint outside the cluster gets no rule and
// one Warning event on its Service; a node's address is inside. The
// event comes again only when the refused endpoints change.
func TestRefusedEndpointsAreReported(t *testing.T) {
	h := newHarness(t, node1)
	ev := &fakeEvents{}
	h.p.cfg.Events = ev
	h.nodes.set(readyNode("node2", "192.168.56.12", true))
	h.services.set(service("default", "external-service", "10.96.0.11"), service("default", "web", "10.96.0.12"))
	h.endpoints.set(endpoints("default", "external-service", "198.51.100.7", "203.0.113.9"),
		endpoints("default", "web", "192.168.56.12"))
	h.sync(t, false)
	h.sync(t, false)
	want := "external-service Warning EndpointsOutsideCluster: the proxy sends no traffic to 198.51.100.7:8080, 203.0.113.9:8080"
	if len(ev.got) != 1 || !strings.HasPrefix(ev.got[0], want) {
		t.Fatalf("events %q, want one starting %q", ev.got, want)
	}
	text := h.lastRestore()
	if strings.Contains(text, "198.51.100.7") || !strings.Contains(text, "--to-destination 192.168.56.12:8080") {
		t.Errorf("rules:\n%s", text)
	}
	h.endpoints.set(endpoints("default", "external-service", "198.51.100.7"), endpoints("default", "web", "192.168.56.12"))
	h.sync(t, false)
	if len(ev.got) != 2 || !strings.Contains(ev.got[1], "to 198.51.100.7:8080:") {
		t.Errorf("after a change, events %q", ev.got)
	}
	// Deleted and made again: reported again.
	h.services.set(service("default", "web", "10.96.0.12"))
	h.sync(t, false)
	h.services.set(service("default", "external-service", "10.96.0.11"), service("default", "web", "10.96.0.12"))
	h.sync(t, false)
	if len(ev.got) != 3 {
		t.Errorf("after the service came back, events %q", ev.got)
	}
}

// AfterFirstSync runs once, after the first sync that worked: the proxy
// turns route_localnet on only once KLAB-FIREWALL is there.
func TestAfterFirstSync(t *testing.T) {
	h := newHarness(t, node1)
	calls := 0
	h.p.cfg.AfterFirstSync = func() { calls++ }
	h.applier.FailNext = errors.New("iptables-restore: busy")
	if err := h.p.Sync(context.Background(), true); err == nil {
		t.Fatal("the failing sync succeeded")
	}
	if calls != 0 {
		t.Fatalf("called after a failed sync")
	}
	h.sync(t, true)
	h.sync(t, false)
	h.sync(t, true)
	if calls != 1 {
		t.Errorf("called %d times, want once", calls)
	}
}

// Run coalesces a storm of changes into few syncs, and the last sync
// holds the last state: the burst's syncs run at once, the rest of the
// storm waits for the next token and is applied in one.
func TestRunCoalescesChanges(t *testing.T) {
	h := newHarness(t, node1)
	h.p.cfg.MinSyncPeriod = time.Second
	h.services.set(service("default", "kubia", "10.96.0.10"))
	h.endpoints.set(endpoints("default", "kubia"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.p.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	waitFor(t, func() bool { return len(h.applier.Restores()) == 1 })
	start := time.Now()
	for i := range 50 {
		ep := endpoints("default", "kubia", "10.244.1."+itoa(int32(i+1)))
		h.endpoints.set(ep)
		h.p.Handler().OnUpdate(ep, ep)
		time.Sleep(2 * time.Millisecond)
	}
	waitFor(t, func() bool {
		rules, _ := h.applier.Rules("nat", expand("SVC(default/kubia:http/tcp)"))
		return slices.ContainsFunc(rules, func(r string) bool { return strings.Contains(r, "10.244.1.50:8080") })
	})
	// One token is left after the first sync; one more comes each second.
	if n, most := len(h.applier.Restores())-1, 2+int(time.Since(start)/time.Second); n > most {
		t.Errorf("50 changes took %d syncs in %s; the rate limit allows %d", n, time.Since(start).Round(time.Millisecond), most)
	}
	if err := h.p.Healthy(); err != nil {
		t.Errorf("Healthy after syncs: %v", err)
	}
}

// stuckStatus is an apiserver that never answers a status write.
type stuckStatus struct{ started chan struct{} }

func (s stuckStatus) UpdateServiceStatus(ctx context.Context, _ *api.Service) error {
	select {
	case s.started <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
}

// A status write that hangs (a slow apiserver) holds up no rule sync:
// statuses are written apart from the syncs.
func TestSlowStatusWritesDoNotDelayRules(t *testing.T) {
	h := newHarness(t, node1)
	stuck := stuckStatus{started: make(chan struct{}, 1)}
	h.p.cfg.Status = stuck
	h.nodes.set(readyNode("node1", "192.168.56.11", true))
	h.services.set(service("default", "web", "10.96.0.80", loadBalancer(30080)))
	h.endpoints.set(endpoints("default", "web", "10.244.1.2"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.p.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	select {
	case <-stuck.started:
	case <-time.After(5 * time.Second):
		t.Fatal("no status write started")
	}
	h.endpoints.set(endpoints("default", "web", "10.244.1.3"))
	h.p.Changed()
	waitFor(t, func() bool {
		rules, _ := h.applier.Rules("nat", expand("SVC(default/web:http/tcp)"))
		return slices.ContainsFunc(rules, func(r string) bool { return strings.Contains(r, "10.244.1.3:8080") })
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHealthyBeforeTheFirstSync(t *testing.T) {
	h := newHarness(t, node1)
	if err := h.p.Healthy(); err == nil {
		t.Error("healthy before any sync")
	}
}

func TestNodeHeartbeatsDoNotSync(t *testing.T) {
	h := newHarness(t, node1)
	handler := h.p.NodeHandler()
	old := readyNode("node2", "192.168.56.12", true)
	beat := api.DeepCopy(old)
	beat.Status.Conditions[0].LastHeartbeatTime = api.Now()
	handler.OnUpdate(old, beat)
	select {
	case <-h.p.changed:
		t.Error("a heartbeat asked for a sync")
	default:
	}
	handler.OnUpdate(beat, readyNode("node2", "192.168.56.12", false))
	select {
	case <-h.p.changed:
	default:
		t.Error("a node going NotReady did not ask for a sync")
	}
}
