package dns

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Config is what a Server needs.
type Config struct {
	Domain string // the cluster domain, "cluster.local"
	Source Source // where the index is built from

	// Upstream is the resolver ("IP:port") that gets the questions the
	// cluster DNS does not own. Empty: none is ever forwarded; they are
	// refused.
	Upstream string

	// MinRebuildPeriod is the least time between two index builds:
	// changes arriving meanwhile go into one build. 0 means 100 ms.
	MinRebuildPeriod time.Duration

	Log      *zap.Logger
	Registry *prometheus.Registry // nil: no metrics
}

// Server answers DNS queries from the current index. Informer handlers
// call Changed; Run rebuilds the index; Serve answers on the sockets.
type Server struct {
	cfg      Config
	log      *zap.Logger
	metrics  *metrics
	upstream *forwarder    // nil: refuse instead of forwarding
	changed  chan struct{} // holds one pending "something changed"

	// index is swapped whole after each build, so a query reads one
	// consistent snapshot and never waits for a lock. nil until the first
	// build, which happens once the caches have synced.
	index     atomic.Pointer[Index]
	listening atomic.Bool
}

// NewServer returns a Server; it answers SERVFAIL until Rebuild has run.
func NewServer(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	if cfg.MinRebuildPeriod <= 0 {
		cfg.MinRebuildPeriod = 100 * time.Millisecond
	}
	s := &Server{cfg: cfg, log: cfg.Log, metrics: newMetrics(cfg.Registry), changed: make(chan struct{}, 1)}
	if cfg.Upstream != "" {
		s.upstream = newForwarder(cfg.Upstream)
	}
	return s
}

// Handler is the informer handler of Services and Endpoints: any change
// means "rebuild soon". A build reads everything from the caches, so
// which object changed does not matter.
func (s *Server) Handler() client.Handler {
	return client.Handler{
		OnAdd:    func(api.Object) { s.Changed() },
		OnUpdate: func(_, _ api.Object) { s.Changed() },
		OnDelete: func(api.Object) { s.Changed() },
	}
}

// PodHandler is the informer handler of Pods. Only pods that set both
// hostname and subdomain have names, so the status updates of every
// other pod cost nothing.
func (s *Server) PodHandler() client.Handler {
	named := func(obj api.Object) bool {
		pod, ok := obj.(*api.Pod)
		return ok && pod.Spec.Hostname != "" && pod.Spec.Subdomain != ""
	}
	return client.Handler{
		OnAdd: func(obj api.Object) {
			if named(obj) {
				s.Changed()
			}
		},
		OnUpdate: func(old, new api.Object) {
			if named(old) || named(new) {
				s.Changed()
			}
		},
		OnDelete: func(obj api.Object) {
			if named(obj) {
				s.Changed()
			}
		},
	}
}

// Changed asks for a rebuild. It never blocks: one pending request
// stands for any number.
func (s *Server) Changed() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// Run rebuilds the index after changes, at most once per
// MinRebuildPeriod, until ctx ends. Call Rebuild once before, after the
// caches have synced.
func (s *Server) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.changed:
		}
		select { // let the rest of a burst (a ReplicaSet scaled to 50) arrive
		case <-ctx.Done():
			return
		case <-time.After(s.cfg.MinRebuildPeriod):
		}
		select { // whatever changed while waiting is in this build
		case <-s.changed:
		default:
		}
		s.Rebuild()
	}
}

// Rebuild builds the index from a fresh snapshot and puts it in place.
// Queries already running finish with the old one.
func (s *Server) Rebuild() {
	start := time.Now()
	idx := NewIndex(s.cfg.Source.Snapshot(), s.cfg.Domain, uint32(start.Unix()))
	first := s.index.Swap(idx) == nil
	s.metrics.names.Set(float64(len(idx.names)))
	s.metrics.builds.Inc()
	logAt := s.log.Debug
	if first {
		logAt = s.log.Info
	}
	logAt("index built", zap.Int("names", len(idx.names)), zap.Duration("took", time.Since(start)))
}

// Ready says why the server cannot answer yet: the index is not built
// (the caches have not synced) or the sockets are not serving.
func (s *Server) Ready() error {
	switch {
	case s.index.Load() == nil:
		return errors.New("not synced: the caches of services, endpoints and pods are still filling")
	case !s.listening.Load():
		return errors.New("not listening for DNS queries yet")
	}
	return nil
}

// ServeDNS answers one query; the miekg/dns server calls it on its own
// goroutine for each.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	resp := s.respond(req)
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		// A UDP reply must fit the client's buffer; Truncate drops what
		// does not fit and sets the TC bit, and the client asks again
		// over TCP.
		resp.Truncate(udpSize(req))
	}
	// Counted before it is sent: a client that has its answer then finds
	// it in /metrics too.
	s.metrics.responses.WithLabelValues(dns.RcodeToString[resp.Rcode]).Inc()
	if err := w.WriteMsg(resp); err != nil {
		s.log.Debug("writing a reply", zap.Stringer("client", w.RemoteAddr()), zap.Error(err))
	}
}

// respond computes the reply to req: from the index, or from the
// upstream for a question the index says may be forwarded.
func (s *Server) respond(req *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	idx := s.index.Load()
	switch {
	case req.Opcode != dns.OpcodeQuery:
		return m.SetRcode(req, dns.RcodeNotImplemented)
	case len(req.Question) != 1:
		return m.SetRcode(req, dns.RcodeFormatError)
	case idx == nil:
		// An index built from empty caches would call every name
		// NXDOMAIN, and clients would remember that; SERVFAIL makes them
		// try again.
		return m.SetRcode(req, dns.RcodeServerFailure)
	}
	r := idx.Answer(req.Question[0])
	if r.Forward && s.upstream != nil {
		return s.forward(req)
	}
	m.SetRcode(req, r.Rcode)
	m.Authoritative = r.Rcode != dns.RcodeRefused
	m.RecursionAvailable = s.upstream != nil
	m.Compress = true
	m.Answer, m.Ns, m.Extra = r.Answer, r.Ns, r.Extra
	if req.IsEdns0() != nil {
		m.SetEdns0(ednsSize, false) // a client that speaks EDNS expects it back
	}
	return m
}

// forward relays req to the upstream and its reply back, or SERVFAIL.
func (s *Server) forward(req *dns.Msg) *dns.Msg {
	s.metrics.forwarded.Inc()
	resp, err := s.upstream.exchange(req)
	if err != nil {
		s.metrics.forwardErrors.Inc()
		s.log.Debug("forwarding failed", zap.String("name", req.Question[0].Name), zap.String("upstream", s.cfg.Upstream), zap.Error(err))
		return new(dns.Msg).SetRcode(req, dns.RcodeServerFailure)
	}
	resp.Id = req.Id
	return resp
}

// ednsSize is the UDP payload the server offers EDNS clients: the size
// that avoids IP fragmentation on common links (DNS flag day 2020).
const ednsSize = 1232

// udpSize is the largest UDP reply the client of req can take.
func udpSize(req *dns.Msg) int {
	if opt := req.IsEdns0(); opt != nil {
		return max(dns.MinMsgSize, min(int(opt.UDPSize()), ednsSize))
	}
	return dns.MinMsgSize
}
