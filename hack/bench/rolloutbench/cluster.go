package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/hack/bench/benchpki"
	"kubelab/pkg/api"
	"kubelab/pkg/apiserver"
	"kubelab/pkg/client"
	"kubelab/pkg/controller/manager"
	"kubelab/pkg/controller/podgc"
	"kubelab/pkg/kubelet"
	"kubelab/pkg/pki"
	"kubelab/pkg/scheduler"
	"kubelab/pkg/store"
)

// cluster is a whole kubelab cluster in this process: an apiserver over an
// embedded etcd, served over HTTPS, with the scheduler, the controller
// manager and simulated nodes (kubelets with the fake runtime), each
// under its own identity and with its command's default rate limits.
type cluster struct {
	admin *client.Client // no rate limit: the benchmark's own writes
	nodes []string

	stop func()     // stops everything and removes the temporary directories
	errs chan error // a component that stopped before stop was called
}

// startCluster starts the cluster and waits until its nodes are Ready.
// On error everything it started is stopped again.
func startCluster(nodes int) (c *cluster, err error) {
	var stops []func() // run in reverse order
	stopAll := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	defer func() {
		if err != nil {
			stopAll()
		}
	}()

	p, err := benchpki.New()
	if err != nil {
		return nil, err
	}
	stops = append(stops, func() { p.Close() })
	dir, err := os.MkdirTemp("", "kubelab-rolloutbench-")
	if err != nil {
		return nil, err
	}
	stops = append(stops, func() { os.RemoveAll(dir) })

	etcd, err := store.StartEmbedded(store.EmbeddedConfig{DataDir: filepath.Join(dir, "etcd"), Logger: zap.NewNop()})
	if err != nil {
		return nil, err
	}
	stops = append(stops, func() { etcd.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := p.Serve(ctx, apiserver.Config{Store: store.New(etcd.Client(), "/registry")})
	if err != nil {
		cancel()
		return nil, err
	}
	stops = append(stops, func() { cancel(); <-srv.Done })

	c = &cluster{errs: make(chan error, nodes+2)}
	var wg sync.WaitGroup
	stops = append(stops, func() { cancel(); wg.Wait() }) // the components stop before the apiserver
	run := func(name string, fn func() error) {
		wg.Go(func() {
			if err := fn(); err != nil && ctx.Err() == nil {
				c.errs <- fmt.Errorf("%s: %w", name, err)
			} else if ctx.Err() == nil {
				c.errs <- fmt.Errorf("%s stopped", name)
			}
		})
	}

	adminCfg, err := p.ClientConfig(pki.AdminKubeconfig, srv.URL)
	if err != nil {
		return nil, err
	}
	adminCfg.QPS, adminCfg.Burst = 0, -1
	if c.admin, err = client.New(adminCfg); err != nil {
		return nil, err
	}

	run("scheduler", func() error {
		return scheduler.Run(ctx, scheduler.Options{Kubeconfig: p.File(pki.SchedulerKubeconfig), Server: srv.URL,
			SchedulerName: api.DefaultSchedulerName, Parallelism: 16, QPS: 200, Burst: 400, RecordDecisions: true,
			Logger: zap.NewNop()})
	})
	run("controller manager", func() error {
		return manager.Run(ctx, manager.Options{Kubeconfig: p.File(pki.ControllerManagerKubeconfig), Server: srv.URL,
			QPS: 100, Burst: 200, Workers: 5, NodeGracePeriod: 40 * time.Second, EvictionTimeout: 5 * time.Minute,
			PodGCQuarantine: 40 * time.Second, TerminatedPodGCThreshold: podgc.DefaultTerminatedThreshold,
			Logger: zap.NewNop()})
	})
	for i := range nodes {
		name := fmt.Sprintf("node-%02d", i)
		c.nodes = append(c.nodes, name)
		kubeconfig, err := p.KubeletKubeconfig(name)
		if err != nil {
			return nil, err
		}
		run("kubelet "+name, func() error {
			return kubelet.Run(ctx, kubelet.Options{Kubeconfig: kubeconfig, Server: srv.URL, NodeName: name,
				RuntimeName: "fake", Port: -1, RootDir: filepath.Join(dir, name), CPU: "4", Memory: "16Gi", MaxPods: 110,
				QPS: 50, Burst: 100, ResolvConf: "", Logger: zap.NewNop()})
		})
	}
	c.stop = stopAll
	return c, c.waitNodesReady(ctx, nodes)
}

// waitNodesReady waits until n nodes say Ready and have a pod CIDR.
func (c *cluster) waitNodesReady(ctx context.Context, n int) error {
	res, _ := api.Lookup("nodes")
	return c.poll(ctx, 30*time.Second, fmt.Sprintf("%d Ready nodes", n), func() (bool, error) {
		objs, _, err := c.admin.Resource(res).List(ctx, client.ListOptions{})
		if err != nil {
			return false, err
		}
		ready := 0
		for _, obj := range objs {
			node := obj.(*api.Node)
			for _, cond := range node.Status.Conditions {
				if cond.Type == api.NodeReady && cond.Status == api.ConditionTrue && node.Spec.PodCIDR != "" {
					ready++
				}
			}
		}
		return ready == n, nil
	})
}

// pollPeriod is how often the benchmark looks at the cluster: a finished
// phase is noticed at most this late, in the floor and the rollout alike.
const pollPeriod = 20 * time.Millisecond

// poll calls done every pollPeriod until it is true, a component has
// failed, or timeout has passed.
func (c *cluster) poll(ctx context.Context, timeout time.Duration, what string, done func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := done()
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		select {
		case err := <-c.errs:
			return fmt.Errorf("waiting for %s: %w", what, err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollPeriod):
		}
		if time.Now().After(deadline) {
			return errors.New("timed out waiting for " + what)
		}
	}
}
