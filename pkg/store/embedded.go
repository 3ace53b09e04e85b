package store

import (
	"errors"
	"fmt"
	"net"
	"net/url"
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
	// QuotaBackendBytes caps the database size (etcd's
	// --quota-backend-bytes); 0 keeps etcd's default, 2 GiB. At the cap,
	// etcd refuses writes until space is freed (see maintenance.go).
	QuotaBackendBytes int64
	// MinFreeBytes is the free disk space StartEmbedded requires before it
	// lets etcd open its files (see diskspace.go); 0 means two write-ahead
	// log segments, 128 MB; negative skips the check.
	MinFreeBytes int64
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
//
// If the disk fills up while etcd runs, etcd stops the process, as it
// does on any write it cannot make; with a Logger, the last line then says
// that the disk is full and what to do (diskspace.go).
func StartEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("store: embedded etcd needs a data directory")
	}
	if err := checkFreeSpace(cfg.DataDir, cfg.MinFreeBytes); err != nil {
		return nil, err
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
		ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(quiet(cfg.Logger, "etcd").WithOptions(
			zap.WithFatalHook(diskFullExit{log: cfg.Logger, dir: cfg.DataDir, then: zapcore.WriteThenFatal}),
			zap.WithPanicHook(diskFullExit{log: cfg.Logger, dir: cfg.DataDir, then: zapcore.WriteThenPanic})))
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

// Store returns a Store over the embedded etcd that keeps its keys under
// prefix. Close closes it too.
func (e *Embedded) Store(prefix string) *Store { return New(e.cli, prefix) }

// Client returns a client connected to the embedded etcd, for tests and
// benchmarks that talk to etcd directly. Close closes it.
func (e *Embedded) Client() *clientv3.Client { return e.cli }

// Done is closed when etcd has stopped, after Close or because it failed.
func (e *Embedded) Done() <-chan struct{} { return e.etcd.Server.StopNotify() }

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
