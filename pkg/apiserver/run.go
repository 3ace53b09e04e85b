package apiserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

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

	// EtcdCAFile, EtcdCertFile and EtcdKeyFile reach the etcd of
	// EtcdServers over TLS with a client certificate (store.ClientTLS).
	EtcdCAFile, EtcdCertFile, EtcdKeyFile string

	// AdvertiseAddress is where pods reach the apiserver; see
	// chooseAdvertiseAddress for the default.
	AdvertiseAddress string

	// CompactionInterval is how often etcd's history is compacted, to the
	// revision of the interval before (store.RunCompactor): 5 minutes,
	// as kube-apiserver's --etcd-compaction-interval.
	CompactionInterval time.Duration
	// QuotaBackendBytes caps the embedded etcd's database (etcd's
	// --quota-backend-bytes); 0 keeps etcd's 2 GiB.
	QuotaBackendBytes int64
	// Limits bound what clients can make the apiserver hold (limits.go).
	Limits Limits
	// EncryptionProviderConfig is an EncryptionConfiguration file naming
	// the resources to encrypt in etcd (encryption.go); "" for none.
	EncryptionProviderConfig string

	// TLSCertFile and TLSPrivateKeyFile are the API's serving certificate;
	// ClientCAFile the CA whose client certificates authenticate users;
	// TokenAuthFile static bearer tokens ("" for none). See ServingTLS
	// and authenticatorFor.
	TLSCertFile, TLSPrivateKeyFile, ClientCAFile, TokenAuthFile string
	// KubeletClientCertificate and KubeletClientKey are presented to
	// kubelets, whose serving certificates KubeletCertificateAuthority
	// signs (KubeletClientTLS).
	KubeletClientCertificate, KubeletClientKey, KubeletCertificateAuthority string

	// ServiceAccountKeyFiles verify ServiceAccount tokens (public or
	// private keys, PEM); ServiceAccountSigningKeyFile signs them;
	// ServiceAccountIssuer and APIAudiences are what they say (tokens.go).
	ServiceAccountKeyFiles       []string
	ServiceAccountSigningKeyFile string
	ServiceAccountIssuer         string
	APIAudiences                 []string

	// Tolerations are the tolerationSeconds new pods get for the
	// not-ready and unreachable taints (tolerations_admission.go).
	Tolerations TolerationDefaults
	// Profiling serves /debug/pprof/ to the users RBAC allows (profiling.go).
	Profiling bool
}

// etcd is where the Store lives: an embedded etcd, or a cluster of its own.
type etcd interface {
	Store(prefix string) *store.Store
	Close()
}

