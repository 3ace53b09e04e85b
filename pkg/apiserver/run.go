package apiserver

import (
	"context"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"kubelab/pkg/component"
	"kubelab/pkg/store"
)

// Options are the apiserver's command-line settings.
type Options struct {
	Listen        string
	DataDir       string
	EtcdServers   []string
	ServiceCIDR   string
	ClusterCIDR   string
	NodeCIDRSize  int
	NodePortRange string
	LogLevel      string

	// AdvertiseAddress is where pods reach the apiserver; see
	// chooseAdvertiseAddress for the default.
	AdvertiseAddress string
	// ReadOnlyPort, on the host of Listen, serves pods a read-only view
	// of the API until there is authentication (readonly.go); 0 for none.
	ReadOnlyPort int
}

// compactEvery and compactKeep: etcd keeps every revision until compacted;
// like Kubernetes, the apiserver compacts periodically, keeping enough
// recent history for watchers that reconnect.
const (
	compactEvery = 5 * time.Minute
	compactKeep  = 10000
)

// RunOptions starts etcd (or connects to it), bootstraps the cluster's
// namespaces, keeps the kubernetes Service and serves the API, and its
// read-only view for pods, until SIGINT or SIGTERM.
func RunOptions(o Options) error {
	log, err := component.NewLogger("apiserver", o.LogLevel)
	if err != nil {
		return err
	}
	defer log.Sync()
	port, err := listenPort(o.Listen)
	if err != nil {
		return err
	}
	if o.ReadOnlyPort < 0 || o.ReadOnlyPort > 65535 || o.ReadOnlyPort == int(port) {
		return fmt.Errorf("--read-only-port %d: must be 0 (none) or a port other than --listen's", o.ReadOnlyPort)
	}
	advertise, why, err := chooseAdvertiseAddress(o.AdvertiseAddress, o.Listen, component.DefaultRouteIPv4)
	if err != nil {
		return err
	}
	log.Info("chose the advertise address", zap.String("address", advertise), zap.String("why", why))
	ctx := component.SignalContext()

	var cli *clientv3.Client
	if len(o.EtcdServers) > 0 {
		if cli, err = store.Connect(o.EtcdServers, 5*time.Second); err != nil {
			return err
		}
		defer cli.Close()
		log.Info("using etcd", zap.Strings("endpoints", o.EtcdServers))
	} else {
		etcd, err := store.StartEmbedded(store.EmbeddedConfig{DataDir: o.DataDir, Logger: log.Named("etcd")})
		if err != nil {
			return fmt.Errorf("start embedded etcd in %s: %w", o.DataDir, err)
		}
		defer etcd.Close()
		cli = etcd.Client()
		log.Info("started embedded etcd", zap.String("dataDir", o.DataDir), zap.Strings("endpoints", etcd.Endpoints()))
	}
	st := store.New(cli, "/registry")
	srv, err := New(Config{Store: st, Logger: log, ServiceCIDR: o.ServiceCIDR, ClusterCIDR: o.ClusterCIDR,
		NodeCIDRSize: o.NodeCIDRSize, NodePortRange: o.NodePortRange, AdvertiseAddress: advertise, AdvertisePort: port,
		ReadOnlyPort: int32(o.ReadOnlyPort)})
	if err != nil {
		return err
	}
	bctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = srv.Bootstrap(bctx)
	cancel()
	if err != nil {
		return err
	}
	go st.StartCompactor(ctx, compactEvery, compactKeep, log)
	go srv.RunKubernetesService(ctx)
	return srv.Run(ctx, o.Listen)
}
