package dns

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"kubelab/pkg/api"
)

// Benchmarks of the cluster DNS on a cluster of 10,000 Services.
// hack/bench/dns.sh runs them and prints each figure beside a baseline
// from the same run (UDP: a server that answers every query with one
// fixed record), because a ratio on one machine at one moment means
// something where a bare number, or a timed assertion in a test, does not.

const benchServices = 10_000

// benchSnapshot is a cluster of n Services spread over 100 namespaces:
// half ClusterIP with two named ports, a quarter headless with three
// ready pods each, the rest ExternalName; their Endpoints, and per
// headless service one pod with hostname and subdomain (a StatefulSet's).
func benchSnapshot(n int) Snapshot {
	var s Snapshot
	ip := func(base string, i int) string { return fmt.Sprintf("%s.%d.%d", base, i/250, i%250+1) }
	podIPs := 0
	for i := range n {
		ns, name := fmt.Sprintf("ns-%d", i%100), fmt.Sprintf("svc-%d", i)
		switch i % 4 {
		case 0, 1:
			s.Services = append(s.Services, clusterIPService(ns, name, ip("10.96", i), port("http", "TCP", 80), port("metrics", "TCP", 9090)))
			// Ignored by the index (the proxy picks the pod), but a real
			// snapshot has them, and the build has to skip them.
			s.Endpoints = append(s.Endpoints, endpoints(ns, name, []string{ip("10.245", i), ip("10.246", i)}, nil,
				api.EndpointPort{Name: "http", Port: 8080}, api.EndpointPort{Name: "metrics", Port: 9090}))
		case 2:
			s.Services = append(s.Services, headlessService(ns, name, port("http", "TCP", 80)))
			ready := []string{"web-0=" + ip("10.244", podIPs), ip("10.244", podIPs+1), ip("10.244", podIPs+2)}
			s.Endpoints = append(s.Endpoints, endpoints(ns, name, ready, nil, api.EndpointPort{Name: "http", Port: 8080}))
			s.Pods = append(s.Pods, pod(ns, name+"-web-0", "web-0", name, api.PodRunning, ip("10.244", podIPs)))
			podIPs += 3
		case 3:
			s.Services = append(s.Services, externalService(ns, name, fmt.Sprintf("db-%d.example.org", i)))
		}
	}
	return s
}

// benchQuestions is the mix every query benchmark asks, in turn, with
// the rcode each must get: a benchmark of wrong answers (every name
// NXDOMAIN because of a typo) would measure nothing.
var benchQuestions = []struct {
	name  string
	qtype uint16
	rcode int
}{
	{"svc-5000.ns-0.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess},              // ClusterIP
	{"svc-4242.ns-42.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess},             // headless: 3 pods
	{"_http._tcp.svc-5001.ns-1.svc.cluster.local.", dns.TypeSRV, dns.RcodeSuccess}, // and its A in extra
	{"nope.ns-7.svc.cluster.local.", dns.TypeA, dns.RcodeNameError},
	{"example.com.", dns.TypeA, dns.RcodeRefused},
}

// BenchmarkNewIndex is the price of one change in a big cluster: every
// change rebuilds the whole index (at most once per MinRebuildPeriod).
func BenchmarkNewIndex(b *testing.B) {
	snap := benchSnapshot(benchServices)
	b.ReportAllocs()
	for b.Loop() {
		NewIndex(snap, "cluster.local", 1)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchServices, "ns/service")
}

// BenchmarkAnswer is the price of one query without the network.
func BenchmarkAnswer(b *testing.B) {
	idx := NewIndex(benchSnapshot(benchServices), "cluster.local", 1)
	var qs []dns.Question
	for _, tt := range benchQuestions {
		q := dns.Question{Name: tt.name, Qtype: tt.qtype, Qclass: dns.ClassINET}
		if r := idx.Answer(q); r.Rcode != tt.rcode || (r.Rcode == dns.RcodeSuccess && len(r.Answer) == 0) {
			b.Fatalf("%s: %s with %d answers, want %s", tt.name, dns.RcodeToString[r.Rcode], len(r.Answer), dns.RcodeToString[tt.rcode])
		}
		qs = append(qs, q)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		idx.Answer(qs[i%len(qs)])
		i++
	}
}

// BenchmarkServeUDP asks the kubelab server on 127.0.0.1, through the
// same fake Source the server tests use.
func BenchmarkServeUDP(b *testing.B) {
	ls, err := Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := NewServer(Config{Domain: "cluster.local", Source: &fakeSource{snap: benchSnapshot(benchServices)}})
	s.Rebuild()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ls) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("Serve: %v", err)
		}
	})
	for s.Ready() != nil {
		time.Sleep(time.Millisecond)
	}
	benchUDP(b, ls.Addr(), true)
}

// BenchmarkServeUDPBaseline asks a miekg/dns server on 127.0.0.1 that
// does no work: the floor of sockets, packing and goroutines that any
// server built on the library pays.
func BenchmarkServeUDPBaseline(b *testing.B) {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	fixed := &dns.A{Hdr: dns.RR_Header{Name: "fixed.cluster.local.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: TTL}, A: net.IPv4(10, 96, 0, 1)}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: conn, NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
			m := new(dns.Msg).SetReply(req)
			m.Answer = []dns.RR{fixed}
			w.WriteMsg(m)
		})}
	go srv.ActivateAndServe()
	b.Cleanup(func() { srv.Shutdown() })
	<-started
	benchUDP(b, conn.LocalAddr().String(), false)
}

// benchClients is how many clients ask at once: enough to keep a
// server on a 2-core machine busy between one client's queries, so that
// queries/s measures the server's work rather than the round trip.
const benchClients = 4

// benchUDP is the client side of both UDP benchmarks: benchClients
// goroutines, each with its own socket, ask the mix of benchQuestions
// until b.N queries are answered. A socket per client, not per query,
// because opening one would cost more than either server's work and hide
// the difference between them.
func benchUDP(b *testing.B, addr string, checkRcode bool) {
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	conns := make([]*dns.Conn, benchClients)
	for i := range conns {
		conn, err := c.Dial(addr)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		conns[i] = conn
	}
	var asked atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for _, conn := range conns {
		wg.Go(func() {
			for i := asked.Add(1); i <= int64(b.N); i = asked.Add(1) {
				tt := benchQuestions[i%int64(len(benchQuestions))]
				r, _, err := c.ExchangeWithConn(new(dns.Msg).SetQuestion(tt.name, tt.qtype), conn)
				if err != nil {
					b.Errorf("%s: %v", tt.name, err)
					return
				}
				if checkRcode && r.Rcode != tt.rcode {
					b.Errorf("%s: %s, want %s", tt.name, dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}
