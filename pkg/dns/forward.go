package dns

import (
	"time"

	"github.com/miekg/dns"
)

// forwarder asks an upstream resolver, for a lab that lets pods resolve
// names outside the cluster. Only a Server with Config.Upstream has one:
// with none, nothing ever leaves the cluster DNS.
type forwarder struct {
	addr     string // "IP:port"
	udp, tcp *dns.Client
}

// forwardTimeout bounds each attempt. A client's resolver waits about 5 s
// before it asks again, so one UDP and one TCP attempt fit in that.
const forwardTimeout = 2 * time.Second

func newForwarder(addr string) *forwarder {
	return &forwarder{
		addr: addr,
		udp:  &dns.Client{Net: "udp", Timeout: forwardTimeout},
		tcp:  &dns.Client{Net: "tcp", Timeout: forwardTimeout},
	}
}

// exchange asks over UDP, and again over TCP when the answer came back
// truncated: the client gets the whole answer, cut to its own buffer
// later only if it must be.
func (f *forwarder) exchange(req *dns.Msg) (*dns.Msg, error) {
	resp, _, err := f.udp.Exchange(req, f.addr)
	if err == nil && resp.Truncated {
		resp, _, err = f.tcp.Exchange(req, f.addr)
	}
	return resp, err
}
