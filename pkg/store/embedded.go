package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// startTimeout bounds how long StartEmbedded waits for etcd to serve.
const startTimeout = 30 * time.Second

// EmbeddedConfig configures a single-member etcd run inside the process.
type EmbeddedConfig struct {
	// DataDir holds etcd's write-ahead log and database; reuse it to keep
	// the data across restarts. Required.
	DataDir string
	// ClientURL is where clients connect, e.g. "http://127.0.0.1:2379".
	// Empty: a free port on 127.0.0.1.
	ClientURL string
	// PeerURL is where other members would connect. Empty: a free port on
	// 127.0.0.1.
	PeerURL string
	// Logger receives etcd's warnings and errors. Nil: etcd logs them to
	// stderr itself.
	Logger *zap.Logger
	// QuotaBackendBytes caps the database size; 0 keeps etcd's default.
	QuotaBackendBytes int64
}

// Embedded is a running embedded etcd with a client connected to it.
type Embedded struct {
	etcd      *embed.Etcd
	cli       *clientv3.Client
	endpoints []string
	closeOnce sync.Once
}

// StartEmbedded starts a single-member etcd and returns once it serves
// requests. etcd's auto-compaction is off: the apiserver compacts with
// StartCompactor.
func StartEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("store: embedded etcd needs a data directory")
	}
	clientURL, err := urlOrFreePort(cfg.ClientURL)
	if err != nil {
		return nil, fmt.Errorf("store: embedded etcd client URL: %w", err)
	}
	peerURL, err := urlOrFreePort(cfg.PeerURL)
	if err != nil {
		return nil, fmt.Errorf("store: embedded etcd peer URL: %w", err)
	}

	ec := embed.NewConfig()
	ec.Name = "kubelab"
	ec.Dir = cfg.DataDir
	ec.ListenClientUrls = []url.URL{*clientURL}
	ec.AdvertiseClientUrls = []url.URL{*clientURL}
	ec.ListenPeerUrls = []url.URL{*peerURL}
	ec.AdvertisePeerUrls = []url.URL{*peerURL}
	ec.InitialCluster = ec.InitialClusterFromName(ec.Name)
	ec.AutoCompactionMode = embed.CompactorModePeriodic
	ec.AutoCompactionRetention = "0" // off
	ec.QuotaBackendBytes = cfg.QuotaBackendBytes
	ec.LogLevel = "warn"
	if cfg.Logger != nil {
		ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(quiet(cfg.Logger, "etcd"))
	}

	e, err := embed.StartEtcd(ec)
	if err != nil {
		return nil, fmt.Errorf("store: start embedded etcd in %s: %w", cfg.DataDir, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("store: embedded etcd in %s failed while starting: %w", cfg.DataDir, err)
	case <-time.After(startTimeout):
		e.Close()
		return nil, fmt.Errorf("store: embedded etcd in %s not ready after %s", cfg.DataDir, startTimeout)
	}

	endpoints := []string{clientURL.String()}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: 5 * time.Second,
		// The client logs every failed call it may retry at warn, including
		// the expected "future revision" of a watch that starts at the
		// newest revision; its errors are returned anyway.
		Logger: quietAt(cfg.Logger, "etcd-client", zap.ErrorLevel),
	})
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("store: connect to embedded etcd at %s: %w", endpoints[0], err)
	}
	return &Embedded{etcd: e, cli: cli, endpoints: endpoints}, nil
}

// Client returns a client connected to the embedded etcd. Close closes it.
func (e *Embedded) Client() *clientv3.Client { return e.cli }

// Endpoints returns the client URLs of the embedded etcd, for other
// processes (e.g. etcdctl) that want to reach it.
func (e *Embedded) Endpoints() []string { return e.endpoints }

// Close closes the client, then stops etcd and waits until it has stopped.
// Every acknowledged write is on disk in the data directory. Closing twice
// is harmless.
func (e *Embedded) Close() {
	e.closeOnce.Do(func() {
		e.cli.Close()
		e.etcd.Close()
	})
}

// Connect returns a client for an existing etcd cluster (--etcd-servers).
// It checks that the cluster answers a read within dialTimeout, so that a
// wrong address fails at startup with a clear error instead of later.
func Connect(endpoints []string, dialTimeout time.Duration) (*clientv3.Client, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("store: no etcd endpoints given")
	}
	if dialTimeout <= 0 {
		dialTimeout = 5 * time.Second
	}
	where := strings.Join(endpoints, ",")
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: dialTimeout,
		Logger:      zap.NewNop(), // failures are returned, not logged
	})
	if err != nil {
		return nil, fmt.Errorf("store: connect to etcd at %s: %w", where, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	// A linearizable read needs a quorum, so it proves the cluster works,
	// not just that a port is open.
	if _, err := cli.Get(ctx, "/", clientv3.WithCountOnly()); err != nil {
		cli.Close()
		return nil, fmt.Errorf("store: cannot reach etcd at %s within %s: %w", where, dialTimeout, err)
	}
	return cli, nil
}

// quiet returns a named child of log that drops messages below warn; a nil
// log gives a logger that drops everything.
func quiet(log *zap.Logger, name string) *zap.Logger { return quietAt(log, name, zap.WarnLevel) }

// quietAt is quiet with another threshold.
func quietAt(log *zap.Logger, name string, level zapcore.Level) *zap.Logger {
	if log == nil {
		return zap.NewNop()
	}
	return log.Named(name).WithOptions(zap.IncreaseLevel(level))
}

// urlOrFreePort parses raw, or when it is empty picks a free port on
// 127.0.0.1.
func urlOrFreePort(raw string) (*url.URL, error) {
	if raw == "" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		raw = "http://" + l.Addr().String()
		l.Close()
	}
	return url.Parse(raw)
}
