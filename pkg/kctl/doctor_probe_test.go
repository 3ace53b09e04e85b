package kctl

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"kubelab/pkg/nodecheck"
)

// The probes' servers all run on 127.0.0.1; doctor would see them as
// sockets on 0.0.0.0 of the same port, and probe them through loopback.

func TestProbe(t *testing.T) {
	var mu sync.Mutex
	var asked []string // "scheme path", in order, by every server
	answer := func(scheme string, status int, header ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			asked = append(asked, scheme+" "+r.URL.Path)
			mu.Unlock()
			if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 || r.Header.Get("Authorization") != "" {
				t.Errorf("the probe sent credentials")
			}
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(status)
		}
	}
	apiserver := httptest.NewTLSServer(answer("https", http.StatusUnauthorized))
	defer apiserver.Close()
	metrics := httptest.NewServer(answer("http", http.StatusOK))
	defer metrics.Close()
	plainKubelet := httptest.NewServer(answer("http", http.StatusForbidden))
	defer plainKubelet.Close()
	redirecting := httptest.NewServer(answer("http", http.StatusFound, "Location", "/followed"))
	defer redirecting.Close()

	overTLS := nodecheck.Probe{Schemes: []string{"https"}, Path: "/api/v1/namespaces"}
	plain := nodecheck.Probe{Schemes: []string{"http"}, Path: "/metrics"}
	kubelet := nodecheck.Probe{Schemes: []string{"https", "http"}, Path: "/pods/kube-system/doctor-probe/log"}
	tests := []struct {
		name   string
		server *httptest.Server
		probe  nodecheck.Probe
		want   nodecheck.Access
		asked  []string
	}{
		{"an HTTPS apiserver answering 401", apiserver, overTLS, nodecheck.AccessAuthenticated, []string{"https /api/v1/namespaces"}},
		{"plain HTTP /metrics answering 200", metrics, plain, nodecheck.AccessOpen, []string{"http /metrics"}},
		{"a kubelet without TLS: HTTPS fails, plain HTTP answers 403", plainKubelet, kubelet, nodecheck.AccessAuthenticated,
			[]string{"http /pods/kube-system/doctor-probe/log"}},
		{"a kubelet with TLS: the first scheme answers", apiserver, kubelet, nodecheck.AccessAuthenticated,
			[]string{"https /pods/kube-system/doctor-probe/log"}},
		{"HTTPS to a plain HTTP port gets no answer", metrics, overTLS, nodecheck.AccessUnknown, nil},
		{"plain HTTP to a TLS port gets a 400", apiserver, plain, nodecheck.AccessUnknown, nil},
		{"a redirect is not followed", redirecting, plain, nodecheck.AccessUnknown, []string{"http /metrics"}},
		{"no probe asks nothing", metrics, nodecheck.Probe{}, nodecheck.AccessUnknown, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			asked = nil
			mu.Unlock()
			target := netip.MustParseAddrPort(tt.server.Listener.Addr().String())
			if got := probe(context.Background(), target, tt.probe); got != tt.want {
				t.Errorf("probe = %v, want %v", got, tt.want)
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(asked, tt.asked) {
				t.Errorf("the servers were asked %q, want %q", asked, tt.asked)
			}
		})
	}
}

func TestProbeListeners(t *testing.T) {
	apiserver := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer apiserver.Close()
	scheduler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer scheduler.Close()
	apiPort := netip.MustParseAddrPort(apiserver.Listener.Addr().String()).Port()
	schedPort := netip.MustParseAddrPort(scheduler.Listener.Addr().String()).Port()
	table := []nodecheck.KubelabPort{
		{Port: apiPort, Program: "apiserver", Probe: nodecheck.Probe{Schemes: []string{"https"}, Path: "/api/v1/namespaces"}},
		{Port: schedPort, Program: "scheduler", Probe: nodecheck.Probe{Schemes: []string{"http"}, Path: "/metrics"}},
	}
	every := netip.AddrPortFrom(netip.IPv4Unspecified(), apiPort)
	loop := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), schedPort)
	other := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 1) // on no port of the table: not probed

	got := probeListeners(context.Background(), []netip.AddrPort{every, loop, other}, table)
	want := map[netip.AddrPort]nodecheck.Access{every: nodecheck.AccessAuthenticated, loop: nodecheck.AccessOpen}
	if len(got) != len(want) || got[every] != want[every] || got[loop] != want[loop] {
		t.Errorf("probeListeners = %v, want %v", got, want)
	}
}

func TestProbeTarget(t *testing.T) {
	tests := []struct {
		name, socket string
		want         string // "" when not probed
	}{
		{"every IPv4 address: through 127.0.0.1", "0.0.0.0:6443", "127.0.0.1:6443"},
		{"Go's dual-stack [::]: through 127.0.0.1", "[::]:10250", "127.0.0.1:10250"},
		{"IPv4 loopback: itself", "127.0.0.1:10259", "127.0.0.1:10259"},
		{"another IPv4 loopback address: itself", "127.0.0.5:10259", "127.0.0.5:10259"},
		{"IPv6 loopback: itself", "[::1]:10250", "[::1]:10250"},
		{"an IPv4-mapped loopback: unmapped", "[::ffff:127.0.0.1]:10257", "127.0.0.1:10257"},
		{"a private address may be a real network's: not probed", "192.168.56.11:10256", ""},
		{"a public IPv6 address: not probed", "[2001:db8::1]:6443", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := probeTarget(netip.MustParseAddrPort(tt.socket))
			g := ""
			if ok {
				g = got.String()
			}
			if g != tt.want {
				t.Errorf("probeTarget(%s) = %q, want %q", tt.socket, g, tt.want)
			}
		})
	}
}
