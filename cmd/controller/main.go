// Command controller runs kubelab's reconcilers (ReplicaSet and
// ReplicationController, DaemonSet, Endpoints, node lifecycle, garbage
// collector and namespace deletion, pod garbage collector) in one process.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"kubelab/pkg/component"
	"kubelab/pkg/controller/manager"
	"kubelab/pkg/controller/podgc"
)

func main() {
	var o manager.Options
	cmd := &cobra.Command{
		Use:          "controller",
		Short:        "Run kubelab's reconcilers",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return manager.Run(component.SignalContext(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Server, "server", "http://127.0.0.1:6443", "address of the apiserver")
	f.Float64Var(&o.QPS, "qps", 100, "client requests per second to the apiserver")
	f.IntVar(&o.Burst, "burst", 200, "client burst above --qps")
	f.IntVar(&o.Workers, "workers", 5, "workers per controller")
	f.StringVar(&o.Listen, "listen", "127.0.0.1:10257", "address for /healthz and /metrics (empty: none)")
	f.DurationVar(&o.NodeGracePeriod, "node-monitor-grace-period", 40*time.Second,
		"a node whose heartbeat is older than this becomes Ready=Unknown (lab: 10s)")
	f.DurationVar(&o.EvictionTimeout, "pod-eviction-timeout", 5*time.Minute,
		"pods of a node not ready for this long are deleted, to be recreated elsewhere (lab: 20s)")
	f.DurationVar(&o.PodGCQuarantine, "pod-gc-quarantine", 40*time.Second,
		"pods bound to a node that does not exist are deleted once the node has been missing this long")
	f.IntVar(&o.TerminatedPodGCThreshold, "terminated-pod-gc-threshold", podgc.DefaultTerminatedThreshold,
		"terminated pods allowed before the oldest are deleted (0 or less: never)")
	f.StringVar(&o.LogLevel, "log-level", "info", "debug, info, warn or error")
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "controller:", err)
		os.Exit(1)
	}
}
