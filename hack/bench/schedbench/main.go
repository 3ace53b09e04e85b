// Command schedbench measures the scheduler against its own floor, in one
// run on one machine, with an in-process apiserver over an embedded etcd,
// served over HTTPS; the scheduler and the floor are system:kube-scheduler
// (RBAC's default role for it), the setup is the admin:
//
//   - scheduler, bindings only: N pending pods on M Ready nodes; a
//     scheduler runs in-process and binds them all; pods bound per second,
//     counted from the moment its informers have synced to the last
//     binding. Its decision annotations and events are off: it makes the
//     same writes as the floor;
//   - bind-only floor: N fresh pods bound to precomputed nodes (round
//     robin), with no informers, filtering or scoring, through a client
//     with the same rate limit and the same number of workers;
//   - scheduler as shipped: as the first, for N more pods, with the
//     decision annotation (in the binding, a larger pod) and the
//     Scheduled event (a second write per pod, through a second client,
//     as cmd/scheduler does).
//
// The first ratio says what deciding costs on top of the writes it cannot
// avoid; the second what the scheduler's explanations cost. Each phase
// also says how many CPUs the process kept busy and how much CPU time it
// spent per pod: the apiserver, etcd and the scheduler share the CPUs, and
// the CPU time per pod is the figure that other programs on the machine
// disturb least. Run it with hack/bench/scheduler.sh; -nodes
// and -pods make it smaller on a slow machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"

	"kubelab/hack/bench/benchpki"
	"kubelab/pkg/api"
	"kubelab/pkg/apiserver"
	"kubelab/pkg/client"
	"kubelab/pkg/pki"
	"kubelab/pkg/scheduler"
	"kubelab/pkg/store"
)

type options struct {
	nodes, pods, parallelism, burst int
	qps                             float64
	cpuProfile, profilePhase        string
}

func main() {
	var o options
	flag.IntVar(&o.nodes, "nodes", 1000, "Ready nodes (4 cpu, 16Gi, 110 pods each)")
	flag.IntVar(&o.parallelism, "parallelism", 16, "bindings in flight at once, in both measurements")
	flag.Float64Var(&o.qps, "qps", 5000, "client rate limit of the scheduler and of the floor")
	flag.IntVar(&o.burst, "burst", 10000, "client burst")
	flag.IntVar(&o.pods, "pods", 10000, "pods per measurement (three measurements)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of one phase (-profile-phase) to this file")
	flag.StringVar(&o.profilePhase, "profile-phase", "lean", "the phase -cpuprofile profiles: lean (bindings only), floor or shipped")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "schedbench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := benchpki.New()
	if err != nil {
		return err
	}
	defer p.Close()
	base, stop, err := startAPIServer(ctx, p)
	if err != nil {
		return err
	}
	defer stop()
	setup, err := newClient(p, pki.AdminKubeconfig, base, 0, -1) // the admin, with no limit, sets up
	if err != nil {
		return err
	}

	fmt.Printf("schedbench: %d nodes (4 cpu, 16Gi, 110 pods each), %d pods per measurement (100m cpu, 128Mi each)\n", o.nodes, o.pods)
	fmt.Printf("client: QPS %.0f, burst %d, parallelism %d, the same for the scheduler and the floor\n", o.qps, o.burst, o.parallelism)
	start := time.Now()
	nodes, err := createNodes(ctx, setup, o.nodes)
	if err != nil {
		return err
	}
	fmt.Printf("setup: created %d nodes in %.1fs\n\n", o.nodes, time.Since(start).Seconds())

	lean, err := schedule(ctx, o.profiling("lean"), p, base, setup, "lean", false)
	if err != nil {
		return err
	}
	pods, err := createPods(ctx, setup, "floor", o.pods, "nobody") // no scheduler wants them
	if err != nil {
		return err
	}
	floor, err := bindOnly(ctx, o.profiling("floor"), p, base, pods, nodes)
	if err != nil {
		return err
	}
	full, err := schedule(ctx, o.profiling("shipped"), p, base, setup, "full", true)
	if err != nil {
		return err
	}

	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	fmt.Printf("\nscheduler/floor, pods/s: %.2f bindings only (goal >= 0.80: %s), %.2f as shipped\n",
		lean.rate/floor.rate, verdict(lean.rate/floor.rate >= 0.8), full.rate/floor.rate)
	fmt.Printf("floor/scheduler, CPU per pod: %.2f bindings only, %.2f as shipped\n",
		floor.cpuPerPod/lean.cpuPerPod, floor.cpuPerPod/full.cpuPerPod)
	fmt.Printf("scheduler: %.0f pods/s bindings only (goal >= 1000: %s), %.0f pods/s as shipped; client QPS %.0f\n",
		lean.rate, verdict(lean.rate >= 1000), full.rate, o.qps)
	return nil
}

