package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/encryption"
	"kubelab/pkg/store"
)

// Config is what an apiserver needs: a store and the address ranges it
// hands out.
type Config struct {
	Store         *store.Store
	Logger        *zap.Logger
	ServiceCIDR   string // ClusterIPs come from here; default 10.96.0.0/12
	ClusterCIDR   string // node pod CIDRs come from here; default 10.244.0.0/16
	NodeCIDRSize  int    // prefix length of each node's pod CIDR; default 24
	NodePortRange string // default 30000-32767
	// MaxRequestBytes bounds a request body; default 3 MiB as Kubernetes.
	MaxRequestBytes int64
	// Registry is the Prometheus registry for /metrics; default a new one.
	Registry *prometheus.Registry
	// AdvertiseAddress and AdvertisePort are where this apiserver is
	// reached: AdvertisePort is the port of Run's address. Without them
	// the server keeps no kubernetes Service (see RunKubernetesService).
	AdvertiseAddress string
	AdvertisePort    int32
	// ReadOnlyPort is the port of the read-only view of the API
	// (readonly.go), which Run serves on the host of its address; 0 for
	// none. When set, it is where pods are sent: the kubernetes Endpoints
	// carry it instead of AdvertisePort.
	ReadOnlyPort int32
	// Limits bound what clients can make the server hold; the zero value
	// takes the defaults (limits.go).
	Limits Limits
	// Encryption encrypts the resources it names before they reach etcd
	// (encryption.go); nil stores everything in plaintext.
	Encryption *encryption.Config
}

// Server is the HTTP API. It is safe for concurrent use and holds no
// state of its own beyond configuration and what it serves at the moment
// (requests in flight, and the recent events of watched resources, a
// cache of etcd's).
type Server struct {
	store   *store.Store
	log     *zap.Logger
	alloc   *allocator
	maxBody int64
	metrics *metrics
	reg     *prometheus.Registry
	// advertise is where pods reach this apiserver: the read-only port
	// when there is one.
	advertise struct {
		ip   string
		port int32
	}
	readOnlyPort int32 // 0: Run serves no read-only port
	limits       Limits
	watches      *store.Broadcaster // one etcd watch per resource, fanned out
	inflight     inflight           // requests being served, by kind (inflight.go)
	conns        chan struct{}      // one token per open connection, both ports (deadlines.go)
	encryption   *encryption.Config // nil: plaintext
}

// New checks the configuration and builds a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("apiserver: a store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.ServiceCIDR == "" {
		cfg.ServiceCIDR = "10.96.0.0/12"
	}
	if cfg.ClusterCIDR == "" {
		cfg.ClusterCIDR = "10.244.0.0/16"
	}
	if cfg.NodeCIDRSize == 0 {
		cfg.NodeCIDRSize = 24
	}
	if cfg.NodePortRange == "" {
		cfg.NodePortRange = "30000-32767"
	}
	if cfg.MaxRequestBytes == 0 {
		cfg.MaxRequestBytes = 3 << 20
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if ip := cfg.AdvertiseAddress; ip != "" && (net.ParseIP(ip) == nil || cfg.AdvertisePort < 1 || cfg.AdvertisePort > 65535) {
		return nil, fmt.Errorf("apiserver: advertise address %s:%d: must be an IP address and a port", ip, cfg.AdvertisePort)
	}
	if p := cfg.ReadOnlyPort; p < 0 || p > 65535 || p != 0 && p == cfg.AdvertisePort {
		return nil, fmt.Errorf("apiserver: read-only port %d: must be 0 (none) or a port other than the API's (%d)", p, cfg.AdvertisePort)
	}
	alloc, err := newAllocator(cfg.Store, cfg.ServiceCIDR, cfg.ClusterCIDR, cfg.NodeCIDRSize, cfg.NodePortRange)
	if err != nil {
		return nil, err
	}
	limits := cfg.Limits.withDefaults()
	s := &Server{store: cfg.Store, log: cfg.Logger, alloc: alloc, maxBody: cfg.MaxRequestBytes,
		metrics: newMetrics(cfg.Registry), reg: cfg.Registry, limits: limits, watches: store.NewBroadcaster(cfg.Store),
		inflight: newInflight(limits), conns: make(chan struct{}, limits.MaxConnections), encryption: cfg.Encryption}
	s.advertise.ip, s.advertise.port = cfg.AdvertiseAddress, cfg.AdvertisePort
	if s.readOnlyPort = cfg.ReadOnlyPort; s.readOnlyPort != 0 {
		s.advertise.port = s.readOnlyPort // pods get the read-only view (readonly.go)
	}
	return s, nil
}

// Bootstrap creates the namespaces every cluster has (default,
// kube-system, kube-public) when they are missing, and labels kube-system
// privileged (podsecurity.go) if it is not. It reads before it
// writes, so that an apiserver starts on an etcd that refuses writes (a
// full one, see store.NoSpaceError) as long as they exist. It is
// idempotent; call it once at start.
func (s *Server) Bootstrap(ctx context.Context) error {
	namespaces := mustResource("namespaces")
	for _, name := range []string{"default", "kube-system", "kube-public"} {
		_, err := s.store.Get(ctx, objectKey(namespaces, "", name))
		if err == nil {
			if err := s.ensureLabels(ctx, name, bootstrapLabels[name]); err != nil {
				return err
			}
			continue
		}
		if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("read namespace %s: %w", name, err)
		}
		ns := &api.Namespace{ObjectMeta: api.ObjectMeta{Name: name, Labels: maps.Clone(bootstrapLabels[name])}}
		_, st := s.create(ctx, requestInfo{resource: namespaces, verb: "create"}, ns)
		if st != nil && st.Reason != "AlreadyExists" {
			return fmt.Errorf("create namespace %s: %s", name, st.Message)
		}
	}
	return nil
}

