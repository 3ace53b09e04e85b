// Command controller runs kubelab's reconcilers (ReplicaSet and
// ReplicationController, DaemonSet, Endpoints, node lifecycle, garbage
// collector and namespace deletion, pod garbage collector, ServiceAccount,
// root CA publisher, certificate approver and signer, bootstrap token
// cleaner) in one process.
package main

import (
	"encoding/pem"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"kubelab/pkg/component"
	"kubelab/pkg/controller/manager"
	"kubelab/pkg/controller/podgc"
	"kubelab/pkg/kubeconfig"
)

func main() {
	var o manager.Options
	var rootCAFile string
	cmd := &cobra.Command{
		Use:          "controller",
		Short:        "Run kubelab's reconcilers",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ca, err := rootCA(rootCAFile, o.Kubeconfig)
			if err != nil {
				return err
			}
			o.RootCA = ca
			return manager.Run(component.SignalContext(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig with the apiserver's address, its CA and this component's credentials (make up writes .kubelab/controller-manager.conf)")
	f.StringVar(&o.Server, "server", "", "the apiserver's URL, overriding the kubeconfig's")
	f.Float64Var(&o.QPS, "qps", 100, "client requests per second to the apiserver")
	f.IntVar(&o.Burst, "burst", 200, "client burst above --qps")
	f.IntVar(&o.Workers, "workers", 5, "workers per controller")
	f.StringVar(&o.Listen, "listen", "127.0.0.1:10257", "address for /healthz and /metrics (empty: none)")
	f.DurationVar(&o.NodeGracePeriod, "node-monitor-grace-period", 40*time.Second,
		"a node whose heartbeat is older than this becomes Ready=Unknown (lab: 10s)")
	f.DurationVar(&o.EvictionTimeout, "pod-eviction-timeout", 5*time.Minute,
		"pods without a toleration for a not-ready or unreachable node stay this long before they are deleted, to be recreated elsewhere; pods admitted by the apiserver tolerate these taints for its --default-unreachable-toleration-seconds instead (lab: 20s)")
	f.DurationVar(&o.PodGCQuarantine, "pod-gc-quarantine", 40*time.Second,
		"pods bound to a node that does not exist are deleted once the node has been missing this long")
	f.IntVar(&o.TerminatedPodGCThreshold, "terminated-pod-gc-threshold", podgc.DefaultTerminatedThreshold,
		"terminated pods allowed before the oldest are deleted (0 or less: never)")
	f.StringVar(&rootCAFile, "root-ca-file", "",
		"the cluster CA (PEM) to publish in every namespace as the ConfigMap kube-root-ca.crt, which pods mount as ca.crt (default: the kubeconfig's certificate-authority)")
	f.StringVar(&o.ClusterSigningCertFile, "cluster-signing-cert-file", ".kubelab/pki/ca.crt",
		"the CA certificate that signs approved CertificateSigningRequests (none readable: no signing)")
	f.StringVar(&o.ClusterSigningKeyFile, "cluster-signing-key-file", ".kubelab/pki/ca.key",
		"the key of --cluster-signing-cert-file")
	f.DurationVar(&o.ClusterSigningDuration, "cluster-signing-duration", 8760*time.Hour,
		"the longest certificate the signer issues; a request may ask for less (spec.expirationSeconds)")
	f.Float64Var(&o.CronJobClockRate, "cronjob-clock-rate", 1,
		"run the cronjob controller's clock this many times as fast as the wall clock: at 60 a schedule of every minute runs every second (demonstrations and tests)")
	o.LeaderElection.AddFlags(f, "kube-controller-manager")
	f.StringVar(&o.LogLevel, "log-level", "info", "debug, info, warn or error")
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "controller:", err)
		os.Exit(1)
	}
}

// rootCA is the CA the controller publishes: --root-ca-file, else the one
// the kubeconfig's cluster is checked against; nil when there is neither
// (an http:// apiserver).
func rootCA(file, kubeconfigPath string) ([]byte, error) {
	if file == "" {
		if kubeconfigPath == "" {
			return nil, nil
		}
		kc, err := kubeconfig.Load(kubeconfigPath)
		if err != nil {
			return nil, err
		}
		r, err := kc.Resolve("")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kubeconfigPath, err)
		}
		return r.CAData, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--root-ca-file: %w", err)
	}
	if block, _ := pem.Decode(b); block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("--root-ca-file %s: no PEM certificate in it", file)
	}
	return b, nil
}
