package dns

import "github.com/prometheus/client_golang/prometheus"

// metrics are what the server serves on /metrics.
type metrics struct {
	responses     *prometheus.CounterVec // by rcode
	forwarded     prometheus.Counter
	forwardErrors prometheus.Counter
	names         prometheus.Gauge
	builds        prometheus.Counter
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		responses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dns_responses_total",
			Help: "Replies sent, by rcode (NOERROR, NXDOMAIN, REFUSED, SERVFAIL, ...), forwarded ones included.",
		}, []string{"rcode"}),
		forwarded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dns_forwarded_total",
			Help: "Queries sent on to the upstream resolver (only with --upstream).",
		}),
		forwardErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dns_forward_errors_total",
			Help: "Forwarded queries the upstream did not answer; the client got SERVFAIL.",
		}),
		names: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dns_index_names",
			Help: "Names in the current index, empty non-terminals included.",
		}),
		builds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dns_index_builds_total",
			Help: "Times the index was built from the caches.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.responses, m.forwarded, m.forwardErrors, m.names, m.builds)
	}
	return m
}
