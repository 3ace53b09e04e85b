package kubelet

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/moby/spdystream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
	"kubelab/pkg/streaming"
)

// fakeAttacher runs, besides fakeExecer's probes: "cat" (stdin to
// stdout), "echo WORDS", "warn WORDS" (to stderr), "exit N", and "size",
// which prints the first terminal size it gets. Attach prints "attached"
// and then copies stdin to stdout.
type fakeAttacher struct {
	fakeExecer
	mu    sync.Mutex
	calls []string
}

var _ runtime.Attacher = (*fakeAttacher)(nil)

func (f *fakeAttacher) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeAttacher) ExecStreams(ctx context.Context, id string, cmd []string, s runtime.Streams) (int, error) {
	f.record(fmt.Sprintf("exec %s %s tty=%t stdin=%t", id, strings.Join(cmd, " "), s.TTY, s.Stdin != nil))
	switch cmd[0] {
	case "cat":
		_, err := io.Copy(s.Stdout, s.Stdin)
		return 0, err
	case "echo":
		fmt.Fprintln(s.Stdout, strings.Join(cmd[1:], " "))
	case "warn":
		fmt.Fprintln(s.Stderr, strings.Join(cmd[1:], " "))
	case "exit":
		code, _ := strconv.Atoi(cmd[1])
		return code, nil
	case "size":
		select {
		case size := <-s.Resize:
			fmt.Fprintf(s.Stdout, "%dx%d\n", size.Width, size.Height)
		case <-ctx.Done():
			return -1, ctx.Err()
		}
	}
	return 0, nil
}

func (f *fakeAttacher) Attach(_ context.Context, id string, s runtime.Streams) error {
	f.record("attach " + id)
	fmt.Fprintln(s.Stdout, "attached")
	if s.Stdin != nil {
		_, err := io.Copy(s.Stdout, s.Stdin)
		return err
	}
	return nil
}

// streamsHarness serves the kubelet's endpoints over the fake runtime,
// with pod web (one container, running) at IP 127.0.0.1.
func streamsHarness(t *testing.T) (*httptest.Server, *fakeAttacher) {
	t.Helper()
	h := newHarness(t, testPod("web", api.RestartAlways, "kubia"), testPod("noip", api.RestartAlways, "kubia"))
	h.sync("default/web")
	h.sync("default/noip")
	web := *h.pod("default/web")
	web.Status.PodIP = "127.0.0.1"
	h.pods.put(&web)
	noip := *h.pod("default/noip")
	noip.Status.PodIP = ""
	h.pods.put(&noip)
	f := &fakeAttacher{}
	srv := httptest.NewServer(handler(prometheus.NewRegistry(), &streamServer{
		node: "n1", runtime: h.rt, streams: f, pods: func() podLister { return h.pods }, log: zap.NewNop(),
	}))
	t.Cleanup(srv.Close)
	return srv, f
}

// wsSession runs one exec or attach over a WebSocket: it sends in (then,
// with v5, the close of stdin) and a terminal size, and returns what came
// on stdout, stderr and the error channel.
func wsSession(t *testing.T, srv *httptest.Server, path, protocol string, in []byte, size *runtime.TerminalSize) (stdout, stderr string, st api.Status) {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{protocol}}
	ws, resp, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+path, nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	defer ws.Close()
	if ws.Subprotocol() != protocol {
		t.Fatalf("the kubelet chose %q, want %q", ws.Subprotocol(), protocol)
	}
	if size != nil {
		b, _ := json.Marshal(size)
		ws.WriteMessage(websocket.BinaryMessage, append([]byte{streaming.Resize}, b...))
	}
	if in != nil {
		ws.WriteMessage(websocket.BinaryMessage, append([]byte{streaming.Stdin}, in...))
		ws.WriteMessage(websocket.BinaryMessage, []byte{streaming.Close, streaming.Stdin})
	}
	var out, errOut, status strings.Builder
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				t.Fatalf("the session did not end with a normal close: %v", err)
			}
			break
		}
		switch msg[0] {
		case streaming.Stdout:
			out.Write(msg[1:])
		case streaming.Stderr:
			errOut.Write(msg[1:])
		case streaming.Error:
			status.Write(msg[1:])
		}
	}
	if err := json.Unmarshal([]byte(status.String()), &st); err != nil {
		t.Fatalf("the error channel holds no Status: %q", status.String())
	}
	return out.String(), errOut.String(), st
}

