package browser

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// The dashboard's figures (hack/bench/dashboard.sh runs them with
// -benchtime=1x), each with the cluster in this process and the dashboard
// as a process of its own, as make up runs it, so that its memory is its
// own:
//
//   - BenchmarkDashboardCardLatency: 100 pods created one by one, every
//     20 ms; for each, the time from the start of its create request to
//     its card in the browser's page, against the time to the apiserver's
//     own watch event in the same run (p50 and p99, and their ratio).
//   - BenchmarkDashboardMemory: the dashboard's resident memory idle, and
//     with 1000 pods running on 100 simulated nodes, the map of them all
//     open in the browser.

const (
	latencyPods, latencyNodes = 100, 10
	memoryPods, memoryNodes   = 1000, 100
)

func BenchmarkDashboardCardLatency(b *testing.B) {
	if chromium() == "" {
		b.Skip("no Chromium: apt-get install chromium to run the dashboard's benchmark")
	}
	cl := startCluster(b, latencyNodes)
	base, _ := cl.startDashboardProcess()
	cl.create(&api.Namespace{ObjectMeta: api.ObjectMeta{Name: "bench"}})
	p := openBrowser(b, base)
	for run := range b.N {
		p.open("/?ns=bench")
		trackCards(p)
		added := watchPods(b, cl, "bench")
		sent := map[string]time.Time{}
		for i := range latencyPods {
			name := fmt.Sprintf("p%d-%03d", run, i)
			sent[name] = time.Now()
			cl.create(benchPod("bench", name))
			time.Sleep(20 * time.Millisecond)
		}
		p.waitFor("every card", fmt.Sprintf(`Object.keys(window.__seen).filter(k => k.startsWith("bench/p%d-")).length === %d`, run, latencyPods), time.Minute)
		seen := eval[map[string]float64](p, `window.__seen`)
		var cards, watches []time.Duration
		for name, t0 := range sent {
			at, ok := added.at(name)
			if !ok {
				b.Fatalf("the watch never showed %s", name)
			}
			cards = append(cards, time.UnixMilli(int64(seen["bench/"+name])).Sub(t0))
			watches = append(watches, at.Sub(t0))
		}
		c50, c99, w50, w99 := percentile(cards, 50), percentile(cards, 99), percentile(watches, 50), percentile(watches, 99)
		b.ReportMetric(ms(c50), "card-p50-ms")
		b.ReportMetric(ms(c99), "card-p99-ms")
		b.ReportMetric(ms(w50), "watch-p50-ms")
		b.ReportMetric(ms(w99), "watch-p99-ms")
		fmt.Printf("pod created → card in the browser, %d pods on %d simulated nodes: p50 %.1f ms, p99 %.1f ms; "+
			"→ the apiserver's watch event: p50 %.1f ms, p99 %.1f ms; ratio p50 %.1f×, p99 %.1f×\n",
			latencyPods, latencyNodes, ms(c50), ms(c99), ms(w50), ms(w99), ms(c50)/ms(w50), ms(c99)/ms(w99))
		if eval[int](p, `window.__drops`) > 0 {
			fmt.Println("(the page's stream was dropped during the run, by a change of the host's network: run it again)")
		}
	}
}

