// Command dashboard serves kubelab's live web UI: the cluster map, pods,
// workloads, services and events, kept up to date from the API's watches
// and pushed to the browser. It reads as its own identity; actions go to
// the API as the viewer who signed in (pkg/dashboard).
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"kubelab/pkg/component"
	"kubelab/pkg/dashboard"
)

func main() {
	var opts dashboard.Options
	cmd := &cobra.Command{
		Use:          "dashboard",
		Short:        "Serve kubelab's live web UI",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return dashboard.Run(component.SignalContext(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Kubeconfig, "kubeconfig", "", "kubeconfig with the apiserver's address, its CA and the dashboard's own credentials (make up writes .kubelab/dashboard.conf)")
	f.StringVar(&opts.Server, "server", "", "the apiserver's URL, overriding the kubeconfig's")
	f.StringVar(&opts.Listen, "listen", "127.0.0.1:8080", "address to serve the web UI on; whoever reaches it sees what the dashboard's role reads")
	f.StringSliceVar(&opts.AllowedHosts, "allowed-host", nil, "a host name the UI answers to besides IP addresses and localhost (repeatable)")
	f.Float64Var(&opts.QPS, "qps", 20, "requests per second to the apiserver, sustained")
	f.IntVar(&opts.Burst, "burst", 40, "requests to the apiserver allowed at once above --qps")
	f.StringVar(&opts.LogLevel, "log-level", "info", "debug, info, warn or error")
	cmd.AddCommand(&cobra.Command{
		Use:   "rbac",
		Short: "Print the dashboard's ClusterRole and its binding, to apply as the admin",
		Long: "rbac prints the ClusterRole that lets the dashboard read what it shows, bound to the\n" +
			"user " + dashboard.UserName + " of its client certificate. make up applies it:\n\n" +
			"  bin/dashboard rbac | bin/kctl apply -f -",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(dashboard.RBACManifest)
			return err
		},
	})
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
}
