// Command apibench measures the apiserver against its own baseline, in one
// run on one machine:
//
//   - creates per second through the apiserver (HTTPS as the admin,
//     authentication, authorization, admission, validation, a CAS
//     transaction) versus raw etcd puts of the same JSON, at concurrency 1
//     and 64;
//   - watch delivery latency (write acknowledged → event received) with
//     100 concurrent watchers, p50 and p99;
//   - resident memory of an idle apiserver process with its embedded etcd.
//
// Run it with hack/bench/api.sh (it needs bin/apiserver for the memory
// figure).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"kubelab/hack/bench/benchpki"
	"kubelab/pkg/apiserver"
	"kubelab/pkg/pki"
	"kubelab/pkg/store"
)

func main() {
	n := flag.Int("n", 2000, "objects created per measurement")
	watchers := flag.Int("watchers", 100, "concurrent watchers")
	events := flag.Int("events", 200, "writes observed by the watchers")
	bin := flag.String("apiserver", "bin/apiserver", "apiserver binary for the memory figure")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "apibench:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*n, *watchers, *events, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "apibench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(n, watchers, events int, bin string) error {
	dir, err := os.MkdirTemp("", "kubelab-apibench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p, err := benchpki.New()
	if err != nil {
		return err
	}
	defer p.Close()
	etcd, err := store.StartEmbedded(store.EmbeddedConfig{DataDir: dir, Logger: zap.NewNop()})
	if err != nil {
		return err
	}
	defer etcd.Close()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := p.Serve(ctx, apiserver.Config{Store: store.New(etcd.Client(), "/registry")})
	if err != nil {
		cancel()
		return err
	}
	defer func() { cancel(); <-srv.Done }()
	// The admin, as an operator's script would be: system:masters is
	// allowed before RBAC is asked.
	base := srv.URL
	client, err := p.HTTPClient(pki.AdminKubeconfig, 128)
	if err != nil {
		return err
	}

	fmt.Println("== creates per second: apiserver vs raw etcd puts of the same JSON ==")
	for _, conc := range []int{1, 64} {
		raw := rate(n, conc, func(i int) error {
			_, err := etcd.Client().Put(ctx, fmt.Sprintf("/raw/c%d/cm-%d", conc, i), configMap(fmt.Sprintf("cm-%d", i)))
			return err
		})
		api := rate(n, conc, func(i int) error {
			resp, err := client.Post(base+"/api/v1/namespaces/default/configmaps", "application/json",
				strings.NewReader(configMap(fmt.Sprintf("c%d-%d", conc, i))))
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body) // drain, so the connection is reused
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				return fmt.Errorf("create: %s", resp.Status)
			}
			return nil
		})
		fmt.Printf("concurrency %-3d  etcd %8.0f/s  apiserver %8.0f/s  ratio %.2f (goal >= 0.70)\n", conc, raw, api, api/raw)
	}

	fmt.Printf("\n== watch delivery latency, %d watchers, %d writes ==\n", watchers, events)
	p50, p99, err := watchLatency(ctx, base, client, p, watchers, events)
	if err != nil {
		return err
	}
	fmt.Printf("p50 %v  p99 %v (goal p99 <= 100ms)\n", p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond))

	fmt.Println("\n== resident memory of an idle apiserver with embedded etcd ==")
	rss, err := idleRSS(bin, p)
	if err != nil {
		fmt.Println("skipped:", err)
	} else {
		fmt.Printf("VmRSS %.1f MB (goal <= 100 MB)\n", float64(rss)/1024)
	}
	return nil
}

func configMap(name string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q,"labels":{"app":"bench"}},"data":{"key":"value"}}`, name)
}

// rate runs op n times on conc goroutines and returns operations per second.
func rate(n, conc int, op func(i int) error) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := op(i); err != nil {
					fmt.Fprintln(os.Stderr, "apibench:", err)
					os.Exit(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// watchLatency opens watchers on configmaps in a namespace of its own,
// then writes objects one at a time, each carrying its send time; every
// watcher records now − sent for every event.
func watchLatency(ctx context.Context, base string, client *http.Client, p *benchpki.PKI, watchers, events int) (time.Duration, time.Duration, error) {
	ns := `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"watchbench"}}`
	resp, err := client.Post(base+"/api/v1/namespaces", "application/json", strings.NewReader(ns))
	if err != nil {
		return 0, 0, err
	}
	resp.Body.Close()
	var rv struct {
		Metadata struct{ ResourceVersion string } `json:"metadata"`
	}
	resp, err = client.Get(base + "/api/v1/namespaces/watchbench/configmaps")
	if err != nil {
		return 0, 0, err
	}
	json.NewDecoder(resp.Body).Decode(&rv)
	resp.Body.Close()

	var (
		mu   sync.Mutex
		lats []time.Duration
		wg   sync.WaitGroup
	)
	ready := make(chan struct{}, watchers)
	for w := 0; w < watchers; w++ {
		wc, err := p.HTTPClient(pki.AdminKubeconfig, 1) // a connection of its own
		if err != nil {
			return 0, 0, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET",
				base+"/api/v1/namespaces/watchbench/configmaps?watch=true&resourceVersion="+rv.Metadata.ResourceVersion, nil)
			resp, err := wc.Do(req)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			ready <- struct{}{}
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for got := 0; got < events && sc.Scan(); got++ {
				now := time.Now()
				var ev struct {
					Object struct {
						Data map[string]string `json:"data"`
					} `json:"object"`
				}
				json.Unmarshal(sc.Bytes(), &ev)
				var sent time.Time
				sent.UnmarshalText([]byte(ev.Object.Data["sent"]))
				mu.Lock()
				lats = append(lats, now.Sub(sent))
				mu.Unlock()
			}
		}()
	}
	for w := 0; w < watchers; w++ {
		<-ready
	}
	for i := 0; i < events; i++ {
		sent, _ := time.Now().MarshalText()
		body := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"w-%d"},"data":{"sent":%q}}`, i, sent)
		resp, err := client.Post(base+"/api/v1/namespaces/watchbench/configmaps", "application/json", bytes.NewBufferString(body))
		if err != nil {
			return 0, 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		time.Sleep(2 * time.Millisecond)
	}
	wg.Wait()
	if len(lats) == 0 {
		return 0, 0, fmt.Errorf("no watch events received")
	}
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	return lats[len(lats)/2], lats[len(lats)*99/100], nil
}

// idleRSS starts the apiserver binary, waits until it is healthy and has
// settled, and reads its resident set size in kB from /proc.
func idleRSS(bin string, p *benchpki.PKI) (int, error) {
	if _, err := os.Stat(bin); err != nil {
		return 0, fmt.Errorf("%s not built (make build)", bin)
	}
	dir, err := os.MkdirTemp("", "kubelab-rss-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	hc, err := p.HTTPClient(pki.AdminKubeconfig, 1)
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(bin, append([]string{"--listen", addr, "--data-dir", dir, "--log-level", "warn"},
		p.APIServerFlags()...)...)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for i := 0; i < 300; i++ {
		if resp, err := hc.Get("https://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(3 * time.Second)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", cmd.Process.Pid)
}
