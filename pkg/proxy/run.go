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
	NetNS         string // the node's network namespace (a path); "" for the proxy's own
	Cleanup       bool   // remove every rule and chain, then exit
	Listen        string // address of /healthz and /metrics; "" serves none
	LogLevel      string
}

func (o Options) validate() error {
	if o.Cleanup {
		return nil
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

// Run is the proxy program: with Cleanup it removes the proxy's rules and
// returns; otherwise it checks the kernel settings, watches Services,
// Endpoints and Nodes, and keeps the rules in sync until ctx ends.
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
	applier, err := NewIPTables("iptables", ns)
	if err != nil {
		return err
	}
	if o.Cleanup {
		if err := Cleanup(applier); err != nil {
			return fmt.Errorf("cleanup: %w", err)
		}
		if err := resetRouteLocalnet(ns, log); err != nil {
			return fmt.Errorf("cleanup: %w", err)
		}
		log.Info("removed every chain and rule of the proxy", zap.String("netns", o.NetNS))
		return nil
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
	p := New(Config{
		Node: NodeInfo{Name: o.NodeName, IPs: o.NodeIPs, ClusterCIDR: o.ClusterCIDR, MasqueradeBit: o.MasqueradeBit,
			AllowEgress: o.PodEgress == EgressAllow, APIServer: serverIP(cc.Server)},
		MinSyncPeriod:  o.MinSyncPeriod,
		SyncBurst:      o.SyncBurst,
		SyncPeriod:     o.SyncPeriod,
		Applier:        applier,
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
		zap.String("clusterCIDR", o.ClusterCIDR), zap.String("podEgress", o.PodEgress), zap.String("netns", o.NetNS), zap.String("iptables", applier.Version()),
		zap.Duration("minSyncPeriod", o.MinSyncPeriod), zap.Int("syncBurst", o.SyncBurst), zap.Duration("syncPeriod", o.SyncPeriod))
	p.Run(ctx)
	log.Info("stopped; the rules stay in place so traffic keeps flowing (proxy --cleanup removes them)")
	return nil
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
