package kctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/term"

	"kubelab/pkg/api"
	"kubelab/pkg/streaming"
)

// How kctl exec and attach talk to a container, as kubectl 1.37 does: a
// WebSocket to pods/{name}/exec (or attach) with subprotocol
// v5.channel.k8s.io, which the apiserver passes through to the kubelet.
// Every message carries one channel byte (package streaming): kctl sends
// stdin (0), the terminal's size (4) and, at the end of stdin, a close
// (255 0); it prints stdout (1) and stderr (2), and reads the final
// Status on the error channel (3). (kubectl falls back to SPDY when the
// WebSocket upgrade fails; kctl does not need to.)

// streamOptions are the local ends of a session.
type streamOptions struct {
	stdin          io.Reader // nil: none
	stdout, stderr io.Writer
	tty            bool
	term           *os.File // the local terminal, with tty
}

// runStreams runs one exec or attach session and returns the command's
// end as an error: nil, exitError, or the Status the kubelet sent.
func runStreams(ctx context.Context, g *globals, path string, q url.Values, s streamOptions) error {
	q.Set("stdin", strconv.FormatBool(s.stdin != nil))
	q.Set("stdout", "true")
	q.Set("stderr", strconv.FormatBool(!s.tty))
	q.Set("tty", strconv.FormatBool(s.tty))
	ws, err := dialWebSocket(ctx, g, path, q, streaming.ChannelV5)
	if err != nil {
		return err
	}
	defer ws.Close()
	if s.tty {
		old, err := term.MakeRaw(int(s.term.Fd()))
		if err != nil {
			return fmt.Errorf("making the terminal raw: %w", err)
		}
		defer term.Restore(int(s.term.Fd()), old)
	}
	var mu sync.Mutex // one writer at a time
	send := func(channel byte, data []byte) error {
		mu.Lock()
		defer mu.Unlock()
		return ws.WriteMessage(websocket.BinaryMessage, append([]byte{channel}, data...))
	}
	if s.tty {
		stop := watchTerminalSize(s.term, send)
		defer stop()
	}
	if s.stdin != nil {
		go copyStdin(s.stdin, send)
	}
	var status []byte
	for {
		typ, msg, err := ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code == websocket.CloseNormalClosure {
				break
			}
			if len(status) > 0 {
				break
			}
			return fmt.Errorf("the connection to the container broke off: %w", err)
		}
		if typ != websocket.BinaryMessage || len(msg) == 0 {
			continue
		}
		switch msg[0] {
		case streaming.Stdout:
			s.stdout.Write(msg[1:])
		case streaming.Stderr:
			s.stderr.Write(msg[1:])
		case streaming.Error:
			status = append(status, msg[1:]...)
		}
	}
	return endOf(status)
}

// copyStdin sends stdin until its end, then closes the stream, which the
// command reads as end of file.
func copyStdin(in io.Reader, send func(byte, []byte) error) {
	buf := make([]byte, 32*1024)
	for {
		n, err := in.Read(buf)
		if n > 0 && send(streaming.Stdin, buf[:n]) != nil {
			return
		}
		if err != nil {
			send(streaming.Close, []byte{streaming.Stdin})
			return
		}
	}
}

// watchTerminalSize sends the terminal's size now and after every change.
func watchTerminalSize(f *os.File, send func(byte, []byte) error) (stop func()) {
	sizes := make(chan os.Signal, 1)
	signal.Notify(sizes, syscall.SIGWINCH)
	done := make(chan struct{})
	sendSize := func() {
		if w, h, err := term.GetSize(int(f.Fd())); err == nil {
			b, _ := json.Marshal(struct{ Width, Height uint16 }{uint16(w), uint16(h)})
			send(streaming.Resize, b)
		}
	}
	go func() {
		sendSize()
		for {
			select {
			case <-done:
				return
			case <-sizes:
				sendSize()
			}
		}
	}()
	return func() { signal.Stop(sizes); close(done) }
}

// endOf reads the Status of the error channel: none or Success is a
// clean end, NonZeroExitCode the command's exit code.
func endOf(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	var st api.Status
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("error stream protocol error: %v in %q", err, b)
	}
	switch {
	case st.Status == "Success":
		return nil
	case st.Reason == streaming.NonZeroExitCodeReason && st.Details != nil:
		for _, c := range st.Details.Causes {
			if c.Type == streaming.ExitCodeCauseType {
				if code, err := strconv.Atoi(c.Message); err == nil {
					return exitError(code)
				}
			}
		}
	}
	return &st
}

// dialWebSocket opens a WebSocket to the apiserver's path with the
// user's credentials, offering protocols. A refused upgrade is the
// apiserver's (or the kubelet's) Status.
func dialWebSocket(ctx context.Context, g *globals, path string, q url.Values, protocols ...string) (*websocket.Conn, error) {
	cfg, err := g.clientConfig()
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(strings.TrimSuffix(cfg.Server, "/") + path)
	if err != nil {
		return nil, err
	}
	u.RawQuery = q.Encode()
	u.Scheme = map[string]string{"https": "wss", "http": "ws"}[u.Scheme]
	h := http.Header{"User-Agent": {"kctl/" + Version}}
	token := cfg.BearerToken
	if cfg.BearerTokenFile != "" {
		b, err := os.ReadFile(cfg.BearerTokenFile)
		if err != nil {
			return nil, err
		}
		token = strings.TrimSpace(string(b))
	}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	d := websocket.Dialer{TLSClientConfig: cfg.TLS, Subprotocols: protocols, HandshakeTimeout: 30 * time.Second,
		Proxy: http.ProxyFromEnvironment}
	ws, resp, err := d.DialContext(ctx, u.String(), h)
	if err != nil {
		if resp != nil {
			return nil, statusFromAnswer(resp)
		}
		return nil, err
	}
	return ws, nil
}

// statusFromAnswer reads an error answer: an api.Status from the
// apiserver or the kubelet, or something else (a proxy's page) as one line.
func statusFromAnswer(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var st api.Status
	if err := json.Unmarshal(b, &st); err == nil && st.Message != "" {
		if st.Code == 0 {
			st.Code = int32(resp.StatusCode)
		}
		return &st
	}
	msg, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if msg == "" {
		msg = resp.Status
	}
	return &api.Status{Status: "Failure", Code: int32(resp.StatusCode), Message: msg}
}
