package kubelet

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/moby/spdystream"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
	"kubelab/pkg/streaming"
)

// SPDY, the older framing that kubectl falls back to when a WebSocket
// upgrade fails: the client offers protocol versions in
// X-Stream-Protocol-Version, the kubelet answers 101 with its choice, and
// then the client opens one SPDY stream per standard stream, naming it in
// the streamType header.

// spdyChannelProtocols are the remote command versions the kubelet speaks
// over SPDY: both end with a JSON Status on the error stream.
var spdyChannelProtocols = []string{streaming.ChannelV5, streaming.ChannelV4}

// streamCreationTimeout is how long the kubelet waits for the client to
// open the streams it asked for (Kubernetes' DefaultStreamCreationTimeout).
const streamCreationTimeout = 30 * time.Second

// isSPDY reports whether r asks to become a SPDY connection.
func isSPDY(r *http.Request) bool {
	return strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade") &&
		strings.EqualFold(r.Header.Get("Upgrade"), streaming.SPDY)
}

// spdyConn is a SPDY connection the kubelet serves, with the streams
// the client opens.
type spdyConn struct {
	*spdystream.Connection
	conn    net.Conn
	streams <-chan *spdystream.Stream
}

// upgradeToSPDY picks the first of the client's protocols that the
// kubelet speaks, answers 101 with it, and serves SPDY on the connection.
// Each stream the client opens is accepted and sent on the returned
// channel. It answers the error itself when it cannot upgrade.
func upgradeToSPDY(w http.ResponseWriter, r *http.Request, protocols []string) (*spdyConn, bool) {
	var offered []string
	for _, v := range r.Header.Values(streaming.ProtocolHeader) {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				offered = append(offered, p)
			}
		}
	}
	i := slices.IndexFunc(offered, func(p string) bool { return slices.Contains(protocols, p) })
	if i < 0 {
		for _, p := range protocols {
			w.Header().Add("X-Accepted-Stream-Protocol-Versions", p)
		}
		writeStatus(w, http.StatusForbidden, fmt.Sprintf("unable to upgrade: unable to negotiate protocol: client supports %v, server accepts %v", offered, protocols))
		return nil, false
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		writeStatus(w, http.StatusInternalServerError, "unable to upgrade: "+err.Error())
		return nil, false
	}
	fmt.Fprintf(buf, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n%s: %s\r\n\r\n",
		streaming.SPDY, streaming.ProtocolHeader, offered[i])
	if err := buf.Flush(); err != nil {
		conn.Close()
		return nil, false
	}
	sc, err := serveSPDY(&bufferedConn{Conn: conn, r: buf.Reader})
	if err != nil {
		conn.Close()
		return nil, false
	}
	return sc, true
}

// serveSPDY serves SPDY on conn as the server end, accepting every stream
// the client opens.
func serveSPDY(conn net.Conn) (*spdyConn, error) {
	sc, err := spdystream.NewConnection(conn, true)
	if err != nil {
		return nil, err
	}
	streams := make(chan *spdystream.Stream, 16)
	go sc.Serve(func(st *spdystream.Stream) {
		_ = st.SendReply(http.Header{}, false)
		select {
		case streams <- st:
		case <-sc.CloseChan():
		}
	})
	return &spdyConn{Connection: sc, conn: conn, streams: streams}, nil
}

// close says goodbye and closes the connection once the client did, or
// after a moment.
func (c *spdyConn) close() {
	_ = c.Connection.Close()
	select {
	case <-c.CloseChan():
	case <-time.After(time.Second):
	}
	c.conn.Close()
}

func upgradeSPDY(w http.ResponseWriter, r *http.Request, opts remoteOptions) (*session, bool) {
	sc, ok := upgradeToSPDY(w, r, spdyChannelProtocols)
	if !ok {
		return nil, false
	}
	want := map[string]bool{"error": true, "stdin": opts.stdin, "stdout": opts.stdout, "stderr": opts.stderr, "resize": opts.tty}
	got := map[string]*spdystream.Stream{}
	timeout := time.After(streamCreationTimeout)
	for len(got) < countTrue(want) {
		select {
		case st := <-sc.streams:
			typ := st.Headers().Get("streamType")
			if !want[typ] || got[typ] != nil {
				st.Reset() // a stream nobody asked for
				continue
			}
			got[typ] = st
		case <-timeout:
			sc.close()
			return nil, false
		}
	}
	done := make(chan struct{})
	go func() {
		<-sc.CloseChan()
		close(done)
	}()
	sess := &session{done: done}
	if st := got["stdin"]; st != nil {
		sess.stdin = st
	}
	if st := got["stdout"]; st != nil {
		sess.stdout = st
	}
	if st := got["stderr"]; st != nil {
		sess.stderr = st
	}
	if st := got["resize"]; st != nil {
		resize := make(chan runtime.TerminalSize, 4)
		sess.resize = resize
		go func() {
			dec := json.NewDecoder(st)
			for {
				var size runtime.TerminalSize
				if dec.Decode(&size) != nil {
					return
				}
				select {
				case resize <- size:
				default:
				}
			}
		}()
	}
	sess.finish = func(status *api.Status) {
		b, _ := json.Marshal(status)
		_, _ = got["error"].Write(b)
		for _, st := range got {
			_ = st.Close()
		}
		sc.close()
	}
	return sess, true
}

func countTrue(m map[string]bool) int {
	n := 0
	for _, v := range m {
		if v {
			n++
		}
	}
	return n
}

// bufferedConn reads first what the HTTP server had read ahead.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
