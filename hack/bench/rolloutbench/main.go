// Command rolloutbench measures a Deployment's rolling update against its
// floor, in one run on one machine: a whole cluster in this process (an
// apiserver over an embedded etcd served over HTTPS, the scheduler, the
// controller manager and simulated nodes, kubelets with the fake
// runtime), each part under its own identity and with its command's
// default rate limits.
//
//   - floor: create N pods directly (through the scheduler, or bound to
//     the nodes round robin with -bind direct), wait until all are
//     Running; delete them and wait until they are gone. A rollout cannot
//     do less: it creates N new pods and deletes N old ones.
//   - rollout: a Deployment of N replicas (maxSurge 25%, maxUnavailable
//     25%) Ready on image v1; change the image to v2 and time until
//     status says N updated and N available, the old ReplicaSet is at 0
//     and no pod of the old template is left.
//
// The ratio is what the Deployment and ReplicaSet controllers' pacing
// costs on top of the pods' own life. Each measurement runs -runs times,
// floor and rollout in turn, and the medians count. Run it with
// hack/bench/rollout.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"
)

type options struct {
	nodes, replicas, runs int
	bind                  string
}

func main() {
	var o options
	flag.IntVar(&o.nodes, "nodes", 10, "simulated nodes (4 cpu, 16Gi, 110 pods each)")
	flag.IntVar(&o.replicas, "replicas", 100, "the Deployment's replicas, and the floor's pods")
	flag.IntVar(&o.runs, "runs", 3, "measurements of each; the medians count")
	flag.StringVar(&o.bind, "bind", "scheduler", `how the floor's pods reach a node: "scheduler", as the rollout's do, or "direct" (spec.nodeName, round robin)`)
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "rolloutbench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.bind != "scheduler" && o.bind != "direct" {
		return fmt.Errorf("-bind %q: must be scheduler or direct", o.bind)
	}
	start := time.Now()
	c, err := startCluster(o.nodes)
	if err != nil {
		return err
	}
	defer c.stop()
	fmt.Printf("rolloutbench: %d replicas on %d simulated nodes, maxSurge 25%%, maxUnavailable 25%%; floor pods bound by %s\n",
		o.replicas, o.nodes, o.bind)
	fmt.Printf("setup: cluster up, %d nodes Ready in %.1fs\n", o.nodes, time.Since(start).Seconds())

	// Ctrl-C ends the wait at hand, and the cluster and its directories go.
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	var floors, rollouts []time.Duration
	for i := range o.runs {
		f, err := c.floor(ctx, fmt.Sprintf("floor-%d", i), o.replicas, o.bind == "direct")
		if err != nil {
			return err
		}
		r, err := c.rollout(ctx, fmt.Sprintf("rollout-%d", i), o.replicas)
		if err != nil {
			return err
		}
		fmt.Printf("run %d: floor %.2fs, rollout %.2fs\n", i+1, f.Seconds(), r.Seconds())
		floors, rollouts = append(floors, f), append(rollouts, r)
	}
	f, r := median(floors), median(rollouts)
	fmt.Printf("rollout of %d replicas: %.2f s; floor (create+delete %d pods): %.2f s; ratio %.2f×\n",
		o.replicas, r.Seconds(), o.replicas, f.Seconds(), r.Seconds()/f.Seconds())
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
