// Command cpbench measures the control plane under load, for two builds
// of kubelab in one run: the CPU time the apiserver and etcd spend per pod
// while 100 simulated nodes run 3000 pods of two Deployments, and while
// one of them, 1000 pods, rolls out to a new image.
//
// Each part runs as its own process, so that /proc tells their CPU time
// apart:
//
//	etcd        cpbench etcd: the embedded etcd of this tree, alone, on a unix socket
//	apiserver   <build>/apiserver --etcd-servers unix://…, over HTTPS with the cluster PKI
//	controller  <build>/controller      scheduler  <build>/scheduler
//	nodes       cpbench nodes: 100 kubelets with the fake runtime, in one process
//
// etcd and the nodes are this tree's for both builds: the load is the
// same, and only the control plane differs. The builds take turns
// (baseline, then this one, -runs times), so that what else runs on the
// machine weighs on both alike; the CPU time per pod is the figure it
// disturbs least.
//
// Run it with hack/bench/controlplane.sh, which builds both trees.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "etcd": // a child: the etcd of a run
			exit(serveEtcd(os.Args[2:]))
		case "nodes": // a child: the simulated nodes of a run
			exit(runNodes(os.Args[2:]))
		}
	}
	var o options
	flag.StringVar(&o.bin, "bin", "", "directory with this build's apiserver, controller and scheduler (required)")
	flag.StringVar(&o.baseline, "baseline-bin", "", "directory with the baseline build's binaries (none: measure -bin alone)")
	flag.StringVar(&o.baselineName, "baseline-name", "baseline", "what to call the baseline build")
	flag.IntVar(&o.nodes, "nodes", 100, "simulated nodes (4 cpu, 16Gi, 110 pods each)")
	flag.IntVar(&o.pods, "pods", 3000, "pods of the two Deployments together")
	flag.IntVar(&o.rollout, "rollout", 1000, "replicas of the Deployment that rolls out (part of -pods)")
	flag.IntVar(&o.runs, "runs", 1, "measurements of each build, in turns")
	flag.StringVar(&o.profile, "profile", "", "write CPU profiles of this build's apiserver (--profiling), one per phase, into this directory")
	flag.DurationVar(&o.profileFor, "profile-for", 30*time.Second, "how long each profile runs, from the start of its phase")
	flag.Parse()
	if o.bin == "" {
		fmt.Fprintln(os.Stderr, "cpbench: -bin is required")
		os.Exit(2)
	}
	if o.rollout <= 0 || o.rollout >= o.pods {
		fmt.Fprintln(os.Stderr, "cpbench: -rollout must be between 0 and -pods")
		os.Exit(2)
	}
	exit(run(o))
}

func exit(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpbench:", err)
		os.Exit(1)
	}
}

type options struct {
	bin, baseline, baselineName string
	nodes, pods, rollout, runs  int
	profile                     string
	profileFor                  time.Duration
}

// run measures the builds in turns and compares them.
func run(o options) error {
	builds := []build{{name: "this tree", bin: o.bin, profile: o.profile}}
	if o.baseline != "" {
		builds = append([]build{{name: o.baselineName, bin: o.baseline}}, builds...)
	}
	fmt.Printf("cpbench: %d simulated nodes, %d pods in two Deployments, then a rollout of %d of them to a new image\n",
		o.nodes, o.pods, o.rollout)
	results := make([][]result, len(builds))
	for r := range o.runs {
		for i, b := range builds {
			res, err := measure(b, o)
			if err != nil {
				return fmt.Errorf("%s, run %d: %w", b.name, r+1, err)
			}
			results[i] = append(results[i], res)
		}
	}
	if len(builds) == 2 {
		compare(builds, results)
	}
	return nil
}
