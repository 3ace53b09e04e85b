package kubelet

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/component"
	"kubelab/pkg/kubelet/runtime"
)

// Options configure a kubelet: the command line's flags, and, for a kubelet
// run inside another program (tests, a simulated cluster), the
// dependencies to use instead of building them from the flags.
type Options struct {
	Kubeconfig  string            // the kubelet's kubeconfig, user system:node:<name> (make up writes one per node)
	Server      string            // the apiserver, e.g. https://127.0.0.1:6443; overrides the kubeconfig's
	NodeName    string            // default: the hostname
	RuntimeName string            // "fake", or "docker" (see dockernode.go)
	NodeIP      string            // the node's InternalIP; see chooseNodeIP for the default
	Iface       string            // take the InternalIP from this interface
	Address     string            // where /healthz, /metrics, logs and exec listen; default 127.0.0.1
	Port        int               // their port (the Node's kubeletEndpoint); 0 picks a free one, -1 serves nothing
	Heartbeat   time.Duration     // between node Lease renewals and looks at the node status; default 10s
	RootDir     string            // state (pod IP allocations); default .kubelab/kubelet/<node>
	CPU         string            // capacity; default the host's
	Memory      string            // capacity; default the host's
	MaxPods     int               // capacity; default 110
	NodeLabels  map[string]string // added to the standard kubernetes.io/ labels
	QPS         float64           // client rate limit
	Burst       int
	LogLevel    string // debug, info, warn, error; default info

	// LocalPathDir is where this node's local-path volumes live, made
	// absolute; default <RootDir>/local-path. The Node's
	// kubelab.io/local-path-dir annotation tells the provisioner
	// (localpath.go, --local-path-dir).
	LocalPathDir string

	// The node's DNS settings, for the pods' resolv.conf (see DNSSettings).
	ClusterDNS    []string // the cluster DNS Service's IPs; none: ClusterFirst pods get the node's resolver configuration
	ClusterDomain string   // default cluster.local
	ResolvConf    string   // the node's resolver configuration, for dnsPolicy Default; "": none

	// A Docker node's settings (RuntimeName "docker"), for the runtime and
	// pod network New builds from them (dockernode.go). cmd/kubelet's
	// flags of the same names give them their defaults.
	PauseImage  string // the sandboxes' image (--pause-image)
	ClusterCIDR string // every node's pod CIDRs together, as the apiserver's (--cluster-cidr)
	NetworkMode string // how pod traffic crosses nodes: network.ModeHostGW or ModeVXLAN (--network-mode)
	Bridge      string // the node's pod bridge (--bridge)
	PodEgress   string // where pods may send: network.EgressDeny or EgressAllow (--pod-egress)

	// Cleanup makes Run remove what a Docker kubelet of this node made,
	// instead of running one (cleanup.go, `kubelet --cleanup`).
	Cleanup bool

	Workers      int           // pods synced at once; default 4
	RelistPeriod time.Duration // between looks at the runtime; default 1s
	ResyncPeriod time.Duration // between syncs of every pod, whatever happened; default 30s
	// NodeStatusReportFrequency is how often the node status is posted
	// when nothing in it changed; the Lease is the heartbeat in between
	// (lease.go). Default 5m, Kubernetes' nodeStatusReportFrequency.
	NodeStatusReportFrequency time.Duration
	// SyncFrequency is how often the files of a running pod's volumes
	// from the API (configMap, secret, downwardAPI, projected) are
	// written again from their sources; default 1m, Kubernetes'
	// --sync-frequency.
	SyncFrequency time.Duration

	// TLSCertFile and TLSPrivateKeyFile are the kubelet's serving
	// certificate (kubeadm certs kubelet issues one, CN
	// system:node:<name>, which the apiserver checks before it forwards a
	// log or exec request). ClientCAFile is the CA of the callers' client
	// certificates; default the CA of the kubeconfig's cluster. Without a
	// certificate the kubelet serves only /healthz and /metrics, over
	// plain HTTP, and refuses pods' logs and exec (server.go).
	TLSCertFile, TLSPrivateKeyFile, ClientCAFile string
	// TLS replaces those files, for a kubelet run inside another program;
	// it must set ClientCAs.
	TLS *tls.Config

	// BootstrapToken and CACertHash join a new node, as kubeadm join:
	// with them the kubelet asks the cluster at Server for its client
	// certificate, and writes Kubeconfig (default <RootDir>/kubelet.conf);
	// without a TLSCertFile it asks for its serving certificate too
	// (bootstrap.go).
	BootstrapToken string // <id>.<secret>, kctl create token --bootstrap
	CACertHash     string // sha256:<hex> of the cluster CA's public key

	Client  *client.Client  // default: one for Server
	Runtime runtime.Runtime // default: the one RuntimeName names
	Logger  *zap.Logger     // default: a new one at LogLevel

	// NewNetwork builds the pod network once the node knows its pod CIDR
	// (for RuntimeName "docker", New gives it one that builds package
	// kubelet/network's). nil: pods get an IP but no interface, which is
	// all the fake runtime needs. A network needs a runtime that is a
	// runtime.SandboxPIDer.
	NewNetwork func(podCIDR, nodeIP string) (runtime.PodNetwork, error)
}

