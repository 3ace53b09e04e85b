package dns

import (
	"context"
	"net"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"
)

// fakeUpstream is a resolver on 127.0.0.1 that answers every A question
// with 192.0.2.1 (TEST-NET-1) and counts what it is asked. With
// truncateUDP it answers UDP with an empty truncated reply, as a real
// resolver does when the answer is too big, so only TCP gets the record.
type fakeUpstream struct {
	addr    string
	queries atomic.Int32
}

func startUpstream(t *testing.T, truncateUDP bool) *fakeUpstream {
	t.Helper()
	ls, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &fakeUpstream{addr: ls.Addr()}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		u.queries.Add(1)
		m := new(dns.Msg).SetReply(req)
		_, udp := w.RemoteAddr().(*net.UDPAddr)
		q := req.Question[0]
		switch {
		case udp && truncateUDP:
			m.Truncated = true
		case q.Qtype == dns.TypeA:
			m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(192, 0, 2, 1)}}
		}
		w.WriteMsg(m)
	})
	servers := []*dns.Server{{PacketConn: ls.UDP, Handler: handler}, {Listener: ls.TCP, Handler: handler}}
	for _, srv := range servers {
		go srv.ActivateAndServe()
	}
	t.Cleanup(func() {
		for _, srv := range servers {
			srv.ShutdownContext(context.Background())
		}
		ls.Close()
	})
	return u
}

// closedPort is an address on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ls, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ls.Addr()
	ls.Close()
	return addr
}

func TestForward(t *testing.T) {
	tests := []struct {
		name         string
		upstream     string // "" none, "up" the fake, "up-truncating", "down" a closed port
		qname        string
		qtype        uint16
		rcode        int
		answer       []string
		askedUpTimes int32
	}{
		{name: "no upstream: refused, nothing sent", upstream: "", qname: "example.com.", qtype: dns.TypeA,
			rcode: dns.RcodeRefused},
		{name: "upstream: forwarded and relayed", upstream: "up", qname: "example.com.", qtype: dns.TypeA,
			answer: []string{"example.com. 60 IN A 192.0.2.1"}, askedUpTimes: 1},
		{name: "truncated over UDP: asked again over TCP", upstream: "up-truncating", qname: "example.com.", qtype: dns.TypeA,
			answer: []string{"example.com. 60 IN A 192.0.2.1"}, askedUpTimes: 2},
		{name: "an address without PTR falls through to the upstream", upstream: "up", qname: "8.8.8.8.in-addr.arpa.", qtype: dns.TypePTR,
			askedUpTimes: 1},
		{name: "no upstream: an address without PTR is NXDOMAIN", upstream: "", qname: "8.8.8.8.in-addr.arpa.", qtype: dns.TypePTR,
			rcode: dns.RcodeNameError},
		{name: "a cluster name never goes upstream", upstream: "up", qname: "kubia.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"kubia.default.svc.cluster.local. 5 IN A 10.96.0.20"}},
		{name: "an unknown cluster name neither", upstream: "up", qname: "nope.default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError},
		{name: "upstream down: SERVFAIL", upstream: "down", qname: "example.com.", qtype: dns.TypeA,
			rcode: dns.RcodeServerFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var up *fakeUpstream
			cfg := Config{Domain: "cluster.local", Source: &fakeSource{snap: cluster()}}
			switch tt.upstream {
			case "up", "up-truncating":
				up = startUpstream(t, tt.upstream == "up-truncating")
				cfg.Upstream = up.addr
			case "down":
				cfg.Upstream = closedPort(t)
			}
			s, addr := startServer(t, cfg)
			s.Rebuild()
			r := ask(t, "udp", addr, tt.qname, tt.qtype)
			if r.Rcode != tt.rcode {
				t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
			}
			if got := rrs(r.Answer); !slices.Equal(got, tt.answer) {
				t.Errorf("answer %q, want %q", got, tt.answer)
			}
			if up != nil {
				if n := up.queries.Load(); n != tt.askedUpTimes {
					t.Errorf("the upstream was asked %d times, want %d", n, tt.askedUpTimes)
				}
			}
		})
	}
}
