package kctl

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/moby/spdystream"

	"kubelab/pkg/api"
	"kubelab/pkg/streaming"
)

// fakeExec answers an exec or attach as the kubelet does over a v5
// WebSocket: "ls" prints "ran", "false" exits 3, "warn" prints on
// stderr, "cat" echoes stdin until the client closes it; attach prints
// "attached".
func fakeExec(w http.ResponseWriter, r *http.Request) {
	ws, err := (&websocket.Upgrader{Subprotocols: []string{streaming.ChannelV5}}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	send := func(ch byte, s string) { ws.WriteMessage(websocket.BinaryMessage, append([]byte{ch}, s...)) }
	st := api.Status{Status: "Success"}
	q := r.URL.Query()
	switch cmd := strings.Join(q["command"], " "); {
	case strings.HasSuffix(r.URL.Path, "/attach"):
		send(streaming.Stdout, "attached\n")
	case cmd == "false":
		st = api.Status{Status: "Failure", Reason: "NonZeroExitCode", Message: "command terminated with non-zero exit code: exit status 3",
			Details: &api.StatusDetails{Causes: []api.StatusCause{{Type: "ExitCode", Message: "3"}}}}
	case cmd == "warn":
		send(streaming.Stderr, "careful\n")
	case cmd == "cat":
		for {
			_, msg, err := ws.ReadMessage()
			if err != nil || (msg[0] == streaming.Close && msg[1] == streaming.Stdin) {
				break
			}
			send(streaming.Stdout, string(msg[1:]))
		}
	case cmd == "broken":
		return // no Status, no close message
	default:
		send(streaming.Stdout, "ran\n")
	}
	b, _ := json.Marshal(st)
	send(streaming.Error, string(b))
	ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
}

func TestExecAndAttach(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		stdin   string
		request string
		out     string
		errOut  string
		code    int
	}{
		{"a command", []string{"exec", "kubia", "--", "ls", "-l", "/"}, "",
			"GET /api/v1/namespaces/default/pods/kubia/exec?command=ls&command=-l&command=%2F&stderr=true&stdin=false&stdout=true&tty=false", "ran\n", "", 0},
		{"a container, and the command's exit code", []string{"exec", "-n", "lab", "kubia", "-c", "app", "--", "false"}, "",
			"GET /api/v1/namespaces/lab/pods/kubia/exec?command=false&container=app&stderr=true&stdin=false&stdout=true&tty=false", "",
			"command terminated with exit code 3\n", 3},
		{"stderr apart", []string{"exec", "kubia", "--", "warn"}, "",
			"GET /api/v1/namespaces/default/pods/kubia/exec?command=warn&stderr=true&stdin=false&stdout=true&tty=false", "", "careful\n", 0},
		{"stdin, closed at its end", []string{"exec", "-i", "kubia", "--", "cat"}, "typed\n",
			"GET /api/v1/namespaces/default/pods/kubia/exec?command=cat&stderr=true&stdin=true&stdout=true&tty=false", "typed\n", "", 0},
		{"a terminal without one here", []string{"exec", "-it", "kubia", "--", "cat"}, "typed\n",
			"GET /api/v1/namespaces/default/pods/kubia/exec?command=cat&stderr=true&stdin=true&stdout=true&tty=false", "typed\n",
			"Unable to use a TTY - input is not a terminal or the right kind of file\n", 0},
		{"the stream broke off", []string{"exec", "kubia", "--", "broken"}, "",
			"GET /api/v1/namespaces/default/pods/kubia/exec?command=broken&stderr=true&stdin=false&stdout=true&tty=false", "",
			"error: the connection to the container broke off: websocket: close 1006 (abnormal closure): unexpected EOF\n", 1},
		{"an error from the kubelet", []string{"exec", "gone", "--", "ls"}, "",
			"GET /api/v1/namespaces/default/pods/gone/exec?command=ls&stderr=true&stdin=false&stdout=true&tty=false", "",
			"Error from server (NotFound): pods \"gone\" not found on node n1\n", 1},
		{"attach", []string{"attach", "kubia"}, "",
			"GET /api/v1/namespaces/default/pods/kubia/attach?stderr=true&stdin=false&stdout=true&tty=false", "attached\n", "", 0},
		{"no command", []string{"exec", "kubia"}, "", "", "", "error: you must specify at least one command for the container\n", 1},
		{"two pods", []string{"exec", "a", "b", "--", "ls"}, "", "", "", "error: exactly one pod before --, got [\"a\" \"b\"]\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, url := newStreamServer(t, func(w http.ResponseWriter, r *http.Request) {
				if strings.Contains(r.URL.Path, "/gone/") {
					writeStatus(w, http.StatusNotFound, "NotFound", `pods "gone" not found on node n1`)
					return
				}
				fakeExec(w, r)
			})
			out, errOut, code := kctl(t, url, tc.stdin, tc.args...)
			if out != tc.out || errOut != tc.errOut || code != tc.code {
				t.Errorf("got %q %q exit %d, want %q %q exit %d", out, errOut, code, tc.out, tc.errOut, tc.code)
			}
			var want []string
			if tc.request != "" {
				want = []string{tc.request}
			}
			if strings.Join(s.requests, "\n") != strings.Join(want, "\n") {
				t.Errorf("requests %q, want %q", s.requests, want)
			}
		})
	}
}

