package apiserver

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
	"kubelab/pkg/pki"
)

// fakeKubelet stands behind a Node at 127.0.0.1 and records each request
// the apiserver forwards to it.
type fakeKubelet struct {
	mu   sync.Mutex
	seen []*http.Request
	body []string
}

func (k *fakeKubelet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	k.mu.Lock()
	k.seen = append(k.seen, r)
	k.body = append(k.body, string(b))
	k.mu.Unlock()
	if strings.HasPrefix(r.URL.Path, "/exec/") {
		w.Header().Set("Trailer", "X-Exit-Code")
		io.WriteString(w, strings.Join(r.URL.Query()["command"], " ")+"\n")
		w.Header().Set("X-Exit-Code", "3")
		return
	}
	io.WriteString(w, "a log line\n")
}

func (k *fakeKubelet) last() (*http.Request, string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.seen[len(k.seen)-1], k.body[len(k.body)-1]
}

// kubeletNode is a Node whose kubelet serves at 127.0.0.1:port.
func kubeletNode(name string, port int) *api.Node {
	return &api.Node{ObjectMeta: api.ObjectMeta{Name: name}, Status: api.NodeStatus{
		Addresses:       []api.NodeAddress{{Type: api.NodeInternalIP, Address: "127.0.0.1"}, {Type: api.NodeHostName, Address: name}},
		DaemonEndpoints: api.NodeDaemonEndpoints{KubeletEndpoint: api.DaemonEndpoint{Port: int32(port)}},
	}}
}

// boundPod creates a pod already on node.
func (ts *testServer) boundPod(name, node string) {
	ts.t.Helper()
	p := testPod(name)
	p.Spec.NodeName = node
	ts.must(http.StatusCreated, "POST", podsPath, p)
}

func listenerPort(t *testing.T, rawURL string) int {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// The caller's credentials are the apiserver's business: whatever listens
// at a Node's address must never see them.
func TestNodeProxyForwardsNoCallerHeaders(t *testing.T) {
	kubelet := &fakeKubelet{}
	ks := tlsKubelet(t, kubelet, "n1")
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", "/api/v1/nodes", kubeletNode("n1", listenerPort(t, ks.URL)))
	ts.boundPod("web", "n1")

	caller := map[string]string{
		"Authorization":         "Bearer secret-token",
		"Cookie":                "session=secret",
		"Proxy-Authorization":   "Basic c2VjcmV0",
		"X-Remote-User":         "admin",
		"X-Remote-Group":        "system:masters",
		"X-Remote-Extra-Scopes": "all",
		"Impersonate-User":      "admin",
		"Impersonate-Group":     "system:masters",
		"X-Forwarded-For":       "10.0.0.1",
		"X-Custom":              "anything else",
	}
	tests := []struct {
		name, method, path string
		extra              map[string]string // besides the caller's headers
		body               string
		wantPath, wantBody string
		wantTrailer        string
		wantHeaders        map[string]string // what must arrive
	}{
		{name: "log", method: "GET", path: podsPath + "/web/log?follow=true",
			wantPath: "/pods/default/web/log", wantBody: "a log line\n"},
		{name: "exec, its exit code in the trailer", method: "POST", path: podsPath + "/web/exec?command=echo&command=hi",
			body: "not for the kubelet", wantPath: "/exec/default/web/kubia", wantBody: "echo hi\n", wantTrailer: "3"},
		{name: "an exec upgrade keeps Connection and Upgrade", method: "POST", path: podsPath + "/web/exec?command=sh",
			extra:    map[string]string{"Connection": "Upgrade", "Upgrade": "SPDY/3.1", "X-Stream-Protocol-Version": "v4.channel.k8s.io"},
			wantPath: "/exec/default/web/kubia", wantBody: "sh\n", wantTrailer: "3",
			wantHeaders: map[string]string{"Connection": "Upgrade", "Upgrade": "SPDY/3.1", "X-Stream-Protocol-Version": "v4.channel.k8s.io"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, ts.http.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range caller {
				req.Header.Set(k, v)
			}
			for k, v := range tt.extra {
				req.Header.Set(k, v)
			}
			resp, err := ts.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(out) != tt.wantBody {
				t.Fatalf("got %d %q, want 200 %q", resp.StatusCode, out, tt.wantBody)
			}
			if got := resp.Trailer.Get("X-Exit-Code"); got != tt.wantTrailer {
				t.Errorf("trailer X-Exit-Code = %q, want %q", got, tt.wantTrailer)
			}
			got, gotBody := kubelet.last()
			if got.URL.Path != tt.wantPath {
				t.Errorf("the kubelet was asked for %s, want %s", got.URL.Path, tt.wantPath)
			}
			for k := range caller {
				if v := got.Header.Values(k); len(v) > 0 {
					t.Errorf("the kubelet got the caller's %s: %q", k, v)
				}
			}
			for k, v := range tt.wantHeaders {
				if g := got.Header.Get(k); g != v {
					t.Errorf("the kubelet got %s %q, want %q", k, g, v)
				}
			}
			if gotBody != "" {
				t.Errorf("the kubelet got the caller's body %q", gotBody)
			}
		})
	}
}

// A failed dial says nothing about why, so that a Node pointed at any
// host:port cannot be used to tell open ports from closed ones.
func TestNodeProxyDialErrorIsGeneric(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", "/api/v1/nodes", kubeletNode("gone", closed))
	ts.boundPod("web", "gone")
	ts.must(http.StatusCreated, "POST", "/api/v1/nodes", kubeletNode("unknown-port", 0))
	ts.boundPod("early", "unknown-port")

	tests := []struct {
		name, method, path string
		code               int
		want               string
	}{
		{"log from a closed port", "GET", podsPath + "/web/log", http.StatusBadGateway, "the kubelet of node gone did not answer"},
		{"exec on a closed port", "POST", podsPath + "/web/exec?command=ls", http.StatusBadGateway, "the kubelet of node gone did not answer"},
		{"a node with no kubelet port yet", "GET", podsPath + "/early/log", http.StatusServiceUnavailable,
			"node unknown-port does not publish a node agent address (InternalIP and kubelet port)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.must(tt.code, tt.method, tt.path, nil)
			if st := r.status(); st.Message != tt.want {
				t.Fatalf("message %q, want %q", st.Message, tt.want)
			}
		})
	}
}