func BenchmarkDashboardMemory(b *testing.B) {
	if chromium() == "" {
		b.Skip("no Chromium: apt-get install chromium to run the dashboard's benchmark")
	}
	start := time.Now()
	cl := startCluster(b, memoryNodes)
	fmt.Printf("setup: %d simulated nodes Ready in %.1fs\n", memoryNodes, time.Since(start).Seconds())
	base, pid := cl.startDashboardProcess()
	cl.create(&api.Namespace{ObjectMeta: api.ObjectMeta{Name: "bench"}})
	p := openBrowser(b, base)
	p.open("/?ns=bench")
	idle := rss(b, pid)
	for range b.N {
		start := time.Now()
		for i := range memoryPods / 100 {
			rs := replicaSet("bench", fmt.Sprintf("rs%d", i), 100)
			rs.Spec.Template.Spec.Containers[0].Resources.Requests = api.ResourceList{"cpu": api.MustParse("10m"), "memory": api.MustParse("16Mi")}
			cl.create(rs)
		}
		cpu0 := cpuSeconds(b, pid)
		cl.eventually(5*time.Minute, fmt.Sprintf("%d pods running", memoryPods), func() bool {
			return running(cl, "bench") == memoryPods
		})
		ran := time.Since(start)
		p.waitFor("every card ready on the map", fmt.Sprintf(`document.querySelectorAll('section.node [data-state="ready"]').length === %d`, memoryPods), 2*time.Minute)
		fmt.Printf("%d pods running on %d nodes in %.1fs, all ready on the map %.1fs later; the dashboard used %.1f s of CPU meanwhile\n",
			memoryPods, memoryNodes, ran.Seconds(), (time.Since(start) - ran).Seconds(), cpuSeconds(b, pid)-cpu0)
		busy, peak := rss(b, pid), peakRSS(b, pid)
		b.ReportMetric(idle, "idle-rss-MB")
		b.ReportMetric(busy, "rss-MB")
		fmt.Printf("dashboard resident memory: idle %.1f MB; with %d pods on %d simulated nodes and the map open %.1f MB (peak %.1f MB)\n",
			idle, memoryPods, memoryNodes, busy, peak)
	}
}

// startDashboardProcess builds cmd/dashboard and runs it as a process
// against the cluster, as make up does, until the benchmark ends; it
// returns its address and its pid.
func (cl *cluster) startDashboardProcess() (string, int) {
	cl.tb.Helper()
	cl.applyDashboardRBAC()
	bin := filepath.Join(cl.tb.TempDir(), "dashboard")
	_, file, _, _ := runtime.Caller(0)
	build := exec.Command("go", "build", "-o", bin, "./cmd/dashboard")
	build.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		cl.tb.Fatalf("go build ./cmd/dashboard: %v\n%s", err, out)
	}
	addr := freeAddr(cl.tb)
	cmd := exec.Command(bin, "--kubeconfig", cl.dashboardKubeconfig(), "--server", cl.server, "--listen", addr, "--log-level", "warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		cl.tb.Fatal(err)
	}
	cl.tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := "http://" + addr
	waitReady(cl.tb, base)
	return base, cmd.Process.Pid
}

// benchPod is a pod that asks for little, so that a hundred fit on ten
// nodes.
func benchPod(ns, name string) *api.Pod {
	return &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": "bench"}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "app", Image: "kubelab/kubia:latest",
			Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse("10m"), "memory": api.MustParse("16Mi")}}}}}}
}

// running counts the pods of ns that are Running.
func running(cl *cluster, ns string) int {
	objs, _, err := cl.admin.Resource(mustLookup("pods")).Namespace(ns).List(cl.ctx, client.ListOptions{FieldSelector: "status.phase=Running"})
	if err != nil {
		return 0
	}
	return len(objs)
}

// rss is a process's resident memory in MB, from /proc.
func rss(tb testing.TB, pid int) float64 { return procStatus(tb, pid, "VmRSS:") }

// peakRSS is the most resident memory the process has had.
func peakRSS(tb testing.TB, pid int) float64 { return procStatus(tb, pid, "VmHWM:") }

func procStatus(tb testing.TB, pid int, field string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	tb.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// cpuSeconds is the CPU time a process has used, user and system.
func cpuSeconds(tb testing.TB, pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	// The fields after the command's name, which is in parentheses.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100 // clock ticks: USER_HZ is 100 on Linux
}

// percentile is the q-th percentile of ds, nearest rank.
func percentile(ds []time.Duration, q int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*q + 99) / 100
	return s[max(i-1, 0)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
