package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os/exec"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/component"
)

// Pod egress settings (Options.PodEgress), as the kubelet's --pod-egress.
const (
	EgressDeny  = "deny"
	EgressAllow = "allow"
)

// Options are the proxy's command-line settings.
type Options struct {
	Kubeconfig    string   // the proxy's kubeconfig (make up writes .kubelab/proxy.conf)
	Server        string   // apiserver URL; overrides the kubeconfig's
	NodeName      string   // this node's Node name
	NodeIPs       []string // this node's addresses; empty: the Node's InternalIPs
	ClusterCIDR   string   // the pod network
	MasqueradeBit int      // the packet-mark bit for "masquerade me"
	PodEgress     string   // "deny" (default): services lead only to endpoints inside the cluster; "allow": anywhere
	MinSyncPeriod time.Duration
	SyncBurst     int // syncs that may run back to back before MinSyncPeriod spaces them out; 0: DefaultSyncBurst
	SyncPeriod    time.Duration
	Mode          string // ModeIPTables or ModeNFTables; "": DefaultMode()
	NetNS         string // the node's network namespace (a path); "" for the proxy's own
	Cleanup       bool   // remove every rule and chain of both modes, then exit
	Listen        string // address of /healthz and /metrics; "" serves none
	LogLevel      string
}

func (o Options) validate() error {
	if o.Cleanup {
		return nil
	}
	if o.Mode != "" && o.Mode != ModeIPTables && o.Mode != ModeNFTables {
		return fmt.Errorf("--mode %q: want %q or %q", o.Mode, ModeIPTables, ModeNFTables)
	}
	if o.NodeName == "" {
		return errors.New("--node-name is empty")
	}
	if _, err := netip.ParsePrefix(o.ClusterCIDR); err != nil {
		return fmt.Errorf("--cluster-cidr %q: %w", o.ClusterCIDR, err)
	}
	for _, ip := range o.NodeIPs {
		if !isIPv4(ip) {
			return fmt.Errorf("--node-ip %q: not an IPv4 address", ip)
		}
	}
	if o.PodEgress != "" && o.PodEgress != EgressDeny && o.PodEgress != EgressAllow {
		return fmt.Errorf("--pod-egress %q: want %q or %q", o.PodEgress, EgressDeny, EgressAllow)
	}
	if o.MasqueradeBit < 0 || o.MasqueradeBit > 31 {
		return fmt.Errorf("--masquerade-bit %d: must be 0 to 31", o.MasqueradeBit)
	}
	if o.SyncPeriod <= 0 || o.MinSyncPeriod < 0 {
		return errors.New("--sync-period must be positive and --min-sync-period not negative")
	}
	if o.SyncBurst < 0 {
		return fmt.Errorf("--sync-burst %d: must be at least 1 (0: the default, %d)", o.SyncBurst, DefaultSyncBurst)
	}
	return nil
}

