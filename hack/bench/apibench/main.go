// Command apibench measures the apiserver against its own baseline, in one
// run on one machine:
//
//   - creates per second through the apiserver (HTTPS as the admin,
//     authentication, authorization, admission, validation, a CAS
//     transaction) versus raw etcd puts of the same JSON, at concurrency 1
//     and 64, and versus the transport alone: the same HTTPS request to a
//     handler that only puts the body into etcd (creates.go);
//   - watch delivery latency (write acknowledged → event received) with
//     100 concurrent watchers, p50 and p99;
//   - resident memory of an idle apiserver process with its embedded etcd.
//
// Run it with hack/bench/api.sh (it needs bin/apiserver for the memory
// figure). -cpuprofile profiles n more creates through the apiserver at
// the first concurrency, after the measurements; -concurrency,
// -watchers 0 and -apiserver "" narrow the run to what is being profiled.
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
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/hack/bench/benchpki"
	"kubelab/pkg/apiserver"
	"kubelab/pkg/pki"
	"kubelab/pkg/store"
)

func main() {
	n := flag.Int("n", 6000, "objects created per measurement, in three turns")
	watchers := flag.Int("watchers", 100, "concurrent watchers")
	events := flag.Int("events", 200, "writes observed by the watchers")
	bin := flag.String("apiserver", "bin/apiserver", "apiserver binary for the memory figure")
	concurrency := flag.String("concurrency", "1,64", "the concurrencies of the create measurements, comma-separated")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the creates through the apiserver to this file")
	flag.Parse()
	var concs []int
	for _, c := range strings.Split(*concurrency, ",") {
		var k int
		if _, err := fmt.Sscanf(c, "%d", &k); err != nil || k < 1 {
			fmt.Fprintf(os.Stderr, "apibench: -concurrency %q: want positive integers, comma-separated\n", *concurrency)
			os.Exit(2)
		}
		concs = append(concs, k)
	}
	if err := run(*n, concs, *watchers, *events, *bin, *cpuProfile); err != nil {
		fmt.Fprintln(os.Stderr, "apibench:", err)
		os.Exit(1)
	}
}

func run(n int, concs []int, watchers, events int, bin, cpuProfile string) error {
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

	transport, err := serveTransport(ctx, p, etcd.Client())
	if err != nil {
		return err
	}
	fmt.Println("== creates per second: apiserver vs raw etcd puts of the same JSON, and vs HTTPS + put alone ==")
	for k, conc := range concs {
		raw := func(i int) error {
			_, err := etcd.Client().Put(ctx, fmt.Sprintf("/raw/c%d/cm-%d", conc, i), configMap(fmt.Sprintf("cm-%d", i)))
			return err
		}
		create := post(client, base+"/api/v1/namespaces/default/configmaps", fmt.Sprintf("c%d", conc))
		m := rounds(n, conc, 3, []op{raw, post(client, transport, ""), create})
		goal := 0.7
		if conc == 1 {
			goal = 0.8
		}
		fmt.Printf("concurrency %-3d etcd %6.0f/s  transport %6.0f/s  apiserver %6.0f/s   apiserver/etcd %.2f (goal >= %.2f)  apiserver/transport %.2f\n",
			conc, m[0].perSecond, m[1].perSecond, m[2].perSecond, m[2].perSecond/m[0].perSecond, goal, m[2].perSecond/m[1].perSecond)
		fmt.Printf("                CPU per create: etcd %4.0fµs  transport %4.0fµs  apiserver %4.0fµs\n", m[0].cpuPerOp, m[1].cpuPerOp, m[2].cpuPerOp)
		if k == 0 && cpuProfile != "" {
			if err := profileOp(cpuProfile, 2*n, n, conc, create); err != nil {
				return err
			}
			fmt.Printf("                CPU profile of %d more creates through the apiserver: %s\n", n, cpuProfile)
		}
	}
	if watchers == 0 {
		return nil
	}

	fmt.Printf("\n== watch delivery latency, %d watchers, %d writes ==\n", watchers, events)
	p50, p99, err := watchLatency(ctx, base, client, p, watchers, events)
	if err != nil {
		return err
	}
	fmt.Printf("p50 %v  p99 %v (goal p99 <= 100ms)\n", p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond))

	if bin == "" {
		return nil
	}
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
