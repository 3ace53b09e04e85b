package kubelet

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
	"kubelab/pkg/streaming"
)

// Exec and attach over a WebSocket: one connection, every message tagged
// with its channel (package streaming). v5 differs from v4 only in the
// close message, with which the client ends stdin.

// channelProtocols are the subprotocols the kubelet speaks, preferred
// first.
var channelProtocols = []string{streaming.ChannelV5, streaming.ChannelV4}

// isWebSocket reports whether r asks to become a WebSocket.
func isWebSocket(r *http.Request) bool { return websocket.IsWebSocketUpgrade(r) }

// wsUpgrader upgrades whatever the apiserver passes on: only the
// apiserver may call the kubelet (authorizeCallers), so there is no
// browser origin to check.
func wsUpgrader(protocols []string) *websocket.Upgrader {
	return &websocket.Upgrader{Subprotocols: protocols, CheckOrigin: func(*http.Request) bool { return true },
		HandshakeTimeout: 10 * time.Second}
}

// offers reports whether the client offered one of protocols, which the
// upgrade must choose: an empty choice would leave both ends guessing.
func offers(r *http.Request, protocols []string) bool {
	return slices.ContainsFunc(websocket.Subprotocols(r), func(p string) bool { return slices.Contains(protocols, p) })
}

func upgradeWebSocket(w http.ResponseWriter, r *http.Request, opts remoteOptions) (*session, bool) {
	if !offers(r, channelProtocols) {
		writeStatus(w, http.StatusBadRequest, "unable to upgrade: the client offers none of the protocols "+strings.Join(channelProtocols, ", "))
		return nil, false
	}
	ws, err := wsUpgrader(channelProtocols).Upgrade(w, r, nil)
	if err != nil {
		return nil, false // the upgrader answered the error
	}
	c := &wsChannels{ws: ws, done: make(chan struct{})}
	sess := &session{done: c.done, finish: c.finish}
	var stdinW *io.PipeWriter
	if opts.stdin {
		var stdinR *io.PipeReader
		stdinR, stdinW = io.Pipe()
		sess.stdin, c.stdin = stdinR, stdinR
	}
	if opts.stdout {
		sess.stdout = c.writer(streaming.Stdout)
	}
	if opts.stderr {
		sess.stderr = c.writer(streaming.Stderr)
	}
	var resize chan runtime.TerminalSize
	if opts.tty {
		resize = make(chan runtime.TerminalSize, 4)
		sess.resize = resize
	}
	go c.readLoop(stdinW, resize, ws.Subprotocol() == streaming.ChannelV5)
	return sess, true
}

// wsChannels writes tagged messages on one WebSocket.
type wsChannels struct {
	ws    *websocket.Conn
	mu    sync.Mutex // one writer at a time
	done  chan struct{}
	stdin *io.PipeReader // closed at the end, so that readLoop never blocks on it
}

func (c *wsChannels) writer(channel byte) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		msg := append([]byte{channel}, p...)
		c.mu.Lock()
		defer c.mu.Unlock()
		if err := c.ws.WriteMessage(websocket.BinaryMessage, msg); err != nil {
			return 0, err
		}
		return len(p), nil
	})
}

// readLoop hands stdin and resize messages on until the client leaves.
// Pings are answered by the connection while it reads.
func (c *wsChannels) readLoop(stdin *io.PipeWriter, resize chan runtime.TerminalSize, v5 bool) {
	defer close(c.done)
	if stdin != nil {
		defer stdin.Close()
	}
	for {
		typ, msg, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		if typ != websocket.BinaryMessage || len(msg) == 0 {
			continue
		}
		switch data := msg[1:]; msg[0] {
		case streaming.Stdin:
			if stdin != nil {
				stdin.Write(data) // a process that stopped reading drops it
			}
		case streaming.Resize:
			sendSizes(data, resize)
		case streaming.Close:
			if v5 && len(data) == 1 && data[0] == streaming.Stdin && stdin != nil {
				stdin.Close() // the command sees EOF
			}
		}
	}
}

// finish writes the Status on the error channel and closes normally, so
// that the client reads its streams to their end.
func (c *wsChannels) finish(st *api.Status) {
	if c.stdin != nil {
		c.stdin.Close()
	}
	b, _ := json.Marshal(st)
	_, _ = c.writer(streaming.Error).Write(b)
	c.mu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.mu.Unlock()
	select { // give the client a moment to answer the close
	case <-c.done:
	case <-time.After(time.Second):
	}
	c.ws.Close()
}

// sendSizes decodes the terminal sizes in data, JSON objects one after
// the other, and passes them on; a size nobody reads in time is dropped.
func sendSizes(data []byte, resize chan runtime.TerminalSize) {
	if resize == nil {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(data))
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
}

// writerFunc is a function that is an io.Writer.
type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
