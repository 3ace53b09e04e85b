package kubelet

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/spdystream"
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/streaming"
)

// The kubelet's port-forward endpoint, which the apiserver proxies
// pods/{name}/portforward to:
//
//	GET|POST /portForward/{namespace}/{pod}
//
// The connection becomes SPDY (portforward.k8s.io), either upgraded
// directly or tunnelled through a WebSocket, which is what kubectl 1.37
// tries first. Then, for each connection the client accepted on its local
// port, it opens an error stream and a data stream carrying the same
// port and requestID headers; the kubelet connects to the pod's IP at
// that port and copies bytes both ways. A connection that fails says why
// on its error stream. (Kubernetes' kubelet enters the pod's network
// namespace and dials localhost; kubelab's kubelet reaches pod IPs on its
// node's bridge, which comes to the same for a port the pod listens on.)

// portForwardProtocols are the port-forward versions the kubelet speaks.
var portForwardProtocols = []string{streaming.PortForward}

// portDialTimeout bounds connecting to the pod.
const portDialTimeout = 10 * time.Second

func (s *streamServer) servePortForward(w http.ResponseWriter, r *http.Request) {
	podIP, code, msg := s.podIP(r.PathValue("namespace"), r.PathValue("pod"))
	if code != 0 {
		writeStatus(w, code, msg)
		return
	}
	var sc *spdyConn
	switch tunnel := []string{streaming.TunnelPrefix + streaming.PortForward}; {
	case isWebSocket(r):
		if !offers(r, tunnel) {
			writeStatus(w, http.StatusBadRequest, "unable to upgrade: the client offers no "+tunnel[0]+" subprotocol")
			return
		}
		ws, err := wsUpgrader(tunnel).Upgrade(w, r, nil)
		if err != nil {
			return // the upgrader answered the error
		}
		conn := streaming.NewTunnelConn(ws)
		if sc, err = serveSPDY(conn); err != nil {
			conn.Close()
			return
		}
	case isSPDY(r):
		var ok bool
		if sc, ok = upgradeToSPDY(w, r, portForwardProtocols); !ok {
			return
		}
	default:
		writeStatus(w, http.StatusBadRequest, "unable to upgrade: port-forward needs a WebSocket ("+
			streaming.TunnelPrefix+streaming.PortForward+") or a SPDY/3.1 upgrade")
		return
	}
	pf := &portForwarder{pod: r.PathValue("pod"), podIP: podIP, pairs: map[string]*streamPair{}, log: s.log}
	defer sc.close()
	for {
		select {
		case st := <-sc.streams:
			pf.add(st)
		case <-sc.CloseChan():
			return
		}
	}
}

// podIP is the IP of a pod of this node, or an HTTP error.
func (s *streamServer) podIP(namespace, name string) (string, int, string) {
	if s.streams == nil {
		return "", http.StatusBadRequest, fmt.Sprintf("node %s is a simulated node (--runtime=fake): its pods have no ports to forward", s.node)
	}
	var pods podLister
	if s.pods != nil {
		pods = s.pods()
	}
	if pods == nil {
		return "", http.StatusServiceUnavailable, "the kubelet is starting: try again in a moment"
	}
	obj, ok := pods.Get(namespace + "/" + name)
	if !ok {
		return "", http.StatusNotFound, fmt.Sprintf("pods %q not found on node %s", name, s.node)
	}
	pod := obj.(*api.Pod)
	if pod.Status.PodIP == "" {
		return "", http.StatusBadRequest, fmt.Sprintf("pod %s has no IP yet", name)
	}
	return pod.Status.PodIP, 0, ""
}

// portForwarder pairs each connection's error and data streams and
// forwards them.
type portForwarder struct {
	pod, podIP string
	log        *zap.Logger

	mu    sync.Mutex
	pairs map[string]*streamPair // by requestID
}

type streamPair struct{ errorStream, dataStream *spdystream.Stream }

// add files st under its requestID and starts forwarding once both
// streams of a connection are there.
func (pf *portForwarder) add(st *spdystream.Stream) {
	h := st.Headers()
	id := h.Get("requestID")
	pf.mu.Lock()
	p := pf.pairs[id]
	if p == nil {
		p = &streamPair{}
		pf.pairs[id] = p
	}
	switch h.Get("streamType") {
	case "error":
		p.errorStream = st
	case "data":
		p.dataStream = st
	default:
		st.Reset()
	}
	complete := p.errorStream != nil && p.dataStream != nil
	if complete {
		delete(pf.pairs, id)
	}
	pf.mu.Unlock()
	if complete {
		go pf.forward(p, h.Get("port"))
	}
}

// forward connects the data stream to the pod's port until the pod's end
// closes, and reports a failure on the error stream, as Kubernetes'
// kubelet words it.
func (pf *portForwarder) forward(p *streamPair, portHeader string) {
	defer p.errorStream.Close()
	defer p.dataStream.Close()
	port, err := strconv.ParseUint(strings.TrimSpace(portHeader), 10, 16)
	if err != nil || port == 0 {
		fmt.Fprintf(p.errorStream, "invalid port %q: must be a number in 1-65535", portHeader)
		return
	}
	addr := net.JoinHostPort(pf.podIP, strconv.Itoa(int(port)))
	conn, err := net.DialTimeout("tcp", addr, portDialTimeout)
	if err != nil {
		fmt.Fprintf(p.errorStream, "error forwarding port %d to pod %s: %v", port, pf.pod, err)
		return
	}
	defer conn.Close()
	go func() {
		_, _ = io.Copy(conn, p.dataStream)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite() // the client sent all it had
		}
	}()
	if _, err := io.Copy(p.dataStream, conn); err != nil {
		pf.log.Debug("a port-forward connection broke off", zap.String("pod", pf.pod), zap.Uint64("port", port), zap.Error(err))
	}
}
