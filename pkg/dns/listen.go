package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"

	"github.com/miekg/dns"
)

// Listeners are the server's two sockets, on one address and port:
// clients ask over UDP, and ask again over TCP when an answer comes back
// truncated (a headless service with many pods), at the same port.
type Listeners struct {
	UDP net.PacketConn
	TCP net.Listener
}

// Listen opens UDP and TCP on addr (":53"). With port 0 the kernel picks
// UDP's port and TCP takes the same one; another program may hold that
// one for TCP, so it tries a few times.
func Listen(addr string) (*Listeners, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		udp, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen on %s/udp: %w", addr, err)
		}
		tcpAddr := net.JoinHostPort(host, strconv.Itoa(udp.LocalAddr().(*net.UDPAddr).Port))
		tcp, err := net.Listen("tcp", tcpAddr)
		if err == nil {
			return &Listeners{UDP: udp, TCP: tcp}, nil
		}
		udp.Close()
		if port != "0" || attempt == 10 {
			return nil, fmt.Errorf("listen on %s/tcp: %w", tcpAddr, err)
		}
	}
}

// Addr is the address both sockets listen on, such as "127.0.0.1:40053".
func (l *Listeners) Addr() string { return l.UDP.LocalAddr().String() }

// Close closes both sockets.
func (l *Listeners) Close() error {
	return errors.Join(l.UDP.Close(), l.TCP.Close())
}

// Serve answers queries on ls until ctx ends or a socket fails, then
// closes ls. Ready reports true while both sockets serve.
func (s *Server) Serve(ctx context.Context, ls *Listeners) error {
	var started atomic.Int32
	notify := func() {
		if started.Add(1) == 2 {
			s.listening.Store(true)
		}
	}
	servers := []*dns.Server{
		{PacketConn: ls.UDP, Handler: s, UDPSize: dns.DefaultMsgSize, NotifyStartedFunc: notify},
		{Listener: ls.TCP, Handler: s, NotifyStartedFunc: notify},
	}
	errc := make(chan error, len(servers))
	for _, srv := range servers {
		go func() { errc <- srv.ActivateAndServe() }()
	}
	var err error
	running := len(servers)
	select {
	case <-ctx.Done():
	case err = <-errc: // one socket failed: the server is not whole, stop the other
		running--
	}
	s.listening.Store(false)
	for _, srv := range servers {
		srv.Shutdown() // an error only says it had not started, or had stopped already
	}
	ls.Close() // a server that had not started yet returns at once
	for ; running > 0; running-- {
		<-errc
	}
	if err != nil {
		return fmt.Errorf("serving DNS on %s: %w", ls.Addr(), err)
	}
	return nil
}
