package kubelet

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"kubelab/pkg/kubelet/runtime"
)

// metrics are what /metrics shows about this node's pods. Each kubelet has
// its own registry, so that several simulated nodes can run in one process.
type metrics struct {
	runningPods       prometheus.Gauge
	runningContainers prometheus.Gauge
	podStart          prometheus.Histogram
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		runningPods: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kubelet_running_pods", Help: "Pods with a running sandbox on this node.",
		}),
		runningContainers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kubelet_running_containers", Help: "Running containers of pods on this node, sandboxes excluded.",
		}),
		podStart: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kubelet_pod_start_duration_seconds",
			Help:    "Time from the kubelet first seeing a pod to all its containers running.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}),
	}
	reg.MustRegister(m.runningPods, m.runningContainers, m.podStart,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// count sets the gauges from a runtime listing.
func (m *metrics) count(cs []runtime.Container) {
	var pods, containers int
	for _, c := range cs {
		switch {
		case c.State != runtime.ContainerRunning:
		case c.IsSandbox():
			pods++
		default:
			containers++
		}
	}
	m.runningPods.Set(float64(pods))
	m.runningContainers.Set(float64(containers))
}

// handler serves the kubelet's own endpoints: /healthz, /metrics, and
// those the apiserver proxies pods/{name}/log (streams.go), exec and
// attach (streams_remotecommand.go) and portforward
// (streams_portforward.go) to.
func handler(reg *prometheus.Registry, streams *streamServer) http.Handler {
	mux := http.NewServeMux()
	streams.register(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

// serve serves h on l until ctx is done.
func serve(ctx context.Context, l net.Listener, h http.Handler, log *zap.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	log.Info("serving /healthz, /metrics, and pods' logs, exec, attach and port-forward", zap.String("address", l.Addr().String()))
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