func TestParsePorts(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"one port for both ends", []string{"8080"}, "[{8080 8080}]"},
		{"local and remote", []string{"9000:80", ":53"}, "[{9000 80} {0 53}]"},
		{"no remote port", []string{"8080:"}, `error parsing remote port "" in "8080:": must be a number in 1-65535`},
		{"a local port out of range", []string{"70000:80"}, `error parsing local port "70000" in "70000:80": must be a number in 0-65535`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ports, err := parsePorts(tc.args)
			got := fmt.Sprint(ports)
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("%s, want %s", got, tc.want)
			}
		})
	}
}

// kctl port-forward tunnels SPDY through a WebSocket, one stream pair
// per local connection; this fake kubelet answers "pong: " and what it
// read on each data stream.
func TestPortForward(t *testing.T) {
	s, url := newStreamServer(t, func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{Subprotocols: []string{"SPDY/3.1+portforward.k8s.io"}}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		conn := streaming.NewTunnelConn(ws)
		defer conn.Close()
		sc, err := spdystream.NewConnection(conn, true)
		if err != nil {
			return
		}
		sc.Serve(func(st *spdystream.Stream) {
			st.SendReply(http.Header{}, false)
			if st.Headers().Get("streamType") != "data" {
				st.Close() // an error stream with nothing to say
				return
			}
			go func() {
				b, _ := io.ReadAll(st)
				fmt.Fprintf(st, "pong: %s to %s", b, st.Headers().Get("port"))
				st.Close()
			}()
		})
	})
	out, w := io.Pipe()
	g := &globals{in: strings.NewReader(""), out: w, errOut: io.Discard, getenv: func(string) string { return "" },
		conn: connFlags{server: url}, namespace: "default", now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runPortForward(ctx, g, "kubia", []string{"127.0.0.1"}, []forwardedPort{{0, 8080}}) }()
	lines := bufio.NewScanner(out)
	lines.Scan()
	first := lines.Text()
	handled := make(chan string, 4)
	go func() { // "Handling connection for PORT" lines
		for lines.Scan() {
			handled <- lines.Text()
		}
	}()
	var addr string
	if _, err := fmt.Sscanf(first, "Forwarding from %s -> 8080", &addr); err != nil {
		t.Fatalf("first line %q: %v", first, err)
	}
	_, port, _ := net.SplitHostPort(addr)
	for i := range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "ping %d", i)
		c.(*net.TCPConn).CloseWrite()
		b, _ := io.ReadAll(c)
		c.Close()
		if want := fmt.Sprintf("pong: ping %d to 8080", i); string(b) != want {
			t.Errorf("connection %d got %q, want %q", i, b, want)
		}
		if got := <-handled; got != "Handling connection for "+port {
			t.Errorf("printed %q", got)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("port-forward ended with %v", err)
	}
	if want := "GET /api/v1/namespaces/default/pods/kubia/portforward"; len(s.requests) != 1 || s.requests[0] != want {
		t.Errorf("requests %q, want [%q]", s.requests, want)
	}
}
