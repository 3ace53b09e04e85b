package integration

// Fault tests: what a client, or the disk, can do to the apiserver, each
// bounded in count and time, on loopback only. They measure the memory of
// this process, which serves the apiserver and its embedded etcd.

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"kubelab/pkg/apiserver"
	"kubelab/pkg/client"
	"kubelab/pkg/store"
)

// faultServer is an apiserver served as Run serves it (its timeouts and
// connection limit), over its own embedded etcd.
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
	if fs.srv, err = apiserver.New(apiserver.Config{Store: fs.store, Registry: fs.reg, Limits: limits}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := fs.srv.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs.addr = ln.Addr().String()
	done := make(chan struct{})
	go func() { fs.srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return fs
}

func (fs *faultServer) client(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{Server: "http://" + fs.addr, QPS: -1, Burst: -1})
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
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Get("http://" + fs.addr + "/healthz")
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