func mustResource(name string) api.Resource {
	r, ok := api.Lookup(name)
	if !ok {
		panic("apiserver: unknown resource " + name)
	}
	return r
}

// Handler returns the HTTP handler for the whole API. Every request goes
// through the same filters first, outermost first:
//
//	recoverPanics   a panic becomes a 500 Status and a log line, never a dropped connection (panics.go)
//	withDeadlines   the body must arrive, and the answer leave, in bounded time (deadlines.go)
//	limitInflight   at most so many requests at once, else 429 (inflight.go)
//
// (Kubernetes' DefaultBuildHandlerChain has the same, among others:
// WithPanicRecovery, WithTimeoutForNonLongRunningRequests,
// WithMaxInFlightLimit.)
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", s.serveHealth)
	mux.HandleFunc("/livez", s.serveHealth)
	mux.HandleFunc("/readyz", s.serveReady)
	mux.Handle("/metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, versionInfo())
	})
	mux.HandleFunc("/", s.serveAPI)
	return s.recoverPanics(s.withDeadlines(s.limitInflight(mux)))
}

// serveAPI routes discovery paths and resource paths.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if r.Method == http.MethodGet {
		switch {
		case path == "/api":
			s.serveAPIVersions(w, r)
			return
		case path == "/apis":
			s.serveAPIGroups(w, r)
			return
		case len(parts) == 2 && parts[0] == "api":
			if !s.serveResourceList(w, "", parts[1]) {
				writeStatus(w, notFoundPath(path))
			}
			return
		case len(parts) == 2 && parts[0] == "apis":
			if !s.serveGroup(w, parts[1]) {
				writeStatus(w, notFoundPath(path))
			}
			return
		case len(parts) == 3 && parts[0] == "apis":
			if !s.serveResourceList(w, parts[1], parts[2]) {
				writeStatus(w, notFoundPath(path))
			}
			return
		}
	}
	info, st := requestInfoOf(r)
	if st != nil {
		writeStatus(w, st)
		return
	}
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
	s.serveResource(rec, r, info)
	resource := info.resource.Name
	if info.subresource != "" {
		resource += "/" + info.subresource
	}
	s.metrics.observe(info.verb, resource, rec.code, time.Since(start))
	if rec.code >= 500 {
		s.log.Error("request failed", zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Int("code", rec.code))
	} else {
		s.log.Debug("request", zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Int("code", rec.code))
	}
}

// statusRecorder remembers the response code for metrics and logs, and
// whether the response has begun (for recoverPanics).
type statusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.code, r.wrote = http.StatusOK, true
	}
	return r.ResponseWriter.Write(b)
}

// Flush lets watch streams push each event out at once.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		b, _ = json.Marshal(internalError(err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

func writeStatus(w http.ResponseWriter, st *api.Status) {
	st.APIVersion, st.Kind, st.Status = "v1", "Status", "Failure"
	writeJSON(w, int(st.Code), st)
}

// Run serves the API on addr and, when the server has a read-only port,
// the read-only view on the same host at that port, until ctx is
// cancelled; then it shuts down, giving open requests a few seconds to
// finish.
func (s *Server) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	if s.readOnlyPort == 0 {
		return s.Serve(ctx, ln)
	}
	host, _, _ := net.SplitHostPort(addr) // net.Listen took it, so it splits
	roAddr := net.JoinHostPort(host, strconv.Itoa(int(s.readOnlyPort)))
	ro, err := net.Listen("tcp", roAddr)
	if err != nil {
		ln.Close()
		return fmt.Errorf("listen on %s (the read-only port): %w", roAddr, err)
	}
	return s.serveBoth(ctx, ln, ro)
}

// serveBoth serves the API on ln and the read-only view on ro until ctx
// is cancelled or either fails, which stops the other.
func (s *Server) serveBoth(ctx context.Context, ln, ro net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- s.Serve(ctx, ln) }()
	go func() { errc <- s.ServeReadOnly(ctx, ro) }()
	err := <-errc // nil when ctx ended
	cancel()
	return errors.Join(err, <-errc)
}

// Serve is Run on a listener the caller made (tests use port 0), without
// the read-only port.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s.Handler(), "serving the API")
}

// serve runs one HTTP server with the apiserver's settings until ctx is
// cancelled.
func (s *Server) serve(ctx context.Context, ln net.Listener, h http.Handler, what string) error {
	srv := s.httpServer(h)
	srv.BaseContext = func(net.Listener) context.Context { return ctx }
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(s.limitConnections(ln)) }()
	s.log.Info(what, zap.String("address", ln.Addr().String()))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		srv.Shutdown(shutCtx)
		return nil
	}
}
