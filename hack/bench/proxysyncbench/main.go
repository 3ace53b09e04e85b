// Command proxysyncbench measures how long a Service's rules lag its
// Endpoints on a real node (figure P5): from the Endpoints change that
// makes a pod ready, or takes it out, to its DNAT rule being in the
// kernel, or gone. It runs against a cluster already up with one Docker
// node; hack/bench/proxysync.sh starts one with hack/up.sh, as `make up`
// does, runs this, and takes it down.
//
// It creates a Service and, one at a time, -pods new kubia pods (a
// readinessProbe every second), and times for each: create → Ready (as
// the watch shows the pod), Ready → its address among the Endpoints'
// ready addresses (as the watch shows the Endpoints), and Endpoints →
// DNAT rule present (as `nft monitor` shows the kernel's commit; polling
// `iptables -t nat -S` on the legacy backend). Then it flips the first pod's readiness -flips times each way
// (GET /set?ready=false on the pod IP, from this host) and times
// Endpoints → rule gone and Endpoints → rule present. Each change comes
// -gap after the last one's rules were in place: these are lone changes,
// which the proxy should apply at once (a storm of them is spaced out by
// design, and measured last: every pod deleted at once). Beside them it
// prints the proxy's own iptables-restore times in the same run, from its
// log.
//
// Network safety: the pods live on the node that hack/up.sh made, whose
// pod and service ranges are routed `unreachable` or into its own bridge;
// the only traffic this program sends is HTTP to its own pods' IPs.
// Whatever it created it deletes at the end, also when it fails.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

const (
	namespace = "default"
	name      = "proxysync" // the Service, the pods' label app=, their name prefix
	port      = 8080
)

