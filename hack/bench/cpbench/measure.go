package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"kubelab/hack/bench/benchpki"
	"kubelab/pkg/client"
	"kubelab/pkg/pki"
)

// build is one tree's binaries; profile, if set, is where to write its
// apiserver's CPU profiles.
type build struct {
	name, bin, profile string
}

// result is one measurement of a build: each phase's CPU time per pod,
// by part.
type result struct {
	phases []phase
}

type phase struct {
	name    string
	pods    int
	elapsed time.Duration
	cpu     map[string]time.Duration // by part: etcd, apiserver, …
}

// parts are the processes of a run, in the order they start.
var parts = []string{"etcd", "apiserver", "controller", "scheduler", "nodes"}

// setupTimeout bounds the start of the cluster, phaseTimeout each phase.
const (
	setupTimeout = 2 * time.Minute
	phaseTimeout = 10 * time.Minute
)

// measure starts a cluster of build b, runs the load, and stops it.
func measure(b build, o options) (res result, err error) {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	dir, err := os.MkdirTemp("", "kubelab-cpbench-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	p, err := benchpki.New()
	if err != nil {
		return res, err
	}
	defer p.Close()

	procs := map[string]*proc{}
	defer func() {
		for i := len(parts) - 1; i >= 0; i-- {
			if pr := procs[parts[i]]; pr != nil {
				pr.stop()
			}
		}
	}()
	c, err := startCluster(ctx, b, o, p, dir, procs)
	if err != nil {
		return res, err
	}
	fmt.Printf("\n%s: %d nodes Ready\n", b.name, o.nodes)

	bulk, web := o.pods-o.rollout, o.rollout
	phases := []struct {
		name string
		pods int
		load func(context.Context) error
	}{
		{fmt.Sprintf("%d pods up", o.pods), o.pods, func(ctx context.Context) error { return c.scaleUp(ctx, bulk, web) }},
		{fmt.Sprintf("rollout of %d", web), web, func(ctx context.Context) error { return c.rollOut(ctx, web) }},
	}
	for k, ph := range phases {
		before, err := cpuOf(procs)
		if err != nil {
			return res, err
		}
		t0 := time.Now()
		profiled := make(chan error, 1)
		if b.profile != "" {
			go func() {
				profiled <- c.profile(ctx, filepath.Join(b.profile, fmt.Sprintf("apiserver-%d.prof", k+1)), o.profileFor)
			}()
		} else {
			profiled <- nil
		}
		pctx, cancel := context.WithTimeout(ctx, phaseTimeout)
		err = ph.load(pctx)
		cancel()
		if err != nil {
			return res, fmt.Errorf("%s: %w", ph.name, err)
		}
		after, err := cpuOf(procs)
		if err != nil {
			return res, err
		}
		if err := <-profiled; err != nil {
			return res, fmt.Errorf("profile of %s: %w", ph.name, err)
		}
		m := phase{name: ph.name, pods: ph.pods, elapsed: time.Since(t0), cpu: map[string]time.Duration{}}
		for _, part := range parts {
			m.cpu[part] = after[part] - before[part]
		}
		fmt.Printf("  %-16s %5.1fs   CPU seconds per pod:", m.name, m.elapsed.Seconds())
		for _, part := range parts {
			fmt.Printf("  %s %.4f", part, m.perPod(part))
		}
		fmt.Println()
		res.phases = append(res.phases, m)
	}
	return res, nil
}

func (m phase) perPod(part string) float64 { return m.cpu[part].Seconds() / float64(m.pods) }

// cpuOf reads every part's CPU time.
func cpuOf(procs map[string]*proc) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	for name, p := range procs {
		if err := p.exited(); err != nil {
			return nil, err
		}
		t, err := p.cpu()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// startCluster starts every part of build b, recording each in procs as
// it starts (the caller stops them), and waits until the nodes are Ready.
func startCluster(ctx context.Context, b build, o options, p *benchpki.PKI, dir string, procs map[string]*proc) (*cluster, error) {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}

	out, in := io.Pipe()
	etcd, err := start(dir, "etcd", self, []string{"etcd", "-dir", filepath.Join(dir, "etcd")}, in)
	if err != nil {
		return nil, err
	}
	procs["etcd"] = etcd
	endpoint, err := readLine(ctx, out, "endpoint ", etcd)
	if err != nil {
		return nil, err
	}

	addr, err := freeAddress()
	if err != nil {
		return nil, err
	}
	server := "https://" + addr
	args := append([]string{"--listen", addr, "--etcd-servers", endpoint, "--data-dir", filepath.Join(dir, "unused"),
		"--log-level", "warn"}, p.APIServerFlags()...)
	if b.profile != "" {
		args = append(args, "--profiling")
	}
	if procs["apiserver"], err = start(dir, "apiserver", filepath.Join(b.bin, "apiserver"), args, nil); err != nil {
		return nil, err
	}
	c, err := newCluster(p, server)
	if err != nil {
		return nil, err
	}
	if err := c.poll(ctx, "the apiserver to answer", procs, func() (bool, error) { return c.healthy(ctx), nil }); err != nil {
		return nil, err
	}

	common := []string{"--server", server, "--listen", "", "--leader-elect=false", "--log-level", "warn"}
	if procs["controller"], err = start(dir, "controller", filepath.Join(b.bin, "controller"), append([]string{
		"--kubeconfig", p.File(pki.ControllerManagerKubeconfig),
		"--cluster-signing-cert-file", p.File(pki.CACertFile), "--cluster-signing-key-file", p.File(pki.CAKeyFile)},
		common...), nil); err != nil {
		return nil, err
	}
	if procs["scheduler"], err = start(dir, "scheduler", filepath.Join(b.bin, "scheduler"), append([]string{
		"--kubeconfig", p.File(pki.SchedulerKubeconfig)}, common...), nil); err != nil {
		return nil, err
	}
	if procs["nodes"], err = start(dir, "nodes", self, []string{"nodes", "-n", fmt.Sprint(o.nodes), "-server", server,
		"-pki", p.Dir, "-root", filepath.Join(dir, "nodes")}, nil); err != nil {
		return nil, err
	}
	c.procs = procs
	return c, c.poll(ctx, fmt.Sprintf("%d Ready nodes", o.nodes), procs, func() (bool, error) {
		n, err := c.readyNodes(ctx)
		return n == o.nodes, err
	})
}

// freeAddress is a loopback address with a port free at the moment.
func freeAddress() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// newCluster is a cluster reached as the admin, with no rate limit.
func newCluster(p *benchpki.PKI, server string) (*cluster, error) {
	cfg, err := p.ClientConfig(pki.AdminKubeconfig, server)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 0, -1
	admin, err := client.New(cfg)
	if err != nil {
		return nil, err
	}
	return &cluster{admin: admin}, nil
}

// compare prints, per phase and part, the mean CPU time per pod of each
// build and their ratio.
func compare(builds []build, results [][]result) {
	fmt.Printf("\n== CPU seconds per pod: %s vs %s (means of %d runs) ==\n", builds[1].name, builds[0].name, len(results[0]))
	mean := func(rs []result, ph int, part string) float64 {
		var sum float64
		for _, r := range rs {
			sum += r.phases[ph].perPod(part)
		}
		return sum / float64(len(rs))
	}
	for ph, m := range results[0][0].phases {
		fmt.Printf("%s:\n", m.name)
		for _, part := range parts {
			base, cur := mean(results[0], ph, part), mean(results[1], ph, part)
			fmt.Printf("  %-10s %8.4f → %8.4f  (%.2f×)\n", part, base, cur, cur/base)
		}
	}
}