// RunOptions starts etcd (or connects to it), bootstraps the cluster's
// namespaces, keeps etcd compacted and the kubernetes Service up to date,
// and serves the API, and its read-only view for pods, until ctx ends (the
// caller cancels it on SIGINT or SIGTERM) or the embedded etcd stops.
func RunOptions(ctx context.Context, o Options) error {
	log, err := component.NewLogger("apiserver", o.LogLevel)
	if err != nil {
		return err
	}
	defer log.Sync()
	port, err := listenPort(o.Listen)
	if err != nil {
		return err
	}
	advertise, why, err := chooseAdvertiseAddress(o.AdvertiseAddress, o.Listen, component.DefaultRouteIPv4)
	if err != nil {
		return err
	}
	log.Info("chose the advertise address", zap.String("address", advertise), zap.String("why", why))
	if n, err := raiseFileLimit(); err != nil {
		log.Warn("could not raise the limit on open files", zap.Uint64("limit", n), zap.Error(err))
	} else {
		log.Info("open files limit", zap.Uint64("limit", n))
	}

	enc, err := loadEncryption(o.EncryptionProviderConfig, log)
	if err != nil {
		return err
	}
	tlsConfig, err := ServingTLS(o.TLSCertFile, o.TLSPrivateKeyFile, o.ClientCAFile)
	if err != nil {
		return err
	}
	authn, err := authenticatorFor(o.TokenAuthFile)
	if err != nil {
		return err
	}
	kubeletTLS, err := KubeletClientTLS(o.KubeletClientCertificate, o.KubeletClientKey, o.KubeletCertificateAuthority)
	if err != nil {
		return err
	}
	clusterCA, err := os.ReadFile(o.ClientCAFile) // ServingTLS read it already
	if err != nil {
		return err
	}
	serviceAccounts, err := LoadServiceAccounts(o.ServiceAccountSigningKeyFile, o.ServiceAccountKeyFiles, o.ServiceAccountIssuer, o.APIAudiences)
	if err != nil {
		return err
	}

	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	db, err := openEtcd(o, log, stop)
	if err != nil {
		return err
	}
	defer db.Close()
	st := db.Store("/registry")
	srv, err := New(Config{Store: st, Logger: log, ServiceCIDR: o.ServiceCIDR, ClusterCIDR: o.ClusterCIDR,
		NodeCIDRSize: o.NodeCIDRSize, NodePortRange: o.NodePortRange, AdvertiseAddress: advertise, AdvertisePort: port,
		Limits: o.Limits, Encryption: enc, TLS: tlsConfig, Authenticator: authn, KubeletTLS: kubeletTLS,
		ServiceAccounts: serviceAccounts, ClusterCA: clusterCA, Tolerations: o.Tolerations, Profiling: o.Profiling})
	if err != nil {
		return err
	}
	bctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = srv.Bootstrap(bctx)
	cancel()
	if err != nil {
		return err
	}
	interval := o.CompactionInterval
	if interval == 0 {
		interval = 5 * time.Minute
	}
	// The background loops stop, and their last call to etcd ends, before
	// etcd closes (deferred above): the in-process client of the embedded
	// etcd does not survive a call into a closed server.
	bctx, stopBackground := context.WithCancel(ctx)
	var background sync.WaitGroup
	background.Go(func() { st.RunCompactor(bctx, interval, log.Named("compactor")) })
	background.Go(func() { srv.RunKubernetesService(bctx) })
	background.Go(func() { srv.RunAuthorizerCaches(bctx) })
	err = srv.Run(ctx, o.Listen)
	stopBackground()
	background.Wait()
	if cause := context.Cause(ctx); err == nil && !errors.Is(cause, context.Canceled) {
		err = cause // the embedded etcd stopped
	}
	return err
}

// openEtcd connects to the etcd cluster of --etcd-servers, or starts an
// embedded etcd in the data directory; stop is called if that one stops.
func openEtcd(o Options, log *zap.Logger, stop context.CancelCauseFunc) (etcd, error) {
	if len(o.EtcdServers) > 0 {
		tlsConfig, err := store.ClientTLS(o.EtcdCAFile, o.EtcdCertFile, o.EtcdKeyFile)
		if err != nil {
			return nil, err
		}
		cluster, err := store.Connect(o.EtcdServers, tlsConfig, 5*time.Second)
		if err != nil {
			return nil, err
		}
		log.Info("using etcd", zap.Strings("endpoints", o.EtcdServers), zap.Bool("tls", tlsConfig != nil))
		return cluster, nil
	}
	if o.EtcdCAFile != "" || o.EtcdCertFile != "" || o.EtcdKeyFile != "" {
		return nil, errors.New("--etcd-cafile, --etcd-certfile and --etcd-keyfile need --etcd-servers: the embedded etcd is reached in-process")
	}
	embedded, err := store.StartEmbedded(store.EmbeddedConfig{DataDir: o.DataDir, Logger: log.Named("etcd"),
		QuotaBackendBytes: o.QuotaBackendBytes})
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd in %s: %w", o.DataDir, err)
	}
	go func() {
		<-embedded.Done()
		stop(fmt.Errorf("the embedded etcd in %s stopped; its log lines above say why", o.DataDir))
	}()
	log.Info("started embedded etcd", zap.String("dataDir", o.DataDir), zap.Strings("endpoints", embedded.Endpoints()))
	return embedded, nil
}