type options struct {
	kubeconfig, proxyLog, proxyMetrics, iptables, mode string
	pods, flips                                        int
	gap                                                time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.kubeconfig, "kubeconfig", "", "the admin's kubeconfig of a cluster with one Docker node")
	flag.StringVar(&o.proxyLog, "proxy-log", "", "the node's proxy log, for its restore times")
	flag.StringVar(&o.proxyMetrics, "proxy-metrics", "http://127.0.0.1:10256/metrics", "the node's proxy's /metrics")
	flag.StringVar(&o.iptables, "iptables", "iptables", "the iptables command the proxy uses")
	flag.StringVar(&o.mode, "mode", "iptables", "the proxy's mode (proxy --mode): iptables or nftables")
	flag.IntVar(&o.pods, "pods", 100, "new pods, created one at a time")
	flag.IntVar(&o.flips, "flips", 100, "readiness flips of one pod, each way")
	flag.DurationVar(&o.gap, "gap", time.Second, "time between a change's rules in place and the next change (the proxy's --min-sync-period)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "proxysyncbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) (err error) {
	if o.pods < 1 {
		return errors.New("-pods must be at least 1")
	}
	if o.mode != "iptables" && o.mode != "nftables" {
		return fmt.Errorf("-mode %q: want iptables or nftables", o.mode)
	}
	cc, err := client.Load(o.kubeconfig, "")
	if err != nil {
		return err
	}
	cc.QPS, cc.Burst = -1, -1
	c, err := client.New(cc)
	if err != nil {
		return err
	}
	pods := c.Resource(resource("pods")).Namespace(namespace)
	services := c.Resource(resource("services")).Namespace(namespace)
	defer deleteAll(c) // also on failure; the cluster itself goes with hack/bench/proxysync.sh

	et, pt := newEndpointsTracker(), newPodTracker()
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching() // the informers, and the rule monitor, a process: nothing outlives the run
	ei := client.NewInformer(c.Resource(resource("endpoints")).Namespace(namespace), client.ListOptions{FieldSelector: "metadata.name=" + name}, nil)
	ei.AddHandler(et.handler())
	pi := client.NewInformer(pods, client.ListOptions{LabelSelector: "app=" + name}, nil)
	pi.AddHandler(pt.handler())
	go ei.Run(watchCtx)
	go pi.Run(watchCtx)
	if !client.WaitForSync(ctx, ei, pi) {
		return ctx.Err()
	}
	if _, err := services.Create(ctx, &api.Service{ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.ServiceSpec{Selector: map[string]string{"app": name},
			Ports: []api.ServicePort{{Name: "http", Port: 80, TargetPort: api.FromInt(port)}}}}); err != nil {
		return err
	}
	rl, err := newRuleWatcher(watchCtx, o.mode, o.iptables)
	if err != nil {
		return err
	}
	if err := settle(ctx, c, o.gap); err != nil {
		return err
	}
	metrics0 := proxyMetrics(o.proxyMetrics)
	changes0 := et.count()
	start := time.Now()

	fmt.Printf("P5, %s mode: Endpoints change → DNAT rule on one Docker node; each change alone, %s after the last one's rules (load average %s)\n",
		o.mode, o.gap, loadavg())
	var toReady, toEndpoints, newPodRule []time.Duration
	var ips []string
	for i := range o.pods {
		pod := fmt.Sprintf("%s-%d", name, i)
		created := time.Now()
		if _, err := pods.Create(ctx, kubiaPod(pod)); err != nil {
			return err
		}
		readyAt, ip, err := pt.waitReady(ctx, pod, 3*time.Minute)
		if err != nil {
			return err
		}
		epAt, err := et.wait(ctx, ip, true, 30*time.Second)
		if err != nil {
			return err
		}
		ruleAt, err := rl.wait(ctx, addr(ip), true, 30*time.Second)
		if err != nil {
			return err
		}
		ips = append(ips, ip)
		toReady, toEndpoints = append(toReady, readyAt.Sub(created)), append(toEndpoints, epAt.Sub(readyAt))
		newPodRule = append(newPodRule, ruleAt.Sub(epAt))
		if !sleepUntil(ctx, ruleAt.Add(o.gap)) {
			return ctx.Err()
		}
	}
	group := fmt.Sprintf("%d new pods", o.pods)
	report(group, "create → Ready", toReady)
	report("", "Ready → in the Endpoints", toEndpoints)
	report("", "Endpoints → DNAT rule present", newPodRule)

	var flipGone, flipPresent []time.Duration
	for range o.flips {
		for _, ready := range []bool{false, true} {
			if err := setReady(ctx, ips[0], ready); err != nil {
				return err
			}
			epAt, err := et.wait(ctx, ips[0], ready, 30*time.Second)
			if err != nil {
				return err
			}
			ruleAt, err := rl.wait(ctx, addr(ips[0]), ready, 30*time.Second)
			if err != nil {
				return err
			}
			if ready {
				flipPresent = append(flipPresent, ruleAt.Sub(epAt))
			} else {
				flipGone = append(flipGone, ruleAt.Sub(epAt))
			}
			if !sleepUntil(ctx, ruleAt.Add(o.gap)) {
				return ctx.Err()
			}
		}
	}
	if o.flips > 0 {
		group := fmt.Sprintf("%d flips each way", o.flips)
		report(group, "Endpoints → DNAT rule gone", flipGone)
		report("", "Endpoints → DNAT rule present", flipPresent)
	}
	end := time.Now()
	present := append(slices.Clone(newPodRule), flipPresent...)
	p99 := percentile(present, 99)
	verdict := "met"
	if p99 > 100*time.Millisecond {
		verdict = "NOT met"
	}
	fmt.Printf("Endpoints → DNAT rule present, all %d: p50 %s, p99 %s  (goal p99 ≤ 100 ms: %s)\n",
		len(present), ms(percentile(present, 50)), ms(p99), verdict)

	restores, err := restoresIn(o.proxyLog, start, end)
	if err != nil {
		return err
	}
	var restoreTimes, syncTimes []time.Duration
	full := 0
	for _, r := range restores {
		if r.kind != "partial" {
			full++
			continue
		}
		restoreTimes, syncTimes = append(restoreTimes, r.restore), append(syncTimes, r.took)
	}
	fmt.Printf("the proxy's partial syncs in the same run, %d: %s p50 %s, p99 %s; whole sync p50 %s, p99 %s\n",
		len(restoreTimes), map[string]string{"iptables": "iptables-restore", "nftables": "nft -f"}[o.mode], ms(percentile(restoreTimes, 50)), ms(percentile(restoreTimes, 99)),
		ms(percentile(syncTimes, 50)), ms(percentile(syncTimes, 99)))
	if full > 0 {
		fmt.Printf("  and %d full syncs logged\n", full)
	}
	fmt.Println(rl.how())
	reportProxy(metrics0, proxyMetrics(o.proxyMetrics), et.count()-changes0)
	fmt.Printf("load average at the end: %s (the machine's other work slows every step above)\n", loadavg())
	return storm(ctx, c, o, et, rl, ips)
}

// loadavg is the machine's load average over 1, 5 and 15 minutes.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// storm deletes every pod at once and counts the restores the proxy made
// of it: a storm of changes, which the rate limit folds into few syncs.
func storm(ctx context.Context, c *client.Client, o options, et *endpointsTracker, rl ruleWatcher, ips []string) error {
	changes0, start := et.count(), time.Now()
	if err := deletePods(ctx, c); err != nil {
		return err
	}
	var last time.Time
	for _, ip := range ips {
		at, err := rl.wait(ctx, addr(ip), false, time.Minute)
		if err != nil {
			return err
		}
		if at.After(last) {
			last = at
		}
	}
	restores, _ := restoresIn(o.proxyLog, start, last.Add(time.Second)) // the log's times are to the millisecond
	fmt.Printf("storm: %d pods deleted at once: %d Endpoints changes, %d restores, every rule gone after %s\n",
		len(ips), et.count()-changes0, len(restores), last.Sub(start).Round(time.Millisecond))
	return nil
}

