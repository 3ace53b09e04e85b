package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"kubelab/pkg/kubeconfig"
)

// tokenSource hands out the bearer token, from the configuration or from
// a file it reads again once a minute.
type tokenSource struct {
	static string
	file   string

	mu     sync.Mutex
	cached string
	read   time.Time
}

func newTokenSource(token, file string) *tokenSource {
	if token == "" && file == "" {
		return nil
	}
	return &tokenSource{static: token, file: file}
}

const tokenFileRefresh = time.Minute

func (s *tokenSource) token() (string, error) {
	if s.file == "" {
		return s.static, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached != "" && time.Since(s.read) < tokenFileRefresh {
		return s.cached, nil
	}
	b, err := os.ReadFile(s.file)
	if err != nil {
		if s.cached != "" {
			return s.cached, nil // keep the last one until the file is back
		}
		return "", fmt.Errorf("reading the token file: %w", err)
	}
	s.cached, s.read = strings.TrimSpace(string(b)), time.Now()
	return s.cached, nil
}

// authorize sets the User-Agent and the bearer token on a request.
func (c *Client) authorize(req *http.Request) error {
	req.Header.Set("User-Agent", c.userAgent)
	if c.token == nil {
		return nil
	}
	tok, err := c.token.token()
	if err != nil {
		return err
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return nil
}

// Raw sends one request with the client's credentials and returns the
// answer whatever its status, for callers that need more than a body:
// kctl exec reads the exit code from a trailer. The caller closes the
// body. The rate limiter and Timeout do not apply.
func (c *Client) Raw(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.server+path, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if err := c.authorize(req); err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, context.Cause(ctx))
		}
		return nil, fmt.Errorf("the server could not be reached at %s: %w", c.server, unwrapURL(err))
	}
	return resp, nil
}

// Load is the Config a component starts with, from its --kubeconfig and
// --server flags: the kubeconfig's current context (server, CA and
// credentials), with server, when given too, overriding its address; or,
// without a kubeconfig, server alone (an http:// server, or an https://
// one whose certificate the system trusts; no credentials).
func Load(kubeconfigPath, server string) (Config, error) {
	if kubeconfigPath == "" {
		if server == "" {
			return Config{}, errors.New("--kubeconfig is required (make up writes one per component under .kubelab/)")
		}
		return Config{Server: server}, nil
	}
	cfg, err := FromKubeconfig(kubeconfigPath, "")
	if err != nil {
		return Config{}, err
	}
	if server != "" {
		cfg.Server = server
	}
	return cfg, nil
}

// ServiceAccountDir is where the kubelet mounts a pod's ServiceAccount
// token, the cluster CA and the pod's namespace.
const ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// InCluster is the Config of a program running in a pod, as client-go's
// rest.InClusterConfig: the kubernetes Service's address from
// KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, the CA and the
// token in ServiceAccountDir. The token file is read again as the kubelet
// refreshes it.
func InCluster() (Config, error) {
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return Config{}, errors.New("not in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set")
	}
	tc, err := kubeconfig.TLSConfig(kubeconfig.TLSFiles{CA: ServiceAccountDir + "/ca.crt"})
	if err != nil {
		return Config{}, fmt.Errorf("in a pod: %w", err)
	}
	return Config{Server: "https://" + net.JoinHostPort(host, port), TLS: tc, BearerTokenFile: ServiceAccountDir + "/token"}, nil
}
