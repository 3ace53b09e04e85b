// Command scheduler binds pending pods to nodes: it filters the nodes a
// pod may run on, scores the ones that pass and binds the pod to the best.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/component"
	"kubelab/pkg/scheduler"
)

func main() {
	var opts scheduler.Options
	cmd := &cobra.Command{
		Use:          "scheduler",
		Short:        "Bind pending pods to nodes",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return scheduler.Run(component.SignalContext(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Kubeconfig, "kubeconfig", "", "kubeconfig with the apiserver's address, its CA and this component's credentials (make up writes .kubelab/scheduler.conf)")
	f.StringVar(&opts.Server, "server", "", "the apiserver's URL, overriding the kubeconfig's")
	f.StringVar(&opts.SchedulerName, "scheduler-name", api.DefaultSchedulerName, "schedule the pods whose spec.schedulerName is this")
	f.IntVar(&opts.Parallelism, "parallelism", 16, "bindings in flight at once")
	f.Float64Var(&opts.QPS, "qps", 200, "requests per second to the apiserver, sustained")
	f.IntVar(&opts.Burst, "burst", 400, "requests to the apiserver allowed at once above --qps")
	f.StringVar(&opts.Listen, "listen", "127.0.0.1:10259", "address to serve /healthz and /metrics on (empty: do not serve them)")
	f.StringVar(&opts.LogLevel, "log-level", "info", "debug, info, warn or error")
	opts.LeaderElection.AddFlags(f, "kube-scheduler")
	f.IntVar(&opts.PercentageOfNodesToScore, "percentage-of-nodes-to-score", 0, "in a cluster of 100 nodes or more, stop filtering once this share of the nodes fit (0: Kubernetes' adaptive default, 42% of 1000 nodes; 100: every node)")
	f.BoolVar(&opts.RecordDecisions, "record-decisions", true, "write each pod's filter and score results as the annotation "+scheduler.DecisionAnnotation+" (kctl describe pod shows them)")
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "scheduler:", err)
		os.Exit(1)
	}
}
