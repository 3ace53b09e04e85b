package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"kubelab/pkg/api"
	"kubelab/pkg/kubeconfig"
)

// Config says where the apiserver is and how politely to talk to it.
type Config struct {
	Server    string  // base URL, e.g. "http://127.0.0.1:6443"
	QPS       float64 // sustained requests per second; <= 0 means 50
	Burst     int     // requests allowed at once above QPS; <= 0 means 100
	UserAgent string  // default "kubelab"

	// Timeout bounds each request, including the wait for the rate limiter.
	// Watches and streams are exempt: they are meant to stay open. 0 means
	// no limit.
	Timeout time.Duration

	// WarningHandler receives the text of every Warning header the server
	// sends (for example an unknown field in a manifest). nil drops them.
	WarningHandler func(string)

	// TLS is how an https server is checked and which client certificate
	// is presented to it. nil uses the system's roots and no certificate.
	TLS *tls.Config
	// BearerToken is sent as `Authorization: Bearer` on every request.
	// BearerTokenFile is read instead when set, and read again a minute
	// later, since a ServiceAccount's token is rotated in its file.
	BearerToken     string
	BearerTokenFile string

	// HTTPClient replaces the default client; TLS is then ignored. Give
	// it no overall Timeout, or it will cut watches short.
	HTTPClient *http.Client
}

// FromKubeconfig reads the client settings of a kubeconfig's context
// ("" for its current one): the server, its CA, and the user's client
// certificate or token.
func FromKubeconfig(path, context string) (Config, error) {
	kc, err := kubeconfig.Load(path)
	if err != nil {
		return Config{}, err
	}
	r, err := kc.Resolve(context)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return Config{Server: r.Server, TLS: r.TLS, BearerToken: r.Token, BearerTokenFile: r.TokenFile}, nil
}

// Client talks to one apiserver. It is safe for concurrent use; every
// component makes one and shares it.
type Client struct {
	server    string
	http      *http.Client
	limiter   *rate.Limiter // nil when unlimited
	token     *tokenSource  // nil without a bearer token
	userAgent string
	timeout   time.Duration
	warn      func(string)
}

// New checks cfg and returns a client. Server must be an http or https URL.
// QPS <= 0 together with Burst < 0 turns rate limiting off.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.Server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("server %q is not an http(s) URL such as http://127.0.0.1:6443", cfg.Server)
	}
	c := &Client{
		server:    strings.TrimRight(cfg.Server, "/"),
		http:      cfg.HTTPClient,
		limiter:   newLimiter(cfg.QPS, cfg.Burst),
		userAgent: cfg.UserAgent,
		timeout:   cfg.Timeout,
		warn:      cfg.WarningHandler,
		token:     newTokenSource(cfg.BearerToken, cfg.BearerTokenFile),
	}
	if c.http == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 32 // the default of 2 makes busy components reconnect all the time
		if cfg.TLS != nil {
			t.TLSClientConfig = cfg.TLS.Clone()
		}
		c.http = &http.Client{Transport: t}
	}
	if c.userAgent == "" {
		c.userAgent = "kubelab"
	}
	return c, nil
}

// newLimiter is a token bucket: Burst requests may go at once, then QPS per
// second. It keeps a busy controller from flooding the apiserver.
func newLimiter(qps float64, burst int) *rate.Limiter {
	if qps <= 0 && burst < 0 {
		return nil
	}
	if qps <= 0 {
		qps = 50
	}
	if burst <= 0 {
		burst = 100
	}
	return rate.NewLimiter(rate.Limit(qps), burst)
}

// Server returns the base URL the client talks to.
func (c *Client) Server() string { return c.server }

// Resource returns a client for resource r. It lists and watches across
// all namespaces until Namespace narrows it.
func (c *Client) Resource(r api.Resource) *ResourceClient {
	return &ResourceClient{c: c, res: r}
}

// For returns a client for obj's resource in obj's namespace. If obj's type
// is not a registered kind, every call on the returned client fails.
func (c *Client) For(obj api.Object) *ResourceClient {
	r, ok := api.ResourceOf(obj)
	if !ok {
		return &ResourceClient{c: c, err: fmt.Errorf("%T is not a registered API kind", obj)}
	}
	return c.Resource(r).Namespace(obj.GetObjectMeta().Namespace)
}

// Do sends one request and returns the response body. path may carry a
// query. An answer other than 2xx comes back as an *api.Status error.
func (c *Client) Do(ctx context.Context, method, path string, body []byte, contentType string) ([]byte, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, c.timeout, fmt.Errorf("no answer within %s", c.timeout))
		defer cancel()
	}
	resp, err := c.send(ctx, method, path, body, contentType)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	return b, nil
}

// Stream sends a GET and hands back the open body, for answers that go on
// for as long as the caller wants (kctl logs -f). The caller closes it.
func (c *Client) Stream(ctx context.Context, path string) (io.ReadCloser, error) {
	resp, err := c.send(ctx, http.MethodGet, path, nil, "")
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// send makes one HTTP request and returns the response if it is a 2xx.
// Every other answer becomes an *api.Status; a failure to connect becomes
// one line saying the server could not be reached.
func (c *Client) send(ctx context.Context, method, path string, body []byte, contentType string) (*http.Response, error) {
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, fmt.Errorf("%s %s: waiting for the client rate limiter: %w", method, path, err)
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	path = dryRunPath(ctx, method, path) // dryrun.go
	req, err := http.NewRequestWithContext(ctx, method, c.server+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", acceptOf(ctx))
	if err := c.authorize(req); err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		if contentType == "" {
			contentType = "application/json"
		}
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, context.Cause(ctx))
		}
		return nil, fmt.Errorf("the server could not be reached at %s: %w", c.server, unwrapURL(err))
	}
	if c.warn != nil {
		for _, h := range resp.Header.Values("Warning") {
			c.warn(warningText(h))
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return nil, statusError(resp.StatusCode, b)
	}
	return resp, nil
}

// warningText takes the text out of a warning header, which reads
// `299 - "text"` with `"` and `\` escaped by a backslash. Anything else is
// passed on whole.
func warningText(h string) string {
	_, rest, ok := strings.Cut(h, " ") // the code, 299
	if ok {
		_, rest, ok = strings.Cut(rest, " ") // the agent, "-"
	}
	if !ok || !strings.HasPrefix(rest, `"`) {
		return h
	}
	var b strings.Builder
	for i := 1; i < len(rest); i++ {
		switch rest[i] {
		case '\\':
			if i+1 < len(rest) {
				i++
				b.WriteByte(rest[i])
			}
		case '"':
			return b.String()
		default:
			b.WriteByte(rest[i])
		}
	}
	return h // no closing quote
}

// unwrapURL drops the `Get "http://…":` prefix of a transport error: the
// address is said anyway.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
