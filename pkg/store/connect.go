package store

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// An etcd cluster of its own is reached over the network, where anyone who
// can connect could read every Secret or write objects past the
// apiserver's validation. So, as kube-apiserver does with --etcd-cafile,
// --etcd-certfile and --etcd-keyfile, the apiserver checks the members'
// certificates against a CA and shows its own client certificate, which
// etcd started with --client-cert-auth requires.

// Cluster is a connection to an etcd cluster that runs on its own
// (--etcd-servers): the lab and production setting.
type Cluster struct {
	cli *clientv3.Client
}

// Connect connects to an existing etcd cluster, over TLS when tlsConfig is
// not nil (see ClientTLS); then every endpoint must be https://. It checks
// that the cluster answers a read within dialTimeout, so that a wrong
// address or certificate fails at startup with a clear error instead of
// later.
func Connect(endpoints []string, tlsConfig *tls.Config, dialTimeout time.Duration) (*Cluster, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("store: no etcd endpoints given")
	}
	if tlsConfig != nil {
		for _, ep := range endpoints {
			if !strings.HasPrefix(ep, "https://") {
				return nil, fmt.Errorf("store: etcd endpoint %s is not https://, but TLS files were given", ep)
			}
		}
	}
	if dialTimeout <= 0 {
		dialTimeout = 5 * time.Second
	}
	where := strings.Join(endpoints, ",")
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		TLS:         tlsConfig,
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
		if tlsConfig != nil {
			// gRPC only says that time ran out; the handshake says why.
			err = errors.Join(err, handshake(endpoints[0], tlsConfig, dialTimeout))
		}
		return nil, fmt.Errorf("store: cannot reach etcd at %s within %s: %w", where, dialTimeout, err)
	}
	return &Cluster{cli: cli}, nil
}

// Store returns a Store over the cluster that keeps its keys under prefix.
// Close closes it too.
func (c *Cluster) Store(prefix string) *Store { return New(c.cli, prefix) }

// Close closes the connection.
func (c *Cluster) Close() { c.cli.Close() }

// ClientTLS loads the TLS settings for an etcd cluster: the CA that signed
// the members' serving certificates (caFile; empty: the system's CAs), and
// the client certificate and key the members require (certFile and
// keyFile, both or neither). All three empty: nil, plain connections.
func ClientTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	if caFile == "" && certFile == "" && keyFile == "" {
		return nil, nil
	}
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("store: an etcd client certificate needs its key, and a key its certificate: give both files")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("store: read the etcd CA file: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("store: the etcd CA file %s holds no PEM certificate", caFile)
		}
	}
	if certFile != "" {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("store: load the etcd client certificate %s with key %s: %w", certFile, keyFile, err)
		}
		if leaf := pair.Leaf; leaf != nil && time.Now().After(leaf.NotAfter) {
			return nil, fmt.Errorf("store: the etcd client certificate %s expired on %s", certFile, leaf.NotAfter.Format(time.RFC3339))
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// handshake dials endpoint and completes a TLS handshake, and returns why
// it failed: an untrusted server certificate, or (read back from the
// server's alert) a client certificate it refused. Nil when it succeeds.
func handshake(endpoint string, cfg *tls.Config, timeout time.Duration) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return err
	}
	cfg = cfg.Clone()
	cfg.NextProtos = []string{"h2"} // gRPC's, which etcd's server expects
	d := &net.Dialer{Timeout: timeout}
	conn, err := tls.DialWithDialer(d, "tcp", u.Host, cfg)
	if err != nil {
		return fmt.Errorf("TLS handshake with %s: %w", u.Host, err)
	}
	defer conn.Close()
	// With TLS 1.3 the server checks the client's certificate after the
	// client has finished; a refusal arrives as an alert on the first read.
	conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	var b [1]byte
	if _, err := conn.Read(b[:]); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("TLS handshake with %s: %w", u.Host, err)
	}
	return nil
}
