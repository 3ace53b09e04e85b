package apiserver

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
)

// The apiserver forwards pods/{name}/log, exec, attach and portforward to the kubelet
// that runs the pod, at the address its Node object publishes. Whoever can
// write a Node chooses that address, so the proxy must not become a tool
// for reaching other machines in the caller's name:
//
//   - it forwards none of the caller's headers: a caller's Authorization,
//     Cookie or impersonation headers are meant for the apiserver, and the
//     kubelet (or whatever listens at the published address) must never
//     see them. Only the few headers of an HTTP exchange itself pass
//     (kubeletHeaders); the body does not: streams flow only once the
//     connection is upgraded;
//   - a failed dial answers one generic message, and the detail goes to
//     the log: "connection refused" against "timeout" would let a caller
//     map which ports of a host are open;
//   - it dials only a valid IP and a port in 1–65535, as Node validation
//     requires (a Node stored before that rule is refused here too);
//   - it speaks TLS only, presents the apiserver's kubelet client
//     certificate (--kubelet-client-certificate), and goes on only if the
//     other end shows a serving certificate the cluster CA signed for
//     system:node:<that node's name>. Whoever points a Node at another
//     address reaches nothing there that could answer as that node.

// kubeletHeaders are the request headers the proxy passes on. Connection,
// Upgrade and Te are there only as httputil.ReverseProxy sets them afresh
// (an upgrade, trailers), never the caller's own; the rest negotiate an
// upgraded stream, as Kubernetes' exec does over SPDY or WebSocket.
var kubeletHeaders = []string{
	"Accept", "Content-Type",
	"Connection", "Upgrade", "Te",
	"X-Stream-Protocol-Version",
	"Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions",
}

// serveNodeProxy forwards pods/{name}/log, exec, attach and portforward to
// https://{InternalIP}:{daemonEndpoints.kubeletEndpoint.Port}, at the
// kubelet's path for each (kubeletPath, streams.go). An upgrade (exec,
// attach and port-forward over WebSocket or SPDY) passes through: the
// proxy forwards the upgrade request and, once the kubelet answers 101,
// copies bytes both ways, as Kubernetes' UpgradeAwareHandler does.
func (s *Server) serveNodeProxy(w http.ResponseWriter, r *http.Request, info requestInfo) {
	ctx := r.Context()
	obj, _, st := s.load(ctx, info.resource, info.namespace, info.name)
	if st != nil {
		writeStatus(w, st)
		return
	}
	pod := obj.(*api.Pod)
	if pod.Spec.NodeName == "" {
		writeStatus(w, badRequest(fmt.Sprintf("pod %s is not scheduled to a node yet", info.name)))
		return
	}
	nobj, _, st := s.load(ctx, mustResource("nodes"), "", pod.Spec.NodeName)
	if st != nil {
		writeStatus(w, st)
		return
	}
	node := nobj.(*api.Node)
	target, ok := kubeletURL(node)
	if !ok {
		writeStatus(w, statusErr(http.StatusServiceUnavailable, "ServiceUnavailable",
			fmt.Sprintf("node %s does not publish a node agent address (InternalIP and kubelet port)", node.Name)))
		return
	}
	if s.kubeletTLS == nil {
		writeStatus(w, statusErr(http.StatusServiceUnavailable, "ServiceUnavailable",
			"the apiserver has no client certificate for kubelets (--kubelet-client-certificate)"))
		return
	}
	path, st := kubeletPath(pod, info, r.URL.Query().Get("container"))
	if st != nil {
		writeStatus(w, st)
		return
	}
	if st := s.authorizeStreamUpgrade(r, info); st != nil {
		writeStatus(w, st)
		return
	}
	proxy := &httputil.ReverseProxy{
		Transport: s.kubeletTransport(node.Name),
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = path
			pr.Out.URL.RawQuery = r.URL.RawQuery
			pr.Out.Header = onlyKubeletHeaders(pr.Out.Header)
			pr.Out.Body, pr.Out.ContentLength, pr.Out.TransferEncoding = http.NoBody, 0, nil
		},
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() == nil { // a caller who left is no kubelet's fault
				s.log.Warn("the kubelet did not answer", zap.String("node", node.Name),
					zap.String("address", target.Host), zap.Error(err))
			}
			writeStatus(w, statusErr(http.StatusBadGateway, "ServiceUnavailable",
				fmt.Sprintf("the kubelet of node %s did not answer", node.Name)))
		},
	}
	proxy.ServeHTTP(w, r)
}

// kubeletURL is where node's kubelet serves, or false when the Node does
// not say, or says something no valid Node may.
func kubeletURL(node *api.Node) (*url.URL, bool) {
	ip, port := node.InternalIP(), node.Status.DaemonEndpoints.KubeletEndpoint.Port
	if net.ParseIP(ip) == nil || port < 1 || port > 65535 {
		return nil, false
	}
	return &url.URL{Scheme: "https", Host: net.JoinHostPort(ip, strconv.Itoa(int(port)))}, true
}

// kubeletTransport dials node's kubelet: TLS with the apiserver's client
// certificate, accepting only a serving certificate the cluster CA
// signed for system:node:<node>. The address is the Node's to choose, so
// the name checked is the node's, not the address's. One connection per
// request: logs and exec are rare and long.
func (s *Server) kubeletTransport(node string) *http.Transport {
	tc := s.kubeletTLS.Clone()
	roots := tc.RootCAs
	tc.InsecureSkipVerify = true // replaced by VerifyConnection's check
	tc.VerifyConnection = func(cs tls.ConnectionState) error { return verifyKubelet(cs, roots, node) }
	return &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true, TLSHandshakeTimeout: 10 * time.Second,
		DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext}
}

// verifyKubelet checks that the peer is node's kubelet.
func verifyKubelet(cs tls.ConnectionState, roots *x509.CertPool, node string) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("the kubelet showed no certificate")
	}
	leaf := cs.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		return fmt.Errorf("the kubelet's certificate: %w", err)
	}
	if want := auth.NodeUserPrefix + node; leaf.Subject.CommonName != want {
		return fmt.Errorf("the certificate at the address of node %s is %q's, not %q", node, leaf.Subject.CommonName, want)
	}
	return nil
}

// onlyKubeletHeaders keeps of h the kubeletHeaders and nothing else.
func onlyKubeletHeaders(h http.Header) http.Header {
	out := http.Header{}
	for _, k := range kubeletHeaders {
		if v, ok := h[k]; ok {
			out[k] = v
		}
	}
	return out
}