func TestExecAndAttachOverWebSocket(t *testing.T) {
	srv, f := streamsHarness(t)
	exitCode := func(code string) api.Status {
		return api.Status{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"}, Status: "Failure", Reason: "NonZeroExitCode",
			Message: "command terminated with non-zero exit code: exit status " + code,
			Details: &api.StatusDetails{Causes: []api.StatusCause{{Type: "ExitCode", Message: code}}}}
	}
	success := api.Status{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"}, Status: "Success"}
	for _, tc := range []struct {
		name, path, protocol string
		in                   []byte
		size                 *runtime.TerminalSize
		stdout, stderr       string
		status               api.Status
		call                 string
	}{
		{"v5 stdin to cat, closed by the client", "/exec/default/web/c0?command=cat&stdin=true&stdout=true&stderr=true", streaming.ChannelV5,
			[]byte("hello\n"), nil, "hello\n", "", success, "exec fake://n1-2 cat tty=false stdin=true"},
		{"v4 stdout and stderr apart", "/exec/default/web/c0?command=warn&command=oops&stdout=true&stderr=true", streaming.ChannelV4,
			nil, nil, "", "oops\n", success, "exec fake://n1-2 warn oops tty=false stdin=false"},
		{"an exit code", "/exec/default/web/c0?command=exit&command=3&stdout=true&stderr=true", streaming.ChannelV5,
			nil, nil, "", "", exitCode("3"), "exec fake://n1-2 exit 3 tty=false stdin=false"},
		{"a terminal and its size", "/exec/default/web/c0?command=size&stdin=true&stdout=true&stderr=true&tty=true", streaming.ChannelV5,
			[]byte{}, &runtime.TerminalSize{Width: 120, Height: 40}, "120x40\n", "", success, "exec fake://n1-2 size tty=true stdin=true"},
		{"attach", "/attach/default/web/c0?stdin=true&stdout=true&stderr=true", streaming.ChannelV5,
			[]byte("typed\n"), nil, "attached\ntyped\n", "", success, "attach fake://n1-2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.calls = nil
			stdout, stderr, st := wsSession(t, srv, tc.path, tc.protocol, tc.in, tc.size)
			if stdout != tc.stdout || stderr != tc.stderr {
				t.Errorf("stdout %q stderr %q, want %q %q", stdout, stderr, tc.stdout, tc.stderr)
			}
			got, _ := json.Marshal(st)
			want, _ := json.Marshal(tc.status)
			if string(got) != string(want) {
				t.Errorf("status %s\nwant   %s", got, want)
			}
			if len(f.calls) != 1 || f.calls[0] != tc.call {
				t.Errorf("runtime calls %q, want %q", f.calls, tc.call)
			}
		})
	}
}

// spdyDial upgrades a request to SPDY as client-go's round tripper does
// and returns the client end.
func spdyDial(t *testing.T, srv *httptest.Server, path string, protocols ...string) *spdystream.Connection {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: kubelet\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n", path)
	for _, p := range protocols {
		fmt.Fprintf(conn, "X-Stream-Protocol-Version: %s\r\n", p)
	}
	fmt.Fprintf(conn, "Content-Length: 0\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get(streaming.ProtocolHeader) != protocols[0] {
		t.Fatalf("upgrade: %s, protocol %q", resp.Status, resp.Header.Get(streaming.ProtocolHeader))
	}
	sc, err := spdystream.NewConnection(&bufferedConn{Conn: conn, r: br}, false)
	if err != nil {
		t.Fatal(err)
	}
	go sc.Serve(spdystream.NoOpStreamHandler)
	return sc
}

func openStream(t *testing.T, sc *spdystream.Connection, headers ...string) *spdystream.Stream {
	t.Helper()
	h := http.Header{}
	for i := 0; i < len(headers); i += 2 {
		h.Set(headers[i], headers[i+1])
	}
	st, err := sc.CreateStream(h, nil, false)
	if err == nil {
		err = st.WaitTimeout(5 * time.Second)
	}
	if err != nil {
		t.Fatalf("open stream %v: %v", headers, err)
	}
	return st
}

// kubectl falls back to SPDY when the WebSocket upgrade fails.
func TestExecOverSPDY(t *testing.T) {
	srv, _ := streamsHarness(t)
	sc := spdyDial(t, srv, "/exec/default/web/c0?command=cat&stdin=true&stdout=true", streaming.ChannelV4)
	errStream := openStream(t, sc, "streamType", "error")
	stdin := openStream(t, sc, "streamType", "stdin")
	stdout := openStream(t, sc, "streamType", "stdout")
	stdin.Write([]byte("over spdy\n"))
	stdin.Close()
	out, _ := io.ReadAll(stdout)
	status, _ := io.ReadAll(errStream)
	if string(out) != "over spdy\n" || !strings.Contains(string(status), `"status":"Success"`) {
		t.Errorf("stdout %q, error stream %q", out, status)
	}
}