// Run is the proxy program: with Cleanup it removes both modes' rules
// and returns; otherwise it picks the mode, checks the kernel settings,
// watches Services, Endpoints and Nodes, and keeps the rules in sync
// until ctx ends.
func Run(ctx context.Context, o Options) error {
	log, err := component.NewLogger("proxy", o.LogLevel)
	if err != nil {
		return err
	}
	defer log.Sync()
	if err := o.validate(); err != nil {
		return err
	}
	ns, err := OpenNetNS(o.NetNS)
	if err != nil {
		return err
	}
	defer ns.Close()
	// Both appliers, where their commands exist: the mode's own writes
	// the rules, the other removes that mode's leftovers (modeswitch.go).
	var ipt RuleApplier
	iptables, iptErr := NewIPTables("iptables", ns)
	if iptErr == nil {
		ipt = iptables
	}
	var nft NFTApplier
	nftCmd, nftErr := NewNFT(ns)
	if nftErr == nil {
		nft = nftCmd
	}
	if o.Cleanup {
		if err := cleanupModes(ipt, nft, log); err != nil {
			return fmt.Errorf("cleanup: %w", err)
		}
		if err := resetRouteLocalnet(ns, log); err != nil {
			return fmt.Errorf("cleanup: %w", err)
		}
		log.Info("removed every chain, table and rule of the proxy", zap.String("netns", o.NetNS))
		return nil
	}

	mode, err := chooseMode(o.Mode, iptables, iptErr, nftCmd, log)
	if err != nil {
		return err
	}

	ensureKernelSettings(ns, log)
	var ct Conntrack
	if _, err := exec.LookPath("conntrack"); err != nil {
		log.Warn("the conntrack command is missing (Debian package conntrack): when a UDP endpoint goes away, " +
			"clients that keep sending from the same port keep reaching it")
	} else {
		ct = ConntrackCommand{NS: ns}
	}

	cc, err := client.Load(o.Kubeconfig, o.Server)
	if err != nil {
		return err
	}
	cc.UserAgent, cc.Timeout = "kubelab-proxy", 30*time.Second
	c, err := client.New(cc)
	if err != nil {
		return err
	}
	informer := func(resource string) *client.Informer {
		r, _ := api.Lookup(resource)
		return client.NewInformer(c.Resource(r), client.ListOptions{Limit: 1000}, log)
	}
	services, endpoints, nodes := informer("services"), informer("endpoints"), informer("nodes")
	reg := component.NewRegistry()
	events := client.NewRecorder(c, "kubelab-proxy", o.NodeName, log)
	go events.Run(ctx)
	p, err := New(Config{
		Node: NodeInfo{Name: o.NodeName, IPs: o.NodeIPs, ClusterCIDR: o.ClusterCIDR, MasqueradeBit: o.MasqueradeBit,
			AllowEgress: o.PodEgress == EgressAllow, APIServer: serverIP(cc.Server)},
		MinSyncPeriod:  o.MinSyncPeriod,
		SyncBurst:      o.SyncBurst,
		SyncPeriod:     o.SyncPeriod,
		Mode:           mode,
		Applier:        ipt,
		NFT:            nft,
		Conntrack:      ct,
		Status:         RESTStatusWriter{Client: c},
		Services:       services,
		Endpoints:      endpoints,
		Nodes:          nodes,
		Events:         events,
		AfterFirstSync: func() { ensureRouteLocalnet(ns, log) },
		Log:            log,
		Registry:       reg,
	})
	if err != nil {
		return err
	}
	services.AddHandler(p.Handler())
	endpoints.AddHandler(p.Handler())
	nodes.AddHandler(p.NodeHandler())
	for _, inf := range []*client.Informer{services, endpoints, nodes} {
		go inf.Run(ctx)
	}
	go func() {
		if err := component.ServeHealth(ctx, o.Listen, reg, p.Healthy, log); err != nil {
			log.Error("health server", zap.Error(err))
		}
	}()
	if !client.WaitForSync(ctx, services, endpoints, nodes) {
		return ctx.Err()
	}
	log.Info("caches synced; proxying", zap.String("node", o.NodeName), zap.Strings("nodeIPs", o.NodeIPs),
		zap.String("clusterCIDR", o.ClusterCIDR), zap.String("podEgress", o.PodEgress), zap.String("netns", o.NetNS), zap.String("mode", mode),
		zap.Duration("minSyncPeriod", o.MinSyncPeriod), zap.Int("syncBurst", o.SyncBurst), zap.Duration("syncPeriod", o.SyncPeriod))
	p.Run(ctx)
	log.Info("stopped; the rules stay in place so traffic keeps flowing (proxy --cleanup removes them)")
	return nil
}

// chooseMode is --mode, or without it DefaultMode(), checked to work
// here; the log says which, why, and the version of its command.
func chooseMode(flag string, ipt *IPTables, iptErr error, nft *NFT, log *zap.Logger) (string, error) {
	mode, why := flag, "chosen with --mode"
	if mode == "" {
		var err error
		if mode, why, err = DefaultMode(); err != nil {
			return "", fmt.Errorf("--mode not given, and no mode works here: %w", err)
		}
	}
	var version string
	switch mode {
	case ModeIPTables:
		if iptErr != nil {
			return "", fmt.Errorf("--mode %s: %w", mode, iptErr)
		}
		version = ipt.Version()
	case ModeNFTables:
		if err := nftablesSupported(); err != nil {
			return "", fmt.Errorf("--mode %s: %w", mode, err)
		}
		version = nft.Version()
	}
	log.Info("proxy mode", zap.String("mode", mode), zap.String("why", why), zap.String("command", version))
	return mode, nil
}

// serverIP is the IP address in the apiserver URL server, or "".
func serverIP(server string) string {
	u, err := url.Parse(server)
	if err != nil {
		return ""
	}
	if a, err := netip.ParseAddr(u.Hostname()); err == nil {
		return a.String()
	}
	return ""
}
