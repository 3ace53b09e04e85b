// Command proxy makes Services work on one node: it watches Services and
// Endpoints and keeps rules, iptables or nftables (--mode), that send
// each connection to a service's cluster IP, node port or load balancer
// address on to one of its endpoints.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"kubelab/pkg/component"
	"kubelab/pkg/proxy"
)

func main() {
	var opts proxy.Options
	host, _ := os.Hostname()
	cmd := &cobra.Command{
		Use:          "proxy",
		Short:        "Keep the iptables or nftables rules of Services on this node",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return proxy.Run(component.SignalContext(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Kubeconfig, "kubeconfig", "", "kubeconfig with the apiserver's address, its CA and this component's credentials (make up writes .kubelab/proxy.conf)")
	f.StringVar(&opts.Server, "server", "", "the apiserver's URL, overriding the kubeconfig's")
	f.StringVar(&opts.NodeName, "node-name", host, "name of this node's Node object (externalTrafficPolicy Local picks endpoints by it)")
	f.StringSliceVar(&opts.NodeIPs, "node-ip", nil, "more addresses of this node, repeated or comma-separated; a LoadBalancer service answers on them and on the Node's InternalIP addresses")
	f.StringVar(&opts.ClusterCIDR, "cluster-cidr", "10.244.0.0/16", "the pod network: traffic from outside it to a cluster IP is masqueraded")
	f.StringVar(&opts.PodEgress, "pod-egress", proxy.EgressDeny, `"deny": a service leads only to endpoints inside the cluster (pods, nodes, the apiserver) and one with endpoints elsewhere is refused, with an event; "allow": anywhere, as the kubelet's --pod-egress=allow`)
	f.IntVar(&opts.MasqueradeBit, "masquerade-bit", 14, "the packet-mark bit that marks traffic to masquerade")
	f.DurationVar(&opts.MinSyncPeriod, "min-sync-period", time.Second, "once --sync-burst syncs ran back to back, at least this long between two; changes arriving meanwhile are applied together")
	f.IntVar(&opts.SyncBurst, "sync-burst", proxy.DefaultSyncBurst, "syncs that may run back to back, so that a lone change is applied at once; one more is allowed every --min-sync-period")
	f.DurationVar(&opts.SyncPeriod, "sync-period", 30*time.Second, "rewrite every rule at least this often")
	f.StringVar(&opts.Mode, "mode", "", `how to write the rules: "iptables" (chains in the nat and filter tables) or "nftables" (one table, ip kubelab); `+
		"default: iptables, or nftables where iptables-restore is missing and the kernel is 5.13 or later; the log says which and why")
	f.StringVar(&opts.NetNS, "netns", "", "network namespace of the node (a path such as /run/netns/node1) for a simulated node; empty: the proxy's own")
	f.BoolVar(&opts.Cleanup, "cleanup", false, "remove every chain, table and rule the proxy installs, in both modes, then exit")
	f.StringVar(&opts.Listen, "listen", "127.0.0.1:10256", "address to serve /healthz and /metrics on (empty: do not serve them)")
	f.StringVar(&opts.LogLevel, "log-level", "info", "debug, info, warn or error")
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "proxy:", err)
		os.Exit(1)
	}
}
