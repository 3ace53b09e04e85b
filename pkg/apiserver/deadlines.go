package apiserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"go.uber.org/zap"
)

// A client that connects and then sends, or reads, slowly holds a
// goroutine, buffers and a file descriptor for as long as the server
// waits for it; thousands of them took the apiserver's descriptors, and
// an embedded etcd out of descriptors stops the process. So the server
// waits a bounded time for each part of an exchange (Limits):
//
//	the headers        ReadHeaderTimeout (http.Server)
//	the body           BodyTimeout: a read deadline from the start of the request until the body ends
//	the answer         RequestTimeout: the request's context and a write deadline; not for long-running requests
//	each watch event   WatchWriteTimeout (watch.go)
//	the next request   IdleTimeout (http.Server)
//
// and bounds the connections open at once (MaxConnections), and the
// kernel memory each may hold (sendBuffer).

// httpServer is an http.Server with the apiserver's timeouts.
func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.limits.ReadHeaderTimeout,
		IdleTimeout:       s.limits.IdleTimeout,
		ErrorLog:          zap.NewStdLog(s.log.Named("http").WithOptions(zap.IncreaseLevel(zap.WarnLevel))),
	}
}

// withDeadlines sets the deadlines of one request: for its body, and,
// unless it is long-running, for its answer. Every request sets its own,
// so that none inherits those of the request before it on the same
// connection.
func (s *Server) withDeadlines(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if r.Body != nil && r.Body != http.NoBody {
			rc.SetReadDeadline(time.Now().Add(s.limits.BodyTimeout))
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc, timeout: s.limits.BodyTimeout}
		}
		if longRunning(r) {
			rc.SetWriteDeadline(time.Time{})
			next.ServeHTTP(w, r)
			return
		}
		deadline := time.Now().Add(s.limits.RequestTimeout)
		rc.SetWriteDeadline(deadline)
		ctx, cancel := context.WithDeadline(r.Context(), deadline)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// deadlineBody is a request body read under a deadline. Once it has been
// read to its end, the deadline is lifted: the server goes on reading the
// connection in the background, to notice a client that hangs up, and
// that read must not fail at the body's deadline.
type deadlineBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF:
		b.rc.SetReadDeadline(time.Time{})
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = &bodyTimeoutError{timeout: b.timeout}
	}
	return n, err
}

// bodyTimeoutError says the body did not arrive in time.
type bodyTimeoutError struct{ timeout time.Duration }

func (e *bodyTimeoutError) Error() string {
	return fmt.Sprintf("the request body did not arrive within %s", e.timeout)
}

func (e *bodyTimeoutError) Unwrap() error { return os.ErrDeadlineExceeded }

// sendBuffer is the kernel's send buffer of each connection. Left to
// itself, Linux grows it to 4 MB for a client that reads fast at first,
// and keeps it when the client stops reading: 4 MB of kernel memory per
// stalled client, and 4 MB of watch events a stalled watcher absorbs
// before it even looks slow. 256 KB still moves 250 MB/s on a LAN.
const sendBuffer = 256 << 10

// limitConnections makes ln accept a connection only while fewer than
// MaxConnections are open on the server's listeners; the others wait in
// the kernel's queue.
func (s *Server) limitConnections(ln net.Listener) net.Listener {
	return &limitListener{Listener: ln, slots: s.conns, done: make(chan struct{})}
}

// limitListener is golang.org/x/net/netutil's LimitListener, with its
// slots shared by several listeners.
type limitListener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(sendBuffer)
	}
	return &slotConn{Conn: c, release: sync.OnceFunc(func() { <-l.slots })}, nil
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// slotConn gives its slot back when it is closed.
type slotConn struct {
	net.Conn
	release func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
