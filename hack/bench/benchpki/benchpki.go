package benchpki

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"kubelab/pkg/apiserver"
	"kubelab/pkg/auth"
	"kubelab/pkg/client"
	"kubelab/pkg/kubeconfig"
	"kubelab/pkg/pki"
)

// initServer is the address pki.Init writes into the kubeconfigs; the
// benchmarks replace it with their apiserver's (ClientConfig's server).
const initServer = "https://127.0.0.1:6443"

// PKI is a cluster PKI in a temporary directory.
type PKI struct {
	Dir string
}

// New makes a CA, the apiserver's certificates (valid for 127.0.0.1, on
// any port) and a kubeconfig per component and for the admin.
func New() (*PKI, error) {
	dir, err := os.MkdirTemp("", "kubelab-bench-pki-")
	if err != nil {
		return nil, err
	}
	if _, err := pki.Init(dir, pki.InitOptions{Server: initServer}); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("the benchmark's PKI: %w", err)
	}
	return &PKI{Dir: dir}, nil
}

// Close removes the directory.
func (p *PKI) Close() error { return os.RemoveAll(p.Dir) }

// File is the path of one of pki.Init's files: pki.AdminKubeconfig,
// pki.CACertFile, ...
func (p *PKI) File(name string) string { return filepath.Join(p.Dir, name) }

// APIServerFlags are bin/apiserver's certificate and key flags for this
// PKI (their defaults name .kubelab/pki).
func (p *PKI) APIServerFlags() []string {
	return []string{"--tls-cert-file", p.File(pki.APIServerCertFile), "--tls-private-key-file", p.File(pki.APIServerKeyFile),
		"--client-ca-file", p.File(pki.CACertFile),
		"--kubelet-client-certificate", p.File(pki.APIServerKubeletClientCertFile),
		"--kubelet-client-key", p.File(pki.APIServerKubeletClientKeyFile),
		"--kubelet-certificate-authority", p.File(pki.CACertFile),
		"--service-account-signing-key-file", p.File(pki.ServiceAccountKeyFile)}
}

// KubeletKubeconfig writes the kubeconfig of node's kubelet, user
// system:node:<node> in system:nodes, and returns its path.
func (p *PKI) KubeletKubeconfig(node string) (string, error) {
	path := p.File("kubelet-" + node + ".conf")
	err := pki.WriteUserKubeconfig(p.Dir, initServer, auth.NodeUserPrefix+node, []string{auth.GroupNodes}, path)
	return path, err
}

// ClientConfig is the client configuration of one of the PKI's
// kubeconfigs (pki.AdminKubeconfig, pki.SchedulerKubeconfig, ...) for the
// apiserver at server; the caller sets the rate limits and calls
// client.New, as a component does after client.Load.
func (p *PKI) ClientConfig(kubeconfigName, server string) (client.Config, error) {
	return client.Load(p.File(kubeconfigName), server)
}

// TLS is the TLS configuration of one of the PKI's kubeconfigs: the CA,
// and the user's client certificate; for raw HTTP clients.
func (p *PKI) TLS(kubeconfigName string) (*tls.Config, error) {
	kc, err := kubeconfig.Load(p.File(kubeconfigName))
	if err != nil {
		return nil, err
	}
	r, err := kc.Resolve("")
	if err != nil {
		return nil, err
	}
	return r.TLS, nil
}

// HTTPClient is a raw HTTP client as the user of a kubeconfig, keeping up
// to idle connections to the apiserver open for reuse.
func (p *PKI) HTTPClient(kubeconfigName string, idle int) (*http.Client, error) {
	tc, err := p.TLS(kubeconfigName)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig, tr.MaxIdleConnsPerHost = tc, idle
	return &http.Client{Transport: tr}, nil
}

// Server is an apiserver served by Serve.
type Server struct {
	*apiserver.Server
	URL  string        // https://127.0.0.1:<port>
	Done chan struct{} // closed once it has stopped, after ctx ends
}

// Serve builds an apiserver from cfg with this PKI's serving certificate
// and the client-certificate authenticator, bootstraps it, and serves it
// on a free loopback port, with the authorizers' caches, until ctx ends.
func (p *PKI) Serve(ctx context.Context, cfg apiserver.Config) (*Server, error) {
	tc, err := apiserver.ServingTLS(p.File(pki.APIServerCertFile), p.File(pki.APIServerKeyFile), p.File(pki.CACertFile))
	if err != nil {
		return nil, err
	}
	cfg.TLS, cfg.Authenticator = tc, auth.X509Authenticator{}
	srv, err := apiserver.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := srv.Bootstrap(ctx); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Server: srv, URL: "https://" + ln.Addr().String(), Done: make(chan struct{})}
	caches := make(chan struct{})
	go func() { srv.RunAuthorizerCaches(ctx); close(caches) }()
	go func() { srv.Serve(ctx, ln); <-caches; close(s.Done) }()
	return s, nil
}
