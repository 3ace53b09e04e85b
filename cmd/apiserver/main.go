// Command apiserver serves kubelab's API over etcd: an embedded etcd in
// --data-dir by default, or an etcd cluster given with --etcd-servers.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"kubelab/pkg/apiserver"
	"kubelab/pkg/component"
)

func main() {
	var opts apiserver.Options
	cmd := &cobra.Command{
		Use:           "apiserver",
		Short:         "Serve the kubelab API over etcd",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true, // main prints the error, once
		RunE: func(cmd *cobra.Command, _ []string) error {
			return apiserver.RunOptions(component.SignalContext(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Listen, "listen", "127.0.0.1:6443", "address to serve the API on (0.0.0.0:6443 for a lab of VMs)")
	f.StringVar(&opts.AdvertiseAddress, "advertise-address", "", "the address pods reach the API at, in the kubernetes Service's Endpoints (default: the host of --listen; for 0.0.0.0 the default route's interface)")
	f.StringVar(&opts.DataDir, "data-dir", ".kubelab/etcd", "directory of the embedded etcd (ignored with --etcd-servers)")
	f.StringSliceVar(&opts.EtcdServers, "etcd-servers", nil, "etcd endpoints to use instead of the embedded etcd, e.g. https://10.0.0.1:2379")
	f.StringVar(&opts.EtcdCAFile, "etcd-cafile", "", "CA certificate that signed the etcd members' serving certificates (with --etcd-servers)")
	f.StringVar(&opts.EtcdCertFile, "etcd-certfile", "", "client certificate for etcd, which etcd's --client-cert-auth requires (with --etcd-servers)")
	f.StringVar(&opts.EtcdKeyFile, "etcd-keyfile", "", "private key of --etcd-certfile")
	f.DurationVar(&opts.CompactionInterval, "etcd-compaction-interval", 0, "how often etcd's history is compacted, to the revision of the interval before (default 5m)")
	f.Int64Var(&opts.QuotaBackendBytes, "quota-backend-bytes", 0, "size limit of the embedded etcd's database; at the limit writes are refused until objects are deleted (default etcd's 2 GiB)")
	f.StringVar(&opts.ServiceCIDR, "service-cluster-ip-range", "10.96.0.0/12", "CIDR that ClusterIPs are allocated from")
	f.StringVar(&opts.ClusterCIDR, "cluster-cidr", "10.244.0.0/16", "CIDR that node pod CIDRs are allocated from")
	f.IntVar(&opts.NodeCIDRSize, "node-cidr-mask-size", 24, "prefix length of each node's pod CIDR")
	f.StringVar(&opts.NodePortRange, "service-node-port-range", "30000-32767", "range of NodePorts")
	f.IntVar(&opts.Limits.MaxRequestsInflight, "max-requests-inflight", 400, "reads served at once; more get 429 Too Many Requests (watches are not counted)")
	f.IntVar(&opts.Limits.MaxMutatingRequestsInflight, "max-mutating-requests-inflight", 200, "writes served at once; more get 429 Too Many Requests")
	f.DurationVar(&opts.Limits.RequestTimeout, "request-timeout", 0, "how long a request other than a watch, log or exec may take (default 1m)")
	f.StringVar(&opts.EncryptionProviderConfig, "encryption-provider-config", "", "EncryptionConfiguration file (Kubernetes' format: aesgcm and identity providers) naming the resources, such as secrets, to encrypt in etcd; without it they are stored in plaintext")
	f.StringVar(&opts.TLSCertFile, "tls-cert-file", ".kubelab/pki/apiserver.crt", "the API's serving certificate (kubeadm init writes it); the API is served over HTTPS only")
	f.StringVar(&opts.TLSPrivateKeyFile, "tls-private-key-file", ".kubelab/pki/apiserver.key", "private key of --tls-cert-file")
	f.StringVar(&opts.ClientCAFile, "client-ca-file", ".kubelab/pki/ca.crt", "CA whose client certificates authenticate users: CN is the user name, O the groups")
	f.StringVar(&opts.KubeletClientCertificate, "kubelet-client-certificate", ".kubelab/pki/apiserver-kubelet-client.crt", "client certificate the apiserver presents to kubelets for pods' logs and exec")
	f.StringVar(&opts.KubeletClientKey, "kubelet-client-key", ".kubelab/pki/apiserver-kubelet-client.key", "private key of --kubelet-client-certificate")
	f.StringVar(&opts.KubeletCertificateAuthority, "kubelet-certificate-authority", ".kubelab/pki/ca.crt", "CA that signs the kubelets' serving certificates; the apiserver also checks that one is system:node:<the node>")
	f.StringSliceVar(&opts.ServiceAccountKeyFiles, "service-account-key-file", nil, "more keys (PEM, public or private) that ServiceAccount tokens may be signed with, e.g. the key before a rotation; the signing key's own is always accepted")
	f.StringVar(&opts.ServiceAccountSigningKeyFile, "service-account-signing-key-file", ".kubelab/pki/sa.key", "ECDSA P-256 key that signs ServiceAccount tokens (kubeadm init writes it)")
	f.StringVar(&opts.ServiceAccountIssuer, "service-account-issuer", "https://kubernetes.default.svc.cluster.local", "the iss claim of ServiceAccount tokens")
	f.StringSliceVar(&opts.APIAudiences, "api-audiences", nil, "audiences the API accepts in ServiceAccount tokens (default: the issuer)")
	f.StringVar(&opts.TokenAuthFile, "token-auth-file", "", "static bearer tokens, as CSV lines token,user,uid,\"group1,group2\"")
	f.Int64Var(&opts.Tolerations.NotReady, "default-not-ready-toleration-seconds", 300, "the tolerationSeconds of the toleration for node.kubernetes.io/not-ready:NoExecute added to every pod that has none: how long its pods stay on a node that reports not ready")
	f.Int64Var(&opts.Tolerations.Unreachable, "default-unreachable-toleration-seconds", 300, "the tolerationSeconds of the toleration for node.kubernetes.io/unreachable:NoExecute added to every pod that has none: how long its pods stay on a node that stopped answering")
	f.BoolVar(&opts.Profiling, "profiling", false, "serve Go's profiler under /debug/pprof/ to the users RBAC allows to get it (system:masters)")
	f.StringVar(&opts.LogLevel, "log-level", "info", "debug, info, warn or error")
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "apiserver:", err)
		os.Exit(1)
	}
}
