// Command dns is the cluster DNS: it watches Services, Endpoints and Pods
// and answers for their names under the cluster domain
// (kubia.default.svc.cluster.local), the way CoreDNS does in Kubernetes.
// It runs as pods behind the kube-dns Service (addons/dns.yaml).
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"kubelab/pkg/component"
	"kubelab/pkg/dns"
)

func main() {
	var opts dns.Options
	cmd := &cobra.Command{
		Use:           "dns",
		Short:         "Answer DNS queries for the cluster's Services and Pods",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true, // main prints it, once
		RunE: func(cmd *cobra.Command, _ []string) error {
			return dns.Run(component.SignalContext(), opts)
		},
	}
	f := cmd.Flags()
	// The only kubelab defaults on every address, and on purpose: the DNS
	// runs in a pod, so ":53" and ":8080" are the pod's own network
	// namespace (its pod IP and loopback), not the node's. The kube-dns
	// Service sends queries to the pod IP, and the kubelet probes it there.
	f.StringVar(&opts.Kubeconfig, "kubeconfig", "", "kubeconfig to reach the apiserver with; in a pod, none: the pod's ServiceAccount token, CA and the kubernetes Service's address (KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT)")
	f.StringVar(&opts.Server, "server", "", "the apiserver's URL, overriding the kubeconfig's or the pod's")
	f.StringVar(&opts.Listen, "listen", ":53", "address to answer DNS on, over UDP and TCP")
	f.StringVar(&opts.HealthListen, "health-listen", ":8080", "address to serve /healthz, /readyz and /metrics on")
	f.StringVar(&opts.ClusterDomain, "cluster-domain", "cluster.local", "the domain the cluster's names live under")
	f.StringVar(&opts.Upstream, "upstream", "", "IP:port of a resolver for names outside the cluster (empty: refuse them)")
	f.StringVar(&opts.LogLevel, "log-level", "info", "debug, info, warn or error")
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "dns:", err)
		os.Exit(1)
	}
}