// podPort listens on loopback, the fake pod's IP, and answers each
// connection "pong: " and what it read.
func podPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b, _ := io.ReadAll(c)
				fmt.Fprintf(c, "pong: %s", b)
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// forwardOnce sends one connection's worth over a stream pair and
// returns the answer and the error stream.
func forwardOnce(t *testing.T, sc *spdystream.Connection, port int, id string) (string, string) {
	t.Helper()
	errStream := openStream(t, sc, "streamType", "error", "port", strconv.Itoa(port), "requestID", id)
	errStream.Close()
	data := openStream(t, sc, "streamType", "data", "port", strconv.Itoa(port), "requestID", id)
	data.Write([]byte("ping"))
	data.Close()
	out, _ := io.ReadAll(data)
	msg, _ := io.ReadAll(errStream)
	return string(out), string(msg)
}

func TestPortForward(t *testing.T) {
	srv, _ := streamsHarness(t)
	port := podPort(t)
	closed := func() int {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}()
	for _, tc := range []struct {
		name string
		dial func() *spdystream.Connection
	}{
		{"SPDY tunnelled in a WebSocket, as kubectl 1.37", func() *spdystream.Connection {
			d := websocket.Dialer{Subprotocols: []string{"SPDY/3.1+portforward.k8s.io"}}
			ws, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/portForward/default/web", nil)
			if err != nil {
				t.Fatal(err)
			}
			conn := streaming.NewTunnelConn(ws)
			t.Cleanup(func() { conn.Close() })
			sc, err := spdystream.NewConnection(conn, false)
			if err != nil {
				t.Fatal(err)
			}
			go sc.Serve(spdystream.NoOpStreamHandler)
			return sc
		}},
		{"plain SPDY, the fallback", func() *spdystream.Connection {
			return spdyDial(t, srv, "/portForward/default/web", "portforward.k8s.io")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := tc.dial()
			for i := range 2 { // two connections over one session
				if out, msg := forwardOnce(t, sc, port, strconv.Itoa(i)); out != "pong: ping" || msg != "" {
					t.Errorf("connection %d: %q, error stream %q", i, out, msg)
				}
			}
			if _, msg := forwardOnce(t, sc, closed, "9"); !strings.Contains(msg, fmt.Sprintf("error forwarding port %d to pod web: ", closed)) {
				t.Errorf("a closed port: error stream %q", msg)
			}
		})
	}
}

// What is refused before any upgrade is an HTTP error with a Status.
func TestStreamRequestErrors(t *testing.T) {
	srv, _ := streamsHarness(t)
	ws := http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}
	withProtocol := func(h http.Header, k, v string) http.Header {
		h = h.Clone()
		h.Set(k, v)
		return h
	}
	spdy := http.Header{"Connection": {"Upgrade"}, "Upgrade": {"SPDY/3.1"}}
	for _, tc := range []struct {
		name, path string
		header     http.Header
		code       int
		msg        string
	}{
		{"no command", "/exec/default/web/c0?stdout=true", nil, 400, "you must specify at least one command for the container (command=…)"},
		{"no streams", "/exec/default/web/c0?command=ls", nil, 400, "you must specify at least one of stdin, stdout, stderr"},
		{"no upgrade", "/exec/default/web/c0?command=ls&stdout=true", nil, 400,
			"unable to upgrade: the request must upgrade to a WebSocket (v5.channel.k8s.io) or to SPDY/3.1 (v4.channel.k8s.io)"},
		{"a WebSocket of no known protocol", "/exec/default/web/c0?command=ls&stdout=true", withProtocol(ws, "Sec-Websocket-Protocol", "base64.channel.k8s.io"), 400,
			"unable to upgrade: the client offers none of the protocols v5.channel.k8s.io, v4.channel.k8s.io"},
		{"SPDY of an old version", "/exec/default/web/c0?command=ls&stdout=true", withProtocol(spdy, streaming.ProtocolHeader, "v2.channel.k8s.io"), 403,
			"unable to upgrade: unable to negotiate protocol: client supports [v2.channel.k8s.io], server accepts [v5.channel.k8s.io v4.channel.k8s.io]"},
		{"no such pod", "/attach/default/nope/c0?stdout=true", nil, 404, `pods "nope" not found on node n1`},
		{"no such container", "/attach/default/web/c9?stdout=true", nil, 404, `container "c9" not found in pod "web"`},
		{"port-forward to a pod without an IP", "/portForward/default/noip", nil, 400, "pod noip has no IP yet"},
		{"port-forward without an upgrade", "/portForward/default/web", nil, 400,
			"unable to upgrade: port-forward needs a WebSocket (SPDY/3.1+portforward.k8s.io) or a SPDY/3.1 upgrade"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
			for k, v := range tc.header {
				req.Header[k] = v
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var st api.Status
			b, _ := io.ReadAll(resp.Body)
			if err := json.Unmarshal(b, &st); err != nil || resp.StatusCode != tc.code || st.Message != tc.msg {
				t.Errorf("%d %s\nwant %d %q", resp.StatusCode, b, tc.code, tc.msg)
			}
		})
	}
}