// settle waits until every pod of the cluster is ready (the DNS add-on
// that hack/up.sh applies starts as the benchmark does) and then for the
// proxy's rate limit to fill up again: the changes measured are alone.
func settle(ctx context.Context, c *client.Client, gap time.Duration) error {
	deadline := time.Now().Add(time.Minute)
	for {
		objs, _, err := c.Resource(resource("pods")).List(ctx, client.ListOptions{})
		if err != nil {
			return err
		}
		var waiting []string
		for _, o := range objs {
			if p := o.(*api.Pod); !isReady(p) {
				waiting = append(waiting, p.Namespace+"/"+p.Name)
			}
		}
		if len(waiting) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pods not ready after a minute: %v", waiting)
		}
		if !sleepUntil(ctx, time.Now().Add(200*time.Millisecond)) {
			return ctx.Err()
		}
	}
	if !sleepUntil(ctx, time.Now().Add(3*gap)) { // a few tokens' worth
		return ctx.Err()
	}
	return nil
}

// kubiaPod is a kubia pod of the Service, ready while /ready answers,
// asked every second and taken out at the first failure.
func kubiaPod(podName string) *api.Pod {
	return &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: podName, Labels: map[string]string{"app": name}},
		Spec: api.PodSpec{TerminationGracePeriodSeconds: api.Int64(1), AutomountServiceAccountToken: api.Bool(false),
			Containers: []api.Container{{Name: "kubia", Image: "kubelab/kubia:latest", ImagePullPolicy: api.PullNever,
				Env:   []api.EnvVar{{Name: "SHUTDOWN_DELAY", Value: "0s"}},
				Ports: []api.ContainerPort{{Name: "http", ContainerPort: port}},
				ReadinessProbe: &api.Probe{ProbeHandler: api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Path: "/ready", Port: api.FromInt(port)}},
					PeriodSeconds: 1, FailureThreshold: 1}}}},
	}
}

// setReady flips the pod's readiness switch: its readinessProbe follows
// within a second.
func setReady(ctx context.Context, ip string, ready bool) error {
	url := fmt.Sprintf("http://%s/set?ready=%t", addr(ip), ready)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// proxyMetrics reads the proxy's /metrics: each sample's line, name and
// labels, to its value. Empty when it cannot.
func proxyMetrics(url string) map[string]float64 {
	out := map[string]float64{}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(url)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && !strings.HasPrefix(line, "#") {
			if v, err := strconv.ParseFloat(f[1], 64); err == nil {
				out[f[0]] = v
			}
		}
	}
	return out
}

// reportProxy says, from the proxy's metrics before and after, how many
// changes cost a sync, how many none, and how long the syncs waited.
func reportProxy(before, after map[string]float64, changes int) {
	d := func(name string) float64 { return after[name] - before[name] }
	if len(before) == 0 || len(after) == 0 {
		fmt.Println("(the proxy's /metrics did not answer)")
		return
	}
	fmt.Printf("Endpoints changes: %d; partial syncs: %.0f; changes that needed none: %.0f (not-ready addresses, statuses)\n",
		changes, d(`proxy_sync_duration_seconds_count{kind="partial"}`), d("proxy_changes_skipped_total"))
	fmt.Printf("syncs that changes waited for: %.0f; started within 12.8 ms of the change: %.0f, within 102 ms: %.0f\n",
		d("proxy_sync_wait_seconds_count"), d(`proxy_sync_wait_seconds_bucket{le="0.0128"}`), d(`proxy_sync_wait_seconds_bucket{le="0.1024"}`))
}

// deletePods deletes the benchmark's pods, all at once.
func deletePods(ctx context.Context, c *client.Client) error {
	pods := c.Resource(resource("pods")).Namespace(namespace)
	objs, _, err := pods.List(ctx, client.ListOptions{LabelSelector: "app=" + name})
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(objs))
	for i, o := range objs {
		wg.Go(func() { errs[i] = pods.Delete(ctx, o.GetObjectMeta().Name, nil) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// deleteAll removes what the benchmark made, with a context of its own:
// the run's may be cancelled.
func deleteAll(c *client.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := deletePods(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "proxysyncbench: delete the pods:", err)
	}
	if err := c.Resource(resource("services")).Namespace(namespace).Delete(ctx, name, nil); err != nil && !strings.Contains(err.Error(), "not found") {
		fmt.Fprintln(os.Stderr, "proxysyncbench: delete the service:", err)
	}
}

func addr(ip string) string { return fmt.Sprintf("%s:%d", ip, port) }

func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

func report(group, what string, d []time.Duration) {
	fmt.Printf("  %-18s %-30s p50 %9s  p99 %9s  max %9s\n", group, what, ms(percentile(d, 50)), ms(percentile(d, 99)), ms(slices.Max(d)))
}

// percentile is the p-th percentile of d by the nearest-rank method.
func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(d))
	i := (p*len(s)+99)/100 - 1
	return s[max(0, min(i, len(s)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }

func resource(name string) api.Resource {
	r, ok := api.Lookup(name)
	if !ok {
		panic("no resource " + name)
	}
	return r
}
