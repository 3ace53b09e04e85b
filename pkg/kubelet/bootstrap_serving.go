package kubelet

// A kubelet that joined with a bootstrap token (bootstrap.go) and was
// given no --tls-cert-file asks the cluster for its serving certificate
// too, as Kubernetes' does with serverTLSBootstrap: as system:node:<name>,
// from signer kubernetes.io/kubelet-serving, for its InternalIP and its
// name. It asks once its Node is registered, since the approver checks the
// request's addresses against the Node's.
//
// The HTTPS listener starts before that: it takes the certificate from
// here at each handshake (tls.Config.GetCertificate), so handshakes fail
// until the certificate arrives, and nothing restarts when it does. The
// key and certificate are kept in <RootDir>/pki/ and used again at the
// next start while they have more than a fifth of their life left.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/kubeconfig"
)

// servingCert is the kubelet's serving certificate, once it has one.
type servingCert struct {
	dir      string // <RootDir>/pki
	nodeName string
	now      func() time.Time
	retry    time.Duration // the first wait after a failed request; it doubles
	log      *zap.Logger

	current atomic.Pointer[tls.Certificate]
}

// newServingCert returns the serving certificate of node, with the one on
// disk in dir if it is still fresh.
func newServingCert(dir, nodeName string, log *zap.Logger) *servingCert {
	s := &servingCert{dir: dir, nodeName: nodeName, now: time.Now, retry: 5 * time.Second, log: log}
	s.load()
	return s
}

func (s *servingCert) files() (cert, key string) {
	return filepath.Join(s.dir, "kubelet-serving.crt"), filepath.Join(s.dir, "kubelet-serving.key")
}

// load serves with the certificate on disk if it is this node's and fresh.
func (s *servingCert) load() {
	certFile, keyFile := s.files()
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return
	case err != nil:
		s.log.Warn("the serving certificate on disk is unusable; asking for a new one", zap.Error(err))
	case pair.Leaf.Subject.CommonName != "system:node:"+s.nodeName || !fresh(pair.Leaf, s.now()):
		s.log.Info("the serving certificate on disk is another node's or near its end; asking for a new one",
			zap.String("cn", pair.Leaf.Subject.CommonName), zap.Time("notAfter", pair.Leaf.NotAfter))
	default:
		s.current.Store(&pair)
		s.log.Info("serving with the certificate signed before", zap.String("file", certFile), zap.Time("notAfter", pair.Leaf.NotAfter))
	}
}

// tlsConfig serves with whatever certificate there is at each handshake,
// and checks callers' certificates against clientCAs (the cluster CA).
func (s *servingCert) tlsConfig(clientCAs *x509.CertPool) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: s.getCertificate,
		ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: clientCAs}
}

// servingClientCAs is the CA of the callers' certificates: the
// --client-ca-file's, else the kubeconfig's, which discovery pinned.
func servingClientCAs(clientCAFile string, clusterCAs *x509.CertPool) (*x509.CertPool, error) {
	if clientCAFile == "" {
		if clusterCAs == nil {
			return nil, errors.New("--client-ca-file is required when the kubeconfig names no CA: the kubelet must know whose client certificates to accept")
		}
		return clusterCAs, nil
	}
	tc, err := kubeconfig.TLSConfig(kubeconfig.TLSFiles{CA: clientCAFile})
	if err != nil {
		return nil, fmt.Errorf("--client-ca-file: %w", err)
	}
	return tc.RootCAs, nil
}

func (s *servingCert) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if c := s.current.Load(); c != nil {
		return c, nil
	}
	return nil, errors.New("the kubelet has no serving certificate yet: its CertificateSigningRequest is not signed")
}

// run asks for a certificate unless there is one, again after a failure
// with a back-off, until it has one or ctx is done.
func (s *servingCert) run(ctx context.Context, r csrClient, nodeIP string) {
	delay := s.retry
	for s.current.Load() == nil {
		err := s.obtain(ctx, r, nodeIP)
		if err == nil || ctx.Err() != nil {
			return
		}
		s.log.Error("no serving certificate: pods' logs and exec fail until there is one; asking again",
			zap.Error(err), zap.Duration("after", delay))
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Minute)
	}
}

// obtain requests a certificate, keeps it and its key on disk, and serves
// with it.
func (s *servingCert) obtain(ctx context.Context, r csrClient, nodeIP string) error {
	ip := net.ParseIP(nodeIP)
	if ip == nil {
		return fmt.Errorf("the node's InternalIP %q is not an IP address", nodeIP)
	}
	tmpl := &x509.CertificateRequest{
		Subject:     pkix.Name{CommonName: "system:node:" + s.nodeName, Organization: []string{groupNodes}},
		DNSNames:    []string{s.nodeName},
		IPAddresses: []net.IP{ip},
	}
	certPEM, keyPEM, err := r.request(ctx, api.SignerKubeletServing, tmpl,
		[]string{api.UsageDigitalSignature, api.UsageKeyEncipherment, api.UsageServerAuth})
	if err != nil {
		return fmt.Errorf("request a serving certificate: %w", err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("the signed serving certificate: %w", err)
	}
	// Key first: a crash between the two writes leaves a pair that does
	// not match, which load refuses, and the next start asks again.
	certFile, keyFile := s.files()
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{keyFile, keyPEM}, {certFile, certPEM}} {
		if err := os.WriteFile(f.path, f.data, 0o600); err != nil {
			return err
		}
	}
	s.current.Store(&pair)
	s.log.Info("serving with the certificate the cluster signed", zap.String("file", certFile), zap.Time("notAfter", pair.Leaf.NotAfter))
	return nil
}
