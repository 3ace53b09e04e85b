package proxy

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are what the proxy serves on /metrics.
type metrics struct {
	syncDuration *prometheus.HistogramVec // by kind: full, partial
	syncErrors   prometheus.Counter
	rules        *prometheus.GaugeVec // by table
	services     prometheus.Gauge
	servicePorts prometheus.Gauge
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		syncDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "proxy_sync_duration_seconds",
			Help:    "Time to compute and apply the rules, by kind: full (every chain written) or partial (only changed chains).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16), // 1 ms to 33 s
		}, []string{"kind"}),
		syncErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "proxy_sync_errors_total",
			Help: "Syncs that failed to apply the rules; the next sync is a full one.",
		}),
		rules: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "proxy_rules",
			Help: "Rules in the proxy's own chains after the last successful sync, by table.",
		}, []string{"table"}),
		services: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "proxy_services",
			Help: "Services that have rules (not headless, not ExternalName).",
		}),
		servicePorts: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "proxy_service_ports",
			Help: "Service ports that have rules; each has a KLAB-SVC chain or a REJECT rule.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.syncDuration, m.syncErrors, m.rules, m.services, m.servicePorts)
	}
	return m
}

// observe records the state after a successful sync.
func (m *metrics) observe(r *Ruleset) {
	for _, t := range r.Tables {
		m.rules.WithLabelValues(t.Name).Set(float64(r.RuleCount(t.Name)))
	}
	services := map[string]bool{}
	for _, sp := range r.Ports {
		services[serviceOf(sp.Name)] = true
	}
	m.services.Set(float64(len(services)))
	m.servicePorts.Set(float64(len(r.Ports)))
}

// serviceOf is "ns/name" of a port name "ns/name:port".
func serviceOf(portName string) string {
	if i := strings.LastIndexByte(portName, ':'); i >= 0 {
		return portName[:i]
	}
	return portName
}
