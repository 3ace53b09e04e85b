package dns

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"go.uber.org/zap"

	"kubelab/pkg/component"
)

// get fetches path from a health server the test started on 127.0.0.1.
func get(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestHealth(t *testing.T) {
	reg := component.NewRegistry()
	s, dnsAddr := startServer(t, Config{Domain: "cluster.local", Source: &fakeSource{snap: cluster()}, Registry: reg})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- component.ServeProbes(ctx, ln, reg, nil, s.Ready, zap.NewNop()) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	addr := ln.Addr().String()

	steps := []struct {
		name   string
		do     func()
		path   string
		code   int
		inBody string
	}{
		{name: "alive before sync", path: "/healthz", code: 200, inBody: "ok"},
		{name: "not ready before sync", path: "/readyz", code: 503, inBody: "not synced"},
		{name: "ready after the first build", do: s.Rebuild, path: "/readyz", code: 200, inBody: "ok"},
		{name: "queries counted by rcode", do: func() {
			ask(t, "udp", dnsAddr, "kubia.default.svc.cluster.local.", dns.TypeA)
			ask(t, "udp", dnsAddr, "nope.default.svc.cluster.local.", dns.TypeA)
			ask(t, "tcp", dnsAddr, "example.com.", dns.TypeA)
		}, path: "/metrics", code: 200, inBody: `dns_responses_total{rcode="NOERROR"} 1`},
		{name: "NXDOMAIN counted", path: "/metrics", code: 200, inBody: `dns_responses_total{rcode="NXDOMAIN"} 1`},
		{name: "REFUSED counted", path: "/metrics", code: 200, inBody: `dns_responses_total{rcode="REFUSED"} 1`},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.do != nil {
				st.do()
			}
			code, body := get(t, addr, st.path)
			if code != st.code || !strings.Contains(body, st.inBody) {
				t.Errorf("GET %s: %d %q; want %d with %q", st.path, code, body, st.code, st.inBody)
			}
		})
	}
}
