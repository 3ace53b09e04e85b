package component

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// NewRegistry returns a Prometheus registry with the Go runtime and
// process collectors, to which a component adds its own metrics.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// ServeHealth serves /healthz and /readyz (ok while healthy returns nil)
// and /metrics on addr until ctx ends. An empty addr serves nothing.
func ServeHealth(ctx context.Context, addr string, reg *prometheus.Registry, healthy func() error, log *zap.Logger) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s for /healthz and /metrics: %w", addr, err)
	}
	return ServeProbes(ctx, ln, reg, healthy, healthy, log)
}

// ServeProbes serves, on ln until ctx ends, what a pod's probes and
// Prometheus ask for:
//
//	/healthz  200 while healthy returns nil: a livenessProbe restarts the process otherwise
//	/readyz   200 while ready returns nil: a readinessProbe keeps the pod out of its
//	          Service's endpoints otherwise (say, while its caches still fill)
//	/metrics  Prometheus text
//
// A nil func always answers ok.
func ServeProbes(ctx context.Context, ln net.Listener, reg *prometheus.Registry, healthy, ready func() error, log *zap.Logger) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", probe(healthy))
	mux.HandleFunc("/readyz", probe(ready))
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	log.Info("serving /healthz, /readyz and /metrics", zap.String("address", ln.Addr().String()))
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// probe answers 200 "ok" while check returns nil, else 503 with its error.
func probe(check func() error) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if check != nil {
			if err := check(); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ok")
	}
}