// profiling is o with the CPU profile on for phase only.
func (o options) profiling(phase string) options {
	if o.profilePhase != phase {
		o.cpuProfile = ""
	}
	return o
}

// startProfile starts the CPU profile of o, if it has one; stop ends it.
func startProfile(o options) (stop func(), err error) {
	if o.cpuProfile == "" {
		return func() {}, nil
	}
	f, err := os.Create(o.cpuProfile)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// result is one measurement: pods per second, and CPU time of the whole
// process per pod in µs.
type result struct{ rate, cpuPerPod float64 }

// startAPIServer serves the API over an embedded etcd in a temporary
// directory, over HTTPS with p's certificates. The cluster CIDR is a /8,
// so that a thousand nodes each get a /24 pod range. stop stops it.
func startAPIServer(ctx context.Context, p *benchpki.PKI) (string, func(), error) {
	dir, err := os.MkdirTemp("", "kubelab-schedbench-")
	if err != nil {
		return "", nil, err
	}
	etcd, err := store.StartEmbedded(store.EmbeddedConfig{DataDir: dir, Logger: zap.NewNop()})
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	srv, err := p.Serve(sctx, apiserver.Config{Store: store.New(etcd.Client(), "/registry"), ClusterCIDR: "10.0.0.0/8"})
	if err != nil {
		cancel()
		etcd.Close()
		os.RemoveAll(dir)
		return "", nil, err
	}
	stop := func() { cancel(); <-srv.Done; etcd.Close(); os.RemoveAll(dir) }
	return srv.URL, stop, nil
}

// newClient is a REST client as the user of one of p's kubeconfigs.
func newClient(p *benchpki.PKI, kubeconfig, server string, qps float64, burst int) (*client.Client, error) {
	cfg, err := p.ClientConfig(kubeconfig, server)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = qps, burst
	return client.New(cfg)
}

// schedule creates pending pods named prefix-N, runs a scheduler (as
// system:kube-scheduler, with its default role) until it has bound them
// all and returns pods bound per second after its informers synced.
// shipped turns on the decision annotation and the Scheduled events, as
// cmd/scheduler has them.
func schedule(ctx context.Context, o options, p *benchpki.PKI, base string, setup *client.Client, prefix string, shipped bool) (result, error) {
	if _, err := createPods(ctx, setup, prefix, o.pods, api.DefaultSchedulerName); err != nil {
		return result{}, err
	}
	c, err := newClient(p, pki.SchedulerKubeconfig, base, o.qps, o.burst)
	if err != nil {
		return result{}, err
	}
	sctx, cancel := context.WithCancel(ctx) // the scheduler's life
	defer cancel()
	var events scheduler.EventRecorder = discard{}
	if shipped {
		ec, err := newClient(p, pki.SchedulerKubeconfig, base, o.qps, o.burst)
		if err != nil {
			return result{}, err
		}
		rec := client.NewRecorder(ec, "default-scheduler", "", zap.NewNop())
		rec.Run(sctx)
		events = rec
	}
	binder := &countingBinder{Binder: scheduler.NewREST(c), want: int64(o.pods), done: make(chan struct{})}
	stopProfile, err := startProfile(o)
	if err != nil {
		return result{}, err
	}
	defer stopProfile()

	t0 := time.Now()
	s, err := scheduler.Start(sctx, c, scheduler.Config{Parallelism: o.parallelism, RecordDecisions: shipped,
		Binder: binder, Events: events, Logger: zap.NewNop()})
	if err != nil {
		return result{}, err
	}
	synced := time.Since(t0)
	m := startMeasure()
	select {
	case <-binder.done:
	case <-time.After(10 * time.Minute):
		return result{}, fmt.Errorf("only %d of %d pods bound after 10 minutes", binder.bound.Load(), o.pods)
	}
	elapsed, cpus := m.stop()
	cancel()
	<-s.Stopped()
	rate := float64(o.pods) / elapsed.Seconds()
	name := "scheduler, bindings only:"
	if shipped {
		name = "scheduler as shipped:"
	}
	r := result{rate, cpuPerPod(elapsed, cpus, o.pods)}
	fmt.Printf("%-26s %d pods in %5.2fs = %5.0f pods/s; %.2f CPUs busy, %4.0fµs CPU per pod (informers synced in %.2fs before)\n",
		name, o.pods, elapsed.Seconds(), rate, cpus, r.cpuPerPod, synced.Seconds())
	return r, checkPlacement(ctx, setup, prefix, o.pods)
}

// measure is a stopwatch of wall time and of the CPU time of the process.
type measure struct {
	wall time.Time
	cpu  time.Duration
}

func startMeasure() measure { return measure{time.Now(), cpuTime()} }

func (m measure) stop() (elapsed time.Duration, cpus float64) {
	elapsed = time.Since(m.wall)
	return elapsed, (cpuTime() - m.cpu).Seconds() / elapsed.Seconds()
}

// cpuPerPod is the CPU time the whole process (apiserver, etcd and
// scheduler or floor) spent per pod: unlike the rate, it hardly changes
// when other programs on the machine take CPUs away.
func cpuPerPod(elapsed time.Duration, cpus float64, pods int) float64 {
	return elapsed.Seconds() * cpus / float64(pods) * 1e6
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// bindOnly binds pods to nodes round robin with parallelism workers, as
// the scheduler's user, and returns bindings per second.
func bindOnly(ctx context.Context, o options, p *benchpki.PKI, base string, pods []*api.Pod, nodes []string) (result, error) {
	c, err := newClient(p, pki.SchedulerKubeconfig, base, o.qps, o.burst)
	if err != nil {
		return result{}, err
	}
	b := scheduler.NewREST(c)
	var next atomic.Int64
	errs := make(chan error, o.parallelism)
	var wg sync.WaitGroup
	stopProfile, err := startProfile(o)
	if err != nil {
		return result{}, err
	}
	defer stopProfile()
	m := startMeasure()
	for range o.parallelism {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(pods); i = int(next.Add(1)) - 1 {
				if err := b.Bind(ctx, pods[i], nodes[i%len(nodes)], nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed, cpus := m.stop()
	select {
	case err := <-errs:
		return result{}, fmt.Errorf("floor: %w", err)
	default:
	}
	r := result{float64(len(pods)) / elapsed.Seconds(), cpuPerPod(elapsed, cpus, len(pods))}
	fmt.Printf("%-26s %d pods in %5.2fs = %5.0f pods/s; %.2f CPUs busy, %4.0fµs CPU per pod\n",
		"bind-only floor:", len(pods), elapsed.Seconds(), r.rate, cpus, r.cpuPerPod)
	return r, nil
}

// countingBinder closes done when want bindings have succeeded.
type countingBinder struct {
	scheduler.Binder
	want  int64
	bound atomic.Int64
	done  chan struct{}
}

// Bind binds and counts.
func (b *countingBinder) Bind(ctx context.Context, pod *api.Pod, node string, annotations map[string]string) error {
	err := b.Binder.Bind(ctx, pod, node, annotations)
	if err == nil && b.bound.Add(1) == b.want {
		close(b.done)
	}
	return err
}

// discard is an EventRecorder that records nothing.
type discard struct{}

// Eventf drops the event.
func (discard) Eventf(api.Object, string, string, string, ...any) {}

// checkPlacement lists the pods named prefix-N and says how they spread
// over the nodes.
func checkPlacement(ctx context.Context, c *client.Client, prefix string, n int) error {
	res, _ := api.Lookup("pods")
	objs, _, err := c.Resource(res).List(ctx, client.ListOptions{Limit: 1000})
	if err != nil {
		return err
	}
	perNode := map[string]int{}
	bound := 0
	for _, obj := range objs {
		pod := obj.(*api.Pod)
		if strings.HasPrefix(pod.Name, prefix+"-") && pod.Spec.NodeName != "" {
			perNode[pod.Spec.NodeName]++
			bound++
		}
	}
	if bound != n {
		return fmt.Errorf("%d pods bound, want %d", bound, n)
	}
	lo, hi := n, 0
	for _, k := range perNode {
		lo, hi = min(lo, k), max(hi, k)
	}
	fmt.Printf("  placement: %d pods on %d nodes, %d to %d per node\n", bound, len(perNode), lo, hi)
	return nil
}

// createNodes creates Ready nodes and returns their names. The creates go
// one at a time: the apiserver picks each node's pod CIDR, and two
// concurrent creates may pick the same one, and one of them fail.
func createNodes(ctx context.Context, c *client.Client, n int) ([]string, error) {
	res, _ := api.Lookup("nodes")
	nodes := c.Resource(res)
	created := make([]*api.Node, n)
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("node-%04d", i)
		obj, err := nodes.Create(ctx, &api.Node{ObjectMeta: api.ObjectMeta{Name: names[i], Labels: map[string]string{"kubernetes.io/hostname": names[i]}}})
		if err != nil {
			return nil, err
		}
		created[i] = obj.(*api.Node)
	}
	err := parallel(n, 64, func(i int) error {
		node := created[i]
		alloc := api.ResourceList{"cpu": api.MustParse("4"), "memory": api.MustParse("16Gi"), "pods": api.MustParse("110")}
		node.Status.Capacity, node.Status.Allocatable = alloc, alloc
		node.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue, Reason: "KubeletReady",
			LastHeartbeatTime: api.Now(), LastTransitionTime: api.Now()}}
		_, err := nodes.UpdateStatus(ctx, node)
		return err
	})
	return names, err
}

// createPods creates pending pods, owned in groups of 100 by made-up
// ReplicaSets so that spreading has siblings to count.
func createPods(ctx context.Context, c *client.Client, prefix string, n int, schedulerName string) ([]*api.Pod, error) {
	res, _ := api.Lookup("pods")
	pods := c.Resource(res).Namespace("default")
	out := make([]*api.Pod, n)
	err := parallel(n, 64, func(i int) error {
		group := fmt.Sprintf("%s-rs-%d", prefix, i/100)
		pod := &api.Pod{
			ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("%s-%05d", prefix, i), Labels: map[string]string{"app": group},
				OwnerReferences: []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: group, UID: group, Controller: api.Bool(true)}}},
			Spec: api.PodSpec{SchedulerName: schedulerName, Containers: []api.Container{{Name: "app", Image: "kubelab/kubia:1",
				Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse("100m"), "memory": api.MustParse("128Mi")}}}}},
		}
		obj, err := pods.Create(ctx, pod)
		if err != nil {
			return err
		}
		out[i] = obj.(*api.Pod)
		return nil
	})
	return out, err
}

// parallel runs fn(0..n-1) on conc goroutines and returns the first error.
func parallel(n, conc int, fn func(i int) error) error {
	var next atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				if err := fn(i); err != nil {
					mu.Lock()
					first = errors.Join(first, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}
