package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3client"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// The embedded etcd is reachable by this process alone. The apiserver
// talks to it in-process, through function calls instead of a socket
// (etcd's v3client), so no other program on the host can read Secrets in it
// or write objects past the apiserver's validation. etcd would run with no
// client listener at all; it keeps one, a unix socket inside its data
// directory, which is kept at 0700, so that the member has a client URL
// (maintenance.go addresses members by it) and so that the user running
// the apiserver, and only that user, can look inside with
// `etcdctl --endpoints unix://<data-dir>/etcd.sock`. A single member needs
// no peer listener: it advertises a peer URL on a unix socket nobody
// serves, because the cluster's membership needs one.

// startTimeout bounds how long StartEmbedded waits for etcd to serve.
const startTimeout = 30 * time.Second

// socketName is the client socket's file name inside the data directory.
const socketName = "etcd.sock"

// maxSocketPath is the longest path a unix socket can have on Linux
// (sun_path is 108 bytes, with the terminating NUL).
const maxSocketPath = 107

// EmbeddedConfig configures a single-member etcd run inside the process.
type EmbeddedConfig struct {
	// DataDir holds etcd's write-ahead log and database, and its client
	// socket; StartEmbedded makes it 0700. Reuse it to keep the data across
	// restarts. Required.
	DataDir string
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

// Embedded is a running embedded etcd with an in-process client.
type Embedded struct {
	etcd      *embed.Etcd
	cli       *clientv3.Client
	endpoints []string
	closeOnce sync.Once
}

// StartEmbedded starts a single-member etcd and returns once it serves
// requests. etcd's auto-compaction is off: the apiserver compacts with
// RunCompactor.
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
	clientURL, peerURL, err := privateURLs(cfg.DataDir)
	if err != nil {
		return nil, err
	}

	ec := embed.NewConfig()
	ec.Name = "kubelab"
	ec.Dir = cfg.DataDir
	ec.ListenClientUrls = []url.URL{*clientURL}
	ec.AdvertiseClientUrls = []url.URL{*clientURL}
	ec.ListenPeerUrls = nil // one member: no peer ever dials it
	ec.AdvertisePeerUrls = []url.URL{*peerURL}
	ec.ListenMetricsUrls = nil
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
	// Calls go straight to the server's gRPC handlers, quota and
	// maintenance included: Status and Defragment reach this member
	// whatever endpoint they name.
	cli := v3client.New(e.Server)
	cli.Maintenance = defragmenter{cli.Maintenance, e.Server}
	return &Embedded{etcd: e, cli: cli, endpoints: []string{clientURL.String()}}, nil
}

// Store returns a Store over the embedded etcd that keeps its keys under
// prefix. Close closes it too.
func (e *Embedded) Store(prefix string) *Store { return New(e.cli, prefix) }

// Client returns the in-process client of the embedded etcd, for tests and
// benchmarks that talk to etcd directly. Close closes it.
func (e *Embedded) Client() *clientv3.Client { return e.cli }

// Done is closed when etcd has stopped, after Close or because it failed.
func (e *Embedded) Done() <-chan struct{} { return e.etcd.Server.StopNotify() }

// Endpoints returns the client URL of the embedded etcd: its unix socket,
// for etcdctl run by the same user.
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

// defragmenter defragments the embedded member by a direct call: the
// in-process client's Defragment goes through a gRPC handler that, without
// the gRPC server around it, dereferences a nil health notifier (etcd
// v3.7's v3client.New).
type defragmenter struct {
	clientv3.Maintenance
	srv *etcdserver.EtcdServer
}

// Defragment rewrites the member's database file without its free pages;
// endpoint is ignored, there is one member.
func (d defragmenter) Defragment(ctx context.Context, endpoint string) (*clientv3.DefragmentResponse, error) {
	if err := d.srv.Defragment(); err != nil {
		return nil, err
	}
	return &clientv3.DefragmentResponse{}, nil
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

// privateURLs makes dir a directory only its owner can enter, and returns
// the unix socket inside it where etcd serves clients, and the peer URL the
// member advertises (nothing listens there).
func privateURLs(dir string) (client, peer *url.URL, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("store: embedded etcd data directory %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, nil, fmt.Errorf("store: create the embedded etcd's data directory: %w", err)
	}
	// MkdirAll leaves an existing directory as it is; the socket is only
	// as private as the directory it is in.
	if err := os.Chmod(abs, 0o700); err != nil {
		return nil, nil, fmt.Errorf("store: make the embedded etcd's data directory private: %w", err)
	}
	sock := filepath.Join(abs, socketName)
	if len(sock) > maxSocketPath {
		return nil, nil, fmt.Errorf("store: the embedded etcd's socket path %s is longer than %d bytes, the limit of a unix socket: choose a shorter data directory", sock, maxSocketPath)
	}
	return &url.URL{Scheme: "unix", Path: sock}, &url.URL{Scheme: "unix", Path: filepath.Join(abs, "peer.sock")}, nil
}
