package dns

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"kubelab/pkg/api"
)

// These tests run the server on 127.0.0.1 and ask it over the network,
// with a fake Source instead of informers: no apiserver is needed.

// fakeSource is a Source whose snapshot a test sets.
type fakeSource struct {
	mu   sync.Mutex
	snap Snapshot
}

var _ Source = (*fakeSource)(nil)

func (f *fakeSource) Snapshot() Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}

func (f *fakeSource) set(s Snapshot) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snap = s
}

// startServer serves cfg on a free port of 127.0.0.1 until the test
// ends, and returns the server and its address.
func startServer(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	ls, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ls) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	eventually(t, "the server listens", func() bool { return s.listening.Load() })
	return s, ls.Addr()
}

// ask sends one query over network ("udp" or "tcp") to addr, which is
// always a 127.0.0.1 server the test started.
func ask(t *testing.T, network, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	r, err := tryAsk(network, addr, name, qtype)
	if err != nil {
		t.Fatalf("%s query %s: %v", network, name, err)
	}
	return r
}

func tryAsk(network, addr, name string, qtype uint16) (*dns.Msg, error) {
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	r, _, err := c.Exchange(new(dns.Msg).SetQuestion(name, qtype), addr)
	return r, err
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

func TestServer(t *testing.T) {
	s, addr := startServer(t, Config{Domain: "cluster.local", Source: &fakeSource{snap: cluster()}})
	s.Rebuild()
	tests := []struct {
		name    string
		network string
		qname   string
		qtype   uint16
		rcode   int
		answer  []string
	}{
		{name: "A over UDP", network: "udp", qname: "kubia.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"kubia.default.svc.cluster.local. 5 IN A 10.96.0.20"}},
		{name: "A over TCP", network: "tcp", qname: "kubia.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"kubia.default.svc.cluster.local. 5 IN A 10.96.0.20"}},
		{name: "headless over TCP", network: "tcp", qname: "db.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"db.default.svc.cluster.local. 5 IN A 10.244.1.5", "db.default.svc.cluster.local. 5 IN A 10.244.2.7"}},
		{name: "NODATA over UDP", network: "udp", qname: "kubia.default.svc.cluster.local.", qtype: dns.TypeAAAA},
		{name: "NXDOMAIN over UDP", network: "udp", qname: "nope.default.svc.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError},
		{name: "outside, no upstream: REFUSED", network: "udp", qname: "example.com.", qtype: dns.TypeA, rcode: dns.RcodeRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ask(t, tt.network, addr, tt.qname, tt.qtype)
			if r.Rcode != tt.rcode {
				t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
			}
			if got := rrs(r.Answer); !slices.Equal(got, tt.answer) {
				t.Errorf("answer %q, want %q", got, tt.answer)
			}
			if want := tt.rcode != dns.RcodeRefused; r.Authoritative != want {
				t.Errorf("authoritative %v, want %v", r.Authoritative, want)
			}
			if !r.Response || r.RecursionAvailable {
				t.Errorf("response %v (want true), recursion available %v (want false: no upstream)", r.Response, r.RecursionAvailable)
			}
		})
	}
}

// Until the caches have synced there is no index: an empty one would
// call every name NXDOMAIN, which clients remember.
func TestServerBeforeSync(t *testing.T) {
	s, addr := startServer(t, Config{Domain: "cluster.local", Source: &fakeSource{snap: cluster()}})
	if err := s.Ready(); err == nil {
		t.Error("Ready before the first build: nil, want an error")
	}
	if r := ask(t, "udp", addr, "kubia.default.svc.cluster.local.", dns.TypeA); r.Rcode != dns.RcodeServerFailure {
		t.Errorf("before the first build: %s, want SERVFAIL", dns.RcodeToString[r.Rcode])
	}
	s.Rebuild()
	if err := s.Ready(); err != nil {
		t.Errorf("Ready after the first build: %v", err)
	}
	if r := ask(t, "udp", addr, "kubia.default.svc.cluster.local.", dns.TypeA); r.Rcode != dns.RcodeSuccess {
		t.Errorf("after the first build: %s, want NOERROR", dns.RcodeToString[r.Rcode])
	}
}

// A pod that fails its readiness probe moves to notReadyAddresses; after
// the next build it is gone from the answer.
func TestServerRebuildsOnChange(t *testing.T) {
	src := &fakeSource{snap: cluster()}
	s, addr := startServer(t, Config{Domain: "cluster.local", Source: src, MinRebuildPeriod: 10 * time.Millisecond})
	s.Rebuild()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)

	snap := cluster()
	snap.Endpoints = []*api.Endpoints{endpoints("default", "db", []string{"db-0=10.244.1.5"}, []string{"10.244.1.9", "10.244.2.7"})}
	src.set(snap)
	s.Handler().OnUpdate(nil, nil)
	want := []string{"db.default.svc.cluster.local. 5 IN A 10.244.1.5"}
	eventually(t, "10.244.2.7 leaves the answer", func() bool {
		return slices.Equal(rrs(ask(t, "udp", addr, "db.default.svc.cluster.local.", dns.TypeA).Answer), want)
	})
}

// An answer too big for a UDP datagram comes back truncated; the client
// asks again over TCP and gets all of it.
func TestServerTruncatesUDP(t *testing.T) {
	var ready []string
	for i := range 100 {
		ready = append(ready, fmt.Sprintf("10.244.%d.%d", i/250, i%250+1))
	}
	snap := Snapshot{
		Services:  []*api.Service{headlessService("default", "big")},
		Endpoints: []*api.Endpoints{endpoints("default", "big", ready, nil)},
	}
	s, addr := startServer(t, Config{Domain: "cluster.local", Source: &fakeSource{snap: snap}})
	s.Rebuild()
	tests := []struct {
		name      string
		network   string
		truncated bool
	}{
		{name: "UDP: truncated", network: "udp", truncated: true},
		{name: "TCP: whole", network: "tcp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ask(t, tt.network, addr, "big.default.svc.cluster.local.", dns.TypeA)
			if r.Truncated != tt.truncated {
				t.Errorf("truncated %v, want %v", r.Truncated, tt.truncated)
			}
			if !tt.truncated && len(r.Answer) != len(ready) {
				t.Errorf("%d answers, want %d", len(r.Answer), len(ready))
			}
			r.Compress = true // as it was sent
			if tt.truncated && r.Len() > dns.MinMsgSize {
				t.Errorf("a %d-byte UDP reply to a client without EDNS; the limit is %d", r.Len(), dns.MinMsgSize)
			}
		})
	}
}

// Queries read the index while builds replace it, without a lock: each
// query sees one whole index, old or new, never a half-built one.
// Queries run while the index is swapped under them: each sees one whole
// index, the old or the new, never half of each. The two snapshots give
// db different addresses, so a torn read would show; -race (make test
// does not use it, `go test -race ./pkg/dns/` does) also checks the swap.
func TestServerQueriesDuringRebuilds(t *testing.T) {
	moved := cluster()
	moved.Endpoints = slices.Clone(moved.Endpoints)
	for i, ep := range moved.Endpoints {
		if ep.Name == "db" {
			moved.Endpoints[i] = endpoints("default", "db", []string{"10.244.4.1", "10.244.4.2"}, nil,
				api.EndpointPort{Name: "pg", Port: 15432, Protocol: "TCP"})
		}
	}
	src := &fakeSource{snap: cluster()}
	s := NewServer(Config{Domain: "cluster.local", Source: src})
	s.Rebuild()
	either := map[string]bool{"10.244.1.5 10.244.2.7": true, "10.244.4.1 10.244.4.2": true}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				r := s.respond(new(dns.Msg).SetQuestion("db.default.svc.cluster.local.", dns.TypeA))
				var ips []string
				for _, rr := range r.Answer {
					ips = append(ips, rr.(*dns.A).A.String())
				}
				slices.Sort(ips)
				if r.Rcode != dns.RcodeSuccess || !either[strings.Join(ips, " ")] {
					t.Errorf("during a rebuild: %s with %v, want NOERROR with one snapshot's two addresses", dns.RcodeToString[r.Rcode], ips)
					return
				}
			}
		})
	}
	for i := range 50 {
		if i%2 == 0 {
			src.set(moved)
		} else {
			src.set(cluster())
		}
		s.Rebuild()
	}
	wg.Wait()
}
