// Command kubelet is kubelab's node agent: it registers its Node, keeps
// its heartbeat, and runs the pods bound to it. With --runtime=docker its
// pods are Docker containers wired into a pod network; with --runtime=fake
// it is a simulated node whose pods run in memory.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"kubelab/pkg/component"
	"kubelab/pkg/kubelet"
	"kubelab/pkg/kubelet/docker"
	"kubelab/pkg/kubelet/network"
)

func main() {
	var opts kubelet.Options
	cmd := &cobra.Command{
		Use:   "kubelet",
		Short: "Run the pods bound to this node",
		Example: `  kubelet --runtime=docker --node-ip 127.0.0.1            # this machine, one node
  kubelet --runtime=docker --address 0.0.0.0 --iface eth1  # a lab VM: the apiserver reaches it there
  kubelet --runtime=fake --node-name n1 --port 10250        # simulated nodes, as many as you like
  kubelet --runtime=fake --node-name n2 --port 10251 --cpu 2 --memory 4Gi --node-labels zone=b
  # join a new machine, as kubeadm join (kctl create token --bootstrap prints the line):
  kubelet --server https://10.0.0.10:6443 --bootstrap-token abcdef.0123456789abcdef \
    --ca-cert-hash sha256:<hex> --node-name w1 --runtime=docker --address 0.0.0.0`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true, // main prints the error once
		RunE: func(cmd *cobra.Command, _ []string) error {
			return kubelet.Run(component.SignalContext(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Kubeconfig, "kubeconfig", "", "kubeconfig with the apiserver's address, its CA and this component's credentials (make up writes .kubelab/kubelet-<node>.conf)")
	f.StringVar(&opts.Server, "server", "", "the apiserver's URL, overriding the kubeconfig's")
	f.StringVar(&opts.TLSCertFile, "tls-cert-file", "", "the kubelet's serving certificate, CN system:node:<node-name> (kubeadm certs kubelet); without it pods' logs and exec are refused")
	f.StringVar(&opts.TLSPrivateKeyFile, "tls-private-key-file", "", "private key of --tls-cert-file")
	f.StringVar(&opts.ClientCAFile, "client-ca-file", "", "CA of the callers' client certificates (default: the kubeconfig's cluster CA)")
	f.StringVar(&opts.BootstrapToken, "bootstrap-token", "", "join the cluster at --server with this token (kctl create token --bootstrap makes one): "+
		"the kubelet asks for its client certificate and writes it into --kubeconfig (default <root-dir>/kubelet.conf), "+
		"and without --tls-cert-file asks for its serving certificate too; a kubeconfig bootstrapped before is used while it is valid")
	f.StringVar(&opts.CACertHash, "ca-cert-hash", "", "with --bootstrap-token: sha256:<hex> of the cluster CA's public key; "+
		"the kubelet trusts the CA the apiserver hands out, and sends it the token, only if the CA has this hash")
	f.StringVar(&opts.NodeName, "node-name", "", "the name of this node (default the hostname)")
	f.StringVar(&opts.RuntimeName, "runtime", "fake", `container runtime: "docker" runs pods on the Docker Engine with a pod network; "fake" runs them in memory (a simulated node)`)
	f.StringVar(&opts.NodeIP, "node-ip", "", "the node's InternalIP (default: the address of --iface, 127.0.0.1 for --runtime=fake, else the default route's interface)")
	f.StringVar(&opts.Iface, "iface", "", "take the node's InternalIP from this interface")
	f.StringVar(&opts.Address, "address", "127.0.0.1", "address to serve /healthz, /metrics, logs and exec on; the apiserver reaches it at the node's InternalIP, so give 0.0.0.0 on a lab VM")
	f.IntVar(&opts.Port, "port", 10250, "port to serve on, reported in the Node's daemonEndpoints (give each simulated node on one host its own)")
	f.DurationVar(&opts.Heartbeat, "heartbeat", 10*time.Second, "time between renewals of the node's Lease in kube-node-lease, and looks at the node status, posted when it changed")
	f.DurationVar(&opts.NodeStatusReportFrequency, "node-status-report-frequency", 5*time.Minute, "how often the node status is posted when nothing in it changed")
	f.DurationVar(&opts.SyncFrequency, "sync-frequency", time.Minute, "how often the files of running pods' configMap, secret, downwardAPI and projected volumes are written again from their sources")
	f.StringVar(&opts.RootDir, "root-dir", "", "directory for the kubelet's state: pod IP allocations, emptyDir volumes (default .kubelab/kubelet/<node-name>)")
	f.StringVar(&opts.LocalPathDir, "local-path-dir", "", "directory of this node's local-path volumes, announced on the Node as kubelab.io/local-path-dir (default <root-dir>/local-path)")
	f.StringVar(&opts.CPU, "cpu", "", "cpu capacity to report, e.g. 4 or 2500m (default the host's)")
	f.StringVar(&opts.Memory, "memory", "", "memory capacity to report, e.g. 8Gi (default the host's)")
	f.IntVar(&opts.MaxPods, "max-pods", 110, "pods capacity to report")
	f.StringToStringVar(&opts.NodeLabels, "node-labels", nil, "labels to add to the node, k=v,k2=v2")
	f.StringVar(&opts.LogLevel, "log-level", "info", "debug, info, warn or error")
	f.Float64Var(&opts.QPS, "qps", 50, "requests per second to the apiserver")
	f.IntVar(&opts.Burst, "burst", 100, "requests allowed at once above --qps")
	f.StringSliceVar(&opts.ClusterDNS, "cluster-dns", nil, "IPs of the cluster DNS Service, the nameserver of pods with dnsPolicy ClusterFirst (make up passes 10.96.0.10); none: those pods get --resolv-conf's")
	f.StringVar(&opts.ClusterDomain, "cluster-domain", "cluster.local", "the cluster's DNS domain, searched by pods with dnsPolicy ClusterFirst")
	f.StringVar(&opts.ResolvConf, "resolv-conf", "/etc/resolv.conf", `the node's resolver configuration, given to pods with dnsPolicy Default ("" for none)`)
	f.StringVar(&opts.PauseImage, "pause-image", docker.DefaultPauseImage, "image of the pods' sandboxes (--runtime=docker)")
	f.StringVar(&opts.ClusterCIDR, "cluster-cidr", network.DefaultClusterCIDR, "every node's pod CIDRs together, as the apiserver's --cluster-cidr (--runtime=docker)")
	f.StringVar(&opts.NetworkMode, "network-mode", network.ModeHostGW, `how pod traffic crosses nodes: "host-gw" (nodes on one layer-2 network) or "vxlan" (--runtime=docker)`)
	f.StringVar(&opts.Bridge, "bridge", network.DefaultBridge, "the node's pod bridge (--runtime=docker)")
	f.StringVar(&opts.PodEgress, "pod-egress", network.EgressDeny, `where pods may send: "deny" keeps them inside the cluster (pods, services, nodes, cluster DNS) and refuses the rest; "allow" lets them out, masqueraded to the node's address (--runtime=docker)`)
	f.BoolVar(&opts.Cleanup, "cleanup", false, "remove this node's containers, volumes and pod network, then exit (--runtime=docker)")
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "kubelet:", err)
		os.Exit(1)
	}
}
