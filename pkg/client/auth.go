package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
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
