package apiserver

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
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
	// Limits bound what clients can make the server hold; the zero value
	// takes the defaults (limits.go).
	Limits Limits
	// Encryption encrypts the resources it names before they reach etcd
	// (encryption.go); nil stores everything in plaintext.
	Encryption *encryption.Config
	// TLS is the serving configuration of the API: its certificate, and
	// the cluster CA that client certificates must be signed by
	// (ServingTLS builds one). Required: the API is served over HTTPS
	// only.
	TLS *tls.Config
	// Authenticator finds who sends each request (authn.go). Required.
	Authenticator auth.Authenticator
	// KubeletTLS is how the apiserver reaches kubelets for pods' logs and
	// exec: its client certificate, and in RootCAs the CA that signs the
	// kubelets' serving certificates (KubeletClientTLS builds one). nil:
	// those requests get 503.
	KubeletTLS *tls.Config
	// ServiceAccounts signs and checks ServiceAccount tokens (tokens.go);
	// nil: no tokens are handed out, and none are accepted.
	ServiceAccounts *ServiceAccounts
	// ClusterCA is the cluster CA's certificate (PEM), published with the
	// advertised address in kube-public/cluster-info for joining nodes
	// (clusterinfo.go); nil publishes nothing.
	ClusterCA []byte
	// Tolerations are the tolerationSeconds new pods get for the
	// not-ready and unreachable taints (tolerations_admission.go).
	Tolerations TolerationDefaults
	// Profiling serves Go's profiler under /debug/pprof/ to the users
	// RBAC allows (profiling.go).
	Profiling bool
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
	// advertise is where pods reach this apiserver (the kubernetes
	// Service's Endpoints, cluster-info).
	advertise struct {
		ip   string
		port int32
	}
	limits      Limits
	watches     *store.Broadcaster // one etcd watch per resource, fanned out
	inflight    inflight           // requests being served, by kind (inflight.go)
	conns       chan struct{}      // one token per open connection, both ports (deadlines.go)
	encryption  *encryption.Config // nil: plaintext
	tls         *tls.Config
	kubeletTLS  *tls.Config // nil: no logs or exec (nodeproxy.go)
	authn       auth.Authenticator
	authz       auth.Authorizer   // system:masters, then Node, then RBAC (authz.go)
	rbac        *auth.RBAC        // also asked by the escalation checks (rbacadmission.go)
	caches      *authCaches       // what the authorizers read (authcache.go)
	tokens      *auth.TokenIssuer // nil: no ServiceAccount tokens (tokens.go)
	audiences   []string          // what tokens are for, by default
	maxTokenTTL time.Duration
	clusterCA   []byte // PEM; for cluster-info

	// tolerations are added to the pods written (tolerations_admission.go).
	tolerations TolerationDefaults
	profiling   bool // serve /debug/pprof/ (profiling.go)
}

// New checks the configuration and builds a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("apiserver: a store is required")
	}
	if cfg.TLS == nil || len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetCertificate == nil {
		return nil, errors.New("apiserver: a TLS serving certificate is required: the API is served over HTTPS only")
	}
	if cfg.Authenticator == nil {
		return nil, errors.New("apiserver: an authenticator is required")
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
	alloc, err := newAllocator(cfg.Store, cfg.ServiceCIDR, cfg.ClusterCIDR, cfg.NodeCIDRSize, cfg.NodePortRange)
	if err != nil {
		return nil, err
	}
	limits := cfg.Limits.withDefaults()
	s := &Server{store: cfg.Store, log: cfg.Logger, alloc: alloc, maxBody: cfg.MaxRequestBytes,
		metrics: newMetrics(cfg.Registry), reg: cfg.Registry, limits: limits, watches: store.NewBroadcaster(cfg.Store),
		inflight: newInflight(limits), conns: make(chan struct{}, limits.MaxConnections), encryption: cfg.Encryption,
		tls: cfg.TLS, kubeletTLS: cfg.KubeletTLS}
	s.caches = newAuthCaches(s)
	// Bootstrap tokens (Secrets in kube-system) come after the given
	// authenticators; ServiceAccount tokens, when configured, last.
	authns := []auth.Authenticator{cfg.Authenticator, auth.NewBootstrapTokenAuthenticator(secretLookup{s})}
	if sa := cfg.ServiceAccounts; sa != nil {
		if sa.Issuer == "" {
			sa.Issuer = DefaultIssuer
		}
		if len(sa.Audiences) == 0 {
			sa.Audiences = []string{sa.Issuer}
		}
		if sa.MaxExpiration == 0 {
			sa.MaxExpiration = 48 * time.Hour
		}
		s.audiences, s.maxTokenTTL = sa.Audiences, sa.MaxExpiration
		if sa.SigningKey != nil {
			if s.tokens, err = auth.NewTokenIssuer(sa.SigningKey, sa.Issuer); err != nil {
				return nil, err
			}
		}
		authns = append(authns, auth.NewServiceAccountAuthenticator(sa.Keys, sa.Issuer, sa.Audiences, saLookup{s}))
	}
	s.authn = auth.WithAuthenticatedGroup(auth.Union(authns...))
	s.rbac = auth.NewRBAC(rbacSource{s.caches})
	s.authz = authorizers{mastersAuthorizer{}, auth.NewNodeAuthorizer(nodeGraph{s.caches, s}), s.rbac}
	s.advertise.ip, s.advertise.port = cfg.AdvertiseAddress, cfg.AdvertisePort
	s.clusterCA = cfg.ClusterCA
	s.tolerations = cfg.Tolerations.withDefaults()
	s.profiling = cfg.Profiling
	return s, nil
}