// Complete checks opts and fills in defaults. New calls it; a caller that
// needs the defaults first may too. Calling it twice is harmless.
func (o *Options) Complete() error {
	if o.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("no --node-name, and no hostname: %w", err)
		}
		o.NodeName = strings.ToLower(h)
	}
	if errs := api.IsDNS1123Subdomain(o.NodeName); len(errs) > 0 {
		return fmt.Errorf("node name %q: %s", o.NodeName, strings.Join(errs, "; "))
	}
	if o.RuntimeName == "" {
		o.RuntimeName = "fake"
	}
	for k, v := range o.NodeLabels {
		if errs := append(api.IsQualifiedName(k), api.IsValidLabelValue(v)...); len(errs) > 0 {
			return fmt.Errorf("--node-labels %s=%s: %s", k, v, strings.Join(errs, "; "))
		}
	}
	if o.Address == "" {
		o.Address = "127.0.0.1"
	}
	if o.Port > 65535 {
		return fmt.Errorf("--port %d: must be at most 65535", o.Port)
	}
	if o.RootDir == "" {
		o.RootDir = filepath.Join(".kubelab", "kubelet", o.NodeName)
	}
	if o.LocalPathDir == "" {
		o.LocalPathDir = filepath.Join(o.RootDir, "local-path")
	}
	localPathDir, err := filepath.Abs(o.LocalPathDir)
	if err != nil {
		return fmt.Errorf("--local-path-dir %q: %w", o.LocalPathDir, err)
	}
	o.LocalPathDir = localPathDir
	if err := o.completeBootstrap(); err != nil {
		return err
	}
	if o.MaxPods == 0 {
		o.MaxPods = 110
	}
	if o.MaxPods < 0 {
		return fmt.Errorf("--max-pods %d: must be positive", o.MaxPods)
	}
	if o.LogLevel == "" {
		o.LogLevel = "info"
	}
	for _, ip := range o.ClusterDNS {
		if net.ParseIP(ip) == nil {
			return fmt.Errorf("--cluster-dns %q: must be an IP address", ip)
		}
	}
	if o.ClusterDomain == "" {
		o.ClusterDomain = "cluster.local"
	}
	setDefault(&o.Heartbeat, 10*time.Second)
	setDefault(&o.NodeStatusReportFrequency, 5*time.Minute)
	setDefault(&o.RelistPeriod, time.Second)
	setDefault(&o.ResyncPeriod, 30*time.Second)
	setDefault(&o.SyncFrequency, defaultVolumeReread)
	if o.Workers <= 0 {
		o.Workers = 4
	}
	return nil
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// logger is the kubelet's logger: Logger, or a new one at LogLevel, with
// the node's name on every line.
func (o *Options) logger() (*zap.Logger, error) {
	log := o.Logger
	if log == nil {
		var err error
		if log, err = component.NewLogger("kubelet", o.LogLevel); err != nil {
			return nil, err
		}
	}
	return log.With(zap.String("node", o.NodeName)), nil
}
