package apiserver

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	watchers prometheus.Gauge
	// unauthorized and forbidden count the requests refused with 401
	// (authn.go) and 403 by the authorizers (authz.go).
	unauthorized prometheus.Counter
	forbidden    prometheus.Counter
	// panics counts the requests whose handler panicked (panics.go).
	panics prometheus.Counter
	// terminatedWatchers counts the watches closed because their client
	// could not keep up (watch.go).
	terminatedWatchers *prometheus.CounterVec
	// dropped and inflight are the requests refused with 429 and those
	// being served, by kind: readOnly or mutating (inflight.go).
	dropped  *prometheus.CounterVec
	inflight *prometheus.GaugeVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_request_total", Help: "API requests by verb, resource and HTTP code.",
		}, []string{"verb", "resource", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "apiserver_request_duration_seconds", Help: "API request latency by verb and resource (watches excluded).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"verb", "resource"}),
		watchers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "apiserver_registered_watchers", Help: "Open watch streams.",
		}),
		unauthorized: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "apiserver_unauthorized_total", Help: "Requests refused with 401 Unauthorized: no or wrong credentials.",
		}),
		forbidden: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "apiserver_forbidden_total", Help: "Requests the authorizers refused with 403 Forbidden.",
		}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "apiserver_panics_total", Help: "Requests whose handler panicked; each got a 500.",
		}),
		terminatedWatchers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_terminated_watchers_total", Help: "Watches closed because their client could not keep up, by resource.",
		}, []string{"resource"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_dropped_requests_total", Help: "Requests refused with 429 Too Many Requests, by kind (readOnly, mutating).",
		}, []string{"request_kind"}),
		inflight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apiserver_current_inflight_requests", Help: "Requests being served, long-running ones excepted, by kind.",
		}, []string{"request_kind"}),
	}
	reg.MustRegister(m.requests, m.latency, m.watchers, m.unauthorized, m.forbidden, m.panics, m.terminatedWatchers, m.dropped, m.inflight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(verb, resource string, code int, d time.Duration) {
	m.requests.WithLabelValues(verb, resource, strconv.Itoa(code)).Inc()
	if verb != "watch" {
		m.latency.WithLabelValues(verb, resource).Observe(d.Seconds())
	}
}