// Bootstrap creates the namespaces every cluster has (default,
// kube-system, kube-public, kube-node-lease) when they are missing, labels kube-system
// privileged (podsecurity.go) if it is not, and puts in place the default
// roles and bindings (policy.go). It reads before it
// writes, so that an apiserver starts on an etcd that refuses writes (a
// full one, see store.NoSpaceError) as long as they exist. It is
// idempotent; call it once at start.
func (s *Server) Bootstrap(ctx context.Context) error {
	namespaces := mustResource("namespaces")
	// kube-node-lease holds the nodes' heartbeat Leases; like Kubernetes'
	// system namespaces controller, it is made here but not protected.
	for _, name := range []string{"default", "kube-system", "kube-public", api.NamespaceNodeLease} {
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
	if err := s.ensurePolicy(ctx); err != nil {
		return err
	}
	return s.ensureClusterInfo(ctx)
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
//	withRequestInfo the path read once: resource, namespace, name, verb (request.go)
//	withDeadlines   the body must arrive, and the answer leave, in bounded time (deadlines.go)
//	limitInflight   at most so many requests at once, else 429 (inflight.go)
//
//	authenticate    who is calling: a client certificate or a token, else 401 (authn.go)
//	authorize       may they: system:masters, the Node authorizer, RBAC, else 403 (authz.go)
//
// (Kubernetes' DefaultBuildHandlerChain has the same, among others:
// WithPanicRecovery, WithRequestInfo, WithTimeoutForNonLongRunningRequests,
// WithMaxInFlightLimit, WithAuthentication, WithAuthorization.)
func (s *Server) Handler() http.Handler {
	return s.recoverPanics(withRequestInfo(s.withDeadlines(s.limitInflight(s.authenticate(s.authorize(s.routes()))))))
}

// routes maps paths to their handlers, behind no filter.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", s.serveHealth)
	mux.HandleFunc("/livez", s.serveHealth)
	mux.HandleFunc("/readyz", s.serveReady)
	mux.Handle("/metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, versionInfo())
	})
	s.registerOpenAPI(mux) // /openapi/v2, /openapi/v3 (openapi.go)
	if s.profiling {
		registerProfiling(mux) // /debug/pprof/ (profiling.go)
	}
	mux.HandleFunc("/", s.serveAPI)
	return mux
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
	if rr, ok := reviewOf(path); ok {
		s.serveReview(w, r, rr)
		return
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

// Run serves the API over HTTPS on addr until ctx is cancelled; then it
// shuts down, giving open requests a few seconds to finish.
func (s *Server) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is Run on a listener the caller made (tests use port 0).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s.tls, s.Handler(), "serving the API over HTTPS")
}

// serve runs one HTTP server with the apiserver's settings until ctx is
// cancelled; over TLS unless tc is nil. The TLS layer goes on top of the
// connection limit, so that the HTTP server sees *tls.Conn connections
// and hands each request its client certificate.
func (s *Server) serve(ctx context.Context, ln net.Listener, tc *tls.Config, h http.Handler, what string) error {
	srv := s.httpServer(h)
	srv.BaseContext = func(net.Listener) context.Context { return ctx }
	ln = s.limitConnections(ln)
	if tc != nil {
		ln = tls.NewListener(ln, tc)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
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