// tlsKubelet serves h over TLS with a serving certificate the test CA
// signed for system:node:<node>.
func tlsKubelet(t *testing.T, h http.Handler, node string) *httptest.Server {
	t.Helper()
	certPEM, keyPEM, err := testPKI.ca.IssueServing(auth.NodeUserPrefix+node, []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ks := httptest.NewUnstartedServer(h)
	ks.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	ks.StartTLS()
	t.Cleanup(ks.Close)
	return ks
}

// The apiserver forwards only to a kubelet that proves it is the pod's
// node: a certificate for another node, one from another CA, or no TLS at
// all, gets nothing forwarded.
func TestNodeProxyVerifiesTheKubelet(t *testing.T) {
	ts := newTestServer(t)
	other, err := pki.NewCA("another-ca")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := other.IssueServing(auth.NodeUserPrefix+"foreign", []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, _ := tls.X509KeyPair(certPEM, keyPEM)
	foreign := httptest.NewUnstartedServer(&fakeKubelet{})
	foreign.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	foreign.StartTLS()
	t.Cleanup(foreign.Close)
	plain := httptest.NewServer(&fakeKubelet{})
	t.Cleanup(plain.Close)
	kubelets := map[string]*httptest.Server{
		"impostor": tlsKubelet(t, &fakeKubelet{}, "someone-else"), // the right CA, another node's name
		"foreign":  foreign,
		"plain":    plain,
	}
	for node, ks := range kubelets {
		ts.must(http.StatusCreated, "POST", "/api/v1/nodes", kubeletNode(node, listenerPort(t, ks.URL)))
		ts.boundPod("on-"+node, node)
		r := ts.must(http.StatusBadGateway, "GET", podsPath+"/on-"+node+"/log", nil)
		if want := "the kubelet of node " + node + " did not answer"; r.status().Message != want {
			t.Errorf("%s: %q, want %q", node, r.status().Message, want)
		}
	}
	for _, ks := range kubelets {
		if k, ok := ks.Config.Handler.(*fakeKubelet); ok && len(k.seen) > 0 {
			t.Errorf("a kubelet that is not the pod's node got %s", k.seen[0].URL.Path)
		}
	}
}

func TestKubeletURL(t *testing.T) {
	node := func(ip string, port int32) *api.Node {
		n := kubeletNode("n1", int(port))
		n.Status.Addresses[0].Address = ip
		return n
	}
	tests := []struct {
		name string
		node *api.Node
		want string // "" when the proxy must not dial
	}{
		{"make up's node", node("127.0.0.1", 10250), "https://127.0.0.1:10250"},
		{"IPv6", node("fd00::12", 10250), "https://[fd00::12]:10250"},
		{"no port yet", node("127.0.0.1", 0), ""},
		{"port beyond range, stored before validation", node("127.0.0.1", 70000), ""},
		{"a name where an IP belongs", node("evil.example.com", 22), ""},
		{"an address with a port in it", node("10.0.0.1:22", 10250), ""},
		{"no InternalIP", &api.Node{Status: api.NodeStatus{DaemonEndpoints: api.NodeDaemonEndpoints{KubeletEndpoint: api.DaemonEndpoint{Port: 10250}}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, ok := kubeletURL(tt.node)
			got := ""
			if ok {
				got = u.String()
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
