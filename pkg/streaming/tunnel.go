package streaming

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// TunnelConn is a byte stream carried in a WebSocket's binary messages,
// each message a piece of the stream, as client-go's TunnelingConnection
// sends them: a SPDY connection runs on top of it. Reads may start in
// one message and end in the next; each Write is one message.
type TunnelConn struct {
	ws *websocket.Conn

	readMu  sync.Mutex
	reading io.Reader // the message being read

	writeMu   sync.Mutex
	closeOnce sync.Once
}

var _ net.Conn = (*TunnelConn)(nil)

// NewTunnelConn carries a byte stream in ws.
func NewTunnelConn(ws *websocket.Conn) *TunnelConn { return &TunnelConn{ws: ws} }

func (c *TunnelConn) Read(p []byte) (int, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	for {
		if c.reading == nil {
			typ, r, err := c.ws.NextReader()
			if err != nil {
				var ce *websocket.CloseError
				if errors.As(err, &ce) && ce.Code == websocket.CloseNormalClosure {
					return 0, io.EOF
				}
				return 0, err
			}
			if typ != websocket.BinaryMessage {
				return 0, fmt.Errorf("tunnel: a message of type %d, want binary", typ)
			}
			c.reading = r
		}
		n, err := c.reading.Read(p)
		if err == io.EOF {
			c.reading = nil
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
}

func (c *TunnelConn) Write(p []byte) (int, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.ws.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close says goodbye with a normal closure, which the other end reads as
// the stream's end, and closes the connection.
func (c *TunnelConn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		_ = c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		err = c.ws.Close()
	})
	return err
}

func (c *TunnelConn) LocalAddr() net.Addr  { return c.ws.LocalAddr() }
func (c *TunnelConn) RemoteAddr() net.Addr { return c.ws.RemoteAddr() }

func (c *TunnelConn) SetDeadline(t time.Time) error {
	return errors.Join(c.ws.SetReadDeadline(t), c.ws.SetWriteDeadline(t))
}
func (c *TunnelConn) SetReadDeadline(t time.Time) error  { return c.ws.SetReadDeadline(t) }
func (c *TunnelConn) SetWriteDeadline(t time.Time) error { return c.ws.SetWriteDeadline(t) }
