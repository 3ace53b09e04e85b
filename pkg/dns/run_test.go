package dns

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"kubelab/pkg/api"
)

// fakeAPIServer is just enough of an apiserver for Run: it answers the
// lists of services, endpoints and pods once the test releases them, and
// holds watches open with no events.
type fakeAPIServer struct {
	release chan struct{}

	mu           sync.Mutex
	podSelectors []string // the fieldSelector of each pod list
}

func (f *fakeAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("watch") == "true" {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return
	}
	select {
	case <-f.release:
	case <-r.Context().Done():
		return
	}
	var items []api.Object
	switch r.URL.Path {
	case "/api/v1/services":
		items = append(items, clusterIPService("default", "kubia", "10.96.0.20", port("http", "TCP", 80)))
	case "/api/v1/pods":
		f.mu.Lock()
		f.podSelectors = append(f.podSelectors, r.URL.Query().Get("fieldSelector"))
		f.mu.Unlock()
	}
	json.NewEncoder(w).Encode(api.List[api.Object]{Metadata: api.ListMeta{ResourceVersion: "1"}, Items: items})
}

// freeTCPPort is a 127.0.0.1 address nothing listens on, for a server
// the test starts next.
func freeTCPPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Run, whole: SERVFAIL and 503 until the lists arrive, answers after.
func TestRun(t *testing.T) {
	fake := &fakeAPIServer{release: make(chan struct{})}
	apiserver := httptest.NewServer(fake)
	defer apiserver.Close()
	dnsAddr, healthAddr := closedPort(t), freeTCPPort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Server: apiserver.URL, Listen: dnsAddr, HealthListen: healthAddr,
			ClusterDomain: "cluster.local", LogLevel: "error"})
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after its context ended")
		}
		apiserver.CloseClientConnections()
	}()

	readyz := func() int {
		resp, err := http.Get("http://" + healthAddr + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	rcode := func() int {
		r, err := tryAsk("udp", dnsAddr, "kubia.default.svc.cluster.local.", dns.TypeA)
		if err != nil {
			return -1
		}
		return r.Rcode
	}
	eventually(t, "/readyz answers 503 before the lists", func() bool { return readyz() == http.StatusServiceUnavailable })
	eventually(t, "DNS answers SERVFAIL before the lists", func() bool { return rcode() == dns.RcodeServerFailure })
	close(fake.release)
	eventually(t, "/readyz answers 200 once synced", func() bool { return readyz() == http.StatusOK })
	if r := ask(t, "tcp", dnsAddr, "kubia.default.svc.cluster.local.", dns.TypeA); len(r.Answer) != 1 {
		t.Errorf("after sync: %v, want the cluster IP", r)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.podSelectors) == 0 || fake.podSelectors[0] != "status.phase=Running" {
		t.Errorf("pods listed with fieldSelectors %q, want status.phase=Running", fake.podSelectors)
	}
}
