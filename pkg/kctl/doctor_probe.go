package kctl

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"

	"kubelab/pkg/nodecheck"
)

// Asking kubelab's listeners, anonymously, whether they want credentials:
// each socket on a kubelab port gets its nodecheck.Probe, a GET of
// something only a caller with credentials may have, and the answer's
// status is judged by nodecheck.AccessOf. The request goes to loopback
// only, never to the network: a socket on 0.0.0.0 or [::] answers there
// as it answers everyone. It carries no client certificate and no token,
// skips checking the server's certificate (the question is whether it
// asks who we are, not who it is), and follows no redirect.

// probeTimeout bounds each request: a kubelab program on loopback answers
// at once.
const probeTimeout = 2 * time.Second

// probeListeners probes, in parallel, the sockets on the ports of table
// that probeTarget lets it reach. A socket it does not probe is missing
// from the result, which nodecheck.Listeners reads as AccessUnknown.
func probeListeners(ctx context.Context, sockets []netip.AddrPort, table []nodecheck.KubelabPort) map[netip.AddrPort]nodecheck.Access {
	out := map[netip.AddrPort]nodecheck.Access{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, s := range sockets {
		target, ok := probeTarget(s)
		i := slices.IndexFunc(table, func(p nodecheck.KubelabPort) bool { return p.Port == s.Port() })
		if !ok || i < 0 || len(table[i].Probe.Schemes) == 0 {
			continue
		}
		wg.Go(func() {
			a := probe(ctx, target, table[i].Probe)
			mu.Lock()
			defer mu.Unlock()
			out[s] = a
		})
	}
	wg.Wait()
	return out
}

// probeTarget is where to ask a listening socket: a loopback socket at
// its own address, an unspecified one (0.0.0.0, or [::], which Go's
// ":6443" makes dual-stack) at 127.0.0.1. A socket bound to a specific
// other address is not asked: that address may be a real network's, and
// doctor sends nothing beyond this machine.
func probeTarget(s netip.AddrPort) (netip.AddrPort, bool) {
	ip := s.Addr().Unmap()
	switch {
	case ip.IsLoopback():
		return netip.AddrPortFrom(ip, s.Port()), true
	case ip.IsUnspecified():
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), s.Port()), true
	}
	return netip.AddrPort{}, false
}

// probe sends p's GET to target, trying its schemes in order until one
// gets an HTTP answer, and judges that answer. target must be loopback.
func probe(ctx context.Context, target netip.AddrPort, p nodecheck.Probe) nodecheck.Access {
	if !target.Addr().IsLoopback() {
		return nodecheck.AccessUnknown
	}
	c := &http.Client{
		Timeout: probeTimeout,
		Transport: &http.Transport{
			Proxy:             nil,                                   // never through $HTTPS_PROXY
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // no certificate of ours: anonymous
			DisableKeepAlives: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer c.CloseIdleConnections()
	for _, scheme := range p.Schemes {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+target.String()+p.Path, nil)
		if err != nil {
			return nodecheck.AccessUnknown
		}
		resp, err := c.Do(req)
		if err != nil {
			continue // not this scheme: a plain-HTTP kubelet fails the TLS handshake
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return nodecheck.AccessOf(resp.StatusCode)
	}
	return nodecheck.AccessUnknown
}
