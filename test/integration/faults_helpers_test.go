package integration

// Fault tests: what a client, or the disk, can do to the apiserver, each
// bounded in count and time, on loopback only. They measure the memory of
// this process, which serves the apiserver and its embedded etcd.

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"kubelab/pkg/apiserver"
	"kubelab/pkg/auth"
	"kubelab/pkg/client"
	"kubelab/pkg/store"
)

// faultServer is an apiserver served as Run serves it (HTTPS, its
// timeouts and connection limit, the authorizers' caches), over its own
// embedded etcd.
type faultServer struct {
	addr  string
	srv   *apiserver.Server
	store *store.Store
	reg   *prometheus.Registry
}

func startFaultServer(t *testing.T, limits apiserver.Limits, etcdCfg store.EmbeddedConfig) *faultServer {
	t.Helper()
	if testing.Short() {
		t.Skip("a fault test: seconds of load on an apiserver")
	}
	etcdCfg.DataDir, etcdCfg.Logger = t.TempDir(), zap.NewNop()
	etcd, err := store.StartEmbedded(etcdCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(etcd.Close)
	fs := &faultServer{store: etcd.Store("/registry"), reg: prometheus.NewRegistry()}
	if fs.srv, err = apiserver.New(apiserver.Config{Store: fs.store, Registry: fs.reg, Limits: limits,
		TLS: servingTLS(t), Authenticator: auth.X509Authenticator{}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := fs.srv.Bootstrap(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	fs.addr = ln.Addr().String()
	var wg sync.WaitGroup
	wg.Go(func() { fs.srv.RunAuthorizerCaches(ctx) })
	wg.Go(func() { fs.srv.Serve(ctx, ln) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return fs
}

// client is the admin's client of the fault server.
func (fs *faultServer) client(t *testing.T) *client.Client {
	t.Helper()
	return adminClient(t, fs.addr)
}

// dial opens a TLS connection to the fault server as the admin, for a
// test that writes its request by hand.
func (fs *faultServer) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := tls.Dial("tcp", fs.addr, adminTLS(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// metric sums one of the server's counters or gauges over its labels.
func (fs *faultServer) metric(t *testing.T, name string) float64 {
	t.Helper()
	families, err := fs.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() == name {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return sum
}

// healthz is the code of GET /healthz on a fresh connection.
func (fs *faultServer) healthz(t *testing.T) int {
	t.Helper()
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, TLSClientConfig: adminTLS(t)}}
	resp, err := hc.Get("https://" + fs.addr + "/healthz")
	if err != nil {
		t.Fatalf("/healthz: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// heapMB is the live heap of this process, in MB, after two collections
// (the second empties the caches of sync.Pools, such as net/http's
// buffers, which survive one).
func heapMB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// peakHeap samples the live heap (after a collection) every 200 ms until
// stop is closed, and returns the highest it saw, in MB.
func peakHeap(stop <-chan struct{}) <-chan float64 {
	out := make(chan float64, 1)
	go func() {
		var peak float64
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, float64(m.HeapAlloc)/(1<<20))
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// apiserverBinary builds cmd/apiserver alone into a directory of the
// test, so that a fault test of the apiserver depends on no other command.
func apiserverBinary(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	bin := filepath.Join(t.TempDir(), "apiserver")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/apiserver")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/apiserver: %v\n%s", err, out)
	}
	return bin
}
