package kubelet

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// prober runs the three kinds of probe against real containers. The
// kubelet runs in the node's network namespace, where the bridge makes
// every pod IP of the node reachable; exec goes through the runtime.
type prober struct {
	exec runtime.LogsExecer // nil: exec probes fail, saying why
	http *http.Client
}

func newProber(exec runtime.LogsExecer) *prober {
	t := &http.Transport{
		DisableKeepAlives: true,                                  // a probe is one request; no idle connections per pod
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // as Kubernetes: HTTPS probes do not verify
	}
	return &prober{exec: exec, http: &http.Client{
		Transport: t,
		// A redirect is an answer: 3xx counts as success, as it does in
		// Kubernetes, which also follows redirects to the same host.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// check implements checkFunc. ctx carries the probe's timeoutSeconds.
func (p *prober) check(ctx context.Context, t probeTarget, probe *api.Probe) (bool, string) {
	switch h := probe.ProbeHandler; {
	case h.HTTPGet != nil:
		return p.httpGet(ctx, t, h.HTTPGet)
	case h.TCPSocket != nil:
		return p.tcpSocket(ctx, t, h.TCPSocket)
	case h.Exec != nil:
		return p.execute(ctx, t, h.Exec)
	}
	return false, "the probe has no httpGet, tcpSocket or exec"
}

// httpGet succeeds on an answer from 200 to 399.
func (p *prober) httpGet(ctx context.Context, t probeTarget, h *api.HTTPGetAction) (bool, string) {
	port, err := resolvePort(h.Port, t.container)
	if err != nil {
		return false, err.Error()
	}
	host := h.Host
	if host == "" {
		host = t.podIP
	}
	scheme := strings.ToLower(h.Scheme)
	if scheme == "" {
		scheme = "http"
	}
	path := h.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	u := &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(port))}
	u, err = u.Parse(path) // keeps a query in path
	if err != nil {
		return false, err.Error()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false, err.Error()
	}
	req.Header.Set("User-Agent", "kube-probe/"+strings.TrimPrefix(KubeletVersion, "v"))
	for _, hd := range h.HTTPHeaders {
		if strings.EqualFold(hd.Name, "Host") {
			req.Host = hd.Value
		} else {
			req.Header.Add(hd.Name, hd.Value)
		}
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 10<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 400 {
		return true, ""
	}
	return false, fmt.Sprintf("HTTP probe failed with statuscode: %d", resp.StatusCode)
}

// tcpSocket succeeds when a connection opens.
func (p *prober) tcpSocket(ctx context.Context, t probeTarget, h *api.TCPSocketAction) (bool, string) {
	port, err := resolvePort(h.Port, t.container)
	if err != nil {
		return false, err.Error()
	}
	host := h.Host
	if host == "" {
		host = t.podIP
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return false, err.Error()
	}
	conn.Close()
	return true, ""
}

// execute succeeds when the command exits 0; a failure shows its output.
func (p *prober) execute(ctx context.Context, t probeTarget, h *api.ExecAction) (bool, string) {
	if p.exec == nil {
		return false, "this runtime cannot run commands in containers"
	}
	var out bytes.Buffer
	w := &limitedBuffer{b: &out, max: 10 << 10}
	code, err := p.exec.Exec(ctx, t.containerID, h.Command, nil, w, w)
	switch {
	case ctx.Err() != nil:
		return false, fmt.Sprintf("command %q timed out", h.Command)
	case err != nil:
		return false, err.Error()
	case code != 0:
		if msg := strings.TrimSpace(out.String()); msg != "" {
			return false, msg
		}
		return false, fmt.Sprintf("command %q exited with %d", h.Command, code)
	}
	return true, ""
}

// resolvePort turns a probe's port, a number or the name of one of the
// container's ports, into a number.
func resolvePort(port api.IntOrString, c *api.Container) (int, error) {
	if !port.IsString {
		if port.IntVal <= 0 || port.IntVal > 65535 {
			return 0, fmt.Errorf("invalid port number: %d", port.IntVal)
		}
		return int(port.IntVal), nil
	}
	for _, p := range c.Ports {
		if p.Name == port.StrVal {
			return int(p.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(port.StrVal); err == nil && n > 0 && n <= 65535 {
		return n, nil
	}
	return 0, fmt.Errorf("port %q not found in the ports of container %s", port.StrVal, c.Name)
}

// limitedBuffer keeps the first max bytes written and drops the rest, so
// a chatty probe command cannot grow the kubelet.
type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
