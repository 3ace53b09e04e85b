package kctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/moby/spdystream"
	"github.com/spf13/cobra"

	"kubelab/pkg/streaming"
)

// Port-forward as kubectl 1.37 does it: a WebSocket to
// pods/{name}/portforward with subprotocol SPDY/3.1+portforward.k8s.io,
// carrying a SPDY connection (streaming.TunnelConn). For each connection
// accepted on a local port kctl opens an error stream and a data stream
// with the same port and requestID headers; the kubelet connects the data
// stream to the pod's port and reports a failure on the error stream.

func newPortForwardCommand(g *globals) *cobra.Command {
	var addresses []string
	cmd := &cobra.Command{
		Use:   "port-forward POD [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]",
		Short: "Forward local ports to a pod",
		Long: "Port-forward listens on local ports and forwards each connection to a port of the pod,\n" +
			"through the apiserver and the kubelet of the pod's node, until interrupted.",
		Example: "  kctl port-forward kubia 8080:8080\n  kctl port-forward pod/kubia :8080 --address 0.0.0.0",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := podArg(args[0])
			if err != nil {
				return err
			}
			ports, err := parsePorts(args[1:])
			if err != nil {
				return err
			}
			return runPortForward(cmd.Context(), g, name, addresses, ports)
		},
	}
	cmd.Flags().StringSliceVar(&addresses, "address", []string{"localhost"}, "addresses to listen on (comma-separated); localhost is 127.0.0.1 and ::1")
	return cmd
}

// forwardedPort is one LOCAL:REMOTE pair; local 0 picks a free port.
type forwardedPort struct{ local, remote uint16 }

// parsePorts reads kubectl's port arguments: 8080, 8080:80, :80.
func parsePorts(args []string) ([]forwardedPort, error) {
	var out []forwardedPort
	for _, a := range args {
		local, remote, pair := strings.Cut(a, ":")
		if !pair {
			local, remote = a, a
		}
		r, err := strconv.ParseUint(remote, 10, 16)
		if err != nil || r == 0 {
			return nil, fmt.Errorf("error parsing remote port %q in %q: must be a number in 1-65535", remote, a)
		}
		var l uint64
		if local != "" {
			if l, err = strconv.ParseUint(local, 10, 16); err != nil {
				return nil, fmt.Errorf("error parsing local port %q in %q: must be a number in 0-65535", local, a)
			}
		}
		out = append(out, forwardedPort{uint16(l), uint16(r)})
	}
	return out, nil
}

func runPortForward(ctx context.Context, g *globals, pod string, addresses []string, ports []forwardedPort) error {
	ws, err := dialWebSocket(ctx, g, podsPath(g, pod, "portforward"), url.Values{},
		streaming.TunnelPrefix+streaming.PortForward)
	if err != nil {
		return err
	}
	conn := streaming.NewTunnelConn(ws)
	defer conn.Close()
	sc, err := spdystream.NewConnection(conn, false)
	if err != nil {
		return err
	}
	go sc.Serve(spdystream.NoOpStreamHandler)
	defer sc.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	var requests atomic.Int64
	for _, p := range ports {
		for _, addr := range listenAddresses(addresses) {
			l, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(int(p.local))))
			if err != nil {
				fmt.Fprintf(g.errOut, "Unable to listen on port %d: %v\n", p.local, err)
				continue
			}
			listeners = append(listeners, l)
			local := l.Addr().(*net.TCPAddr)
			fmt.Fprintf(g.out, "Forwarding from %s -> %d\n", net.JoinHostPort(addr, strconv.Itoa(local.Port)), p.remote)
			go acceptLoop(l, func(c net.Conn) {
				fmt.Fprintf(g.out, "Handling connection for %d\n", local.Port)
				forwardConn(g, sc, c, local.Port, p.remote, requests.Add(1)-1)
			})
		}
	}
	if len(listeners) == 0 {
		return errors.New("unable to listen on any of the requested ports")
	}
	select {
	case <-ctx.Done():
		return nil
	case <-sc.CloseChan():
		return errors.New("lost connection to pod")
	}
}

// listenAddresses resolves localhost to both loopback addresses, as
// kubectl does.
func listenAddresses(addresses []string) []string {
	var out []string
	for _, a := range addresses {
		if a == "localhost" {
			out = append(out, "127.0.0.1", "::1")
			continue
		}
		out = append(out, a)
	}
	return out
}

func acceptLoop(l net.Listener, handle func(net.Conn)) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go handle(c)
	}
}

// forwardConn carries one local connection over a pair of streams.
func forwardConn(g *globals, sc *spdystream.Connection, c net.Conn, local int, remote uint16, id int64) {
	defer c.Close()
	h := http.Header{}
	h.Set("streamType", "error")
	h.Set("port", strconv.Itoa(int(remote)))
	h.Set("requestID", strconv.FormatInt(id, 10))
	errStream, err := sc.CreateStream(h, nil, false)
	if err == nil {
		err = errStream.Wait()
	}
	if err != nil {
		fmt.Fprintf(g.errOut, "error creating error stream for port %d -> %d: %v\n", local, remote, err)
		return
	}
	errStream.Close() // kctl sends nothing on it
	h.Set("streamType", "data")
	data, err := sc.CreateStream(h, nil, false)
	if err == nil {
		err = data.Wait()
	}
	if err != nil {
		fmt.Fprintf(g.errOut, "error creating forwarding stream for port %d -> %d: %v\n", local, remote, err)
		return
	}
	failed := make(chan string, 1)
	go func() {
		msg, _ := io.ReadAll(errStream)
		failed <- string(msg)
	}()
	go func() {
		io.Copy(data, c)
		data.Close() // the pod's end sees EOF
	}()
	io.Copy(c, data)
	c.Close() // the local client's answer is complete
	if msg := <-failed; msg != "" {
		fmt.Fprintf(g.errOut, "error: an error occurred forwarding %d -> %d: %s\n", local, remote, msg)
	}
}
