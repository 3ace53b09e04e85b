package proxy

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are what the proxy serves on /metrics.
type metrics struct {
	syncDuration *prometheus.HistogramVec // by kind: full, partial
	syncErrors   prometheus.Counter
	// changesSkipped counts the looks at changed services that found
	// their rules unchanged, so that no sync was needed.
	changesSkipped prometheus.Counter
	syncWait       prometheus.Histogram
	rules          *prometheus.GaugeVec // by table
	services       prometheus.Gauge
	servicePorts   prometheus.Gauge
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
		changesSkipped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "proxy_changes_skipped_total",
			Help: "Changes of Services or Endpoints that altered no rule (a pod not ready yet, a status), so cost no sync.",
		}),
		syncWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "proxy_sync_wait_seconds",
			Help: "Time from a change that alters the rules to the start of the sync that applies it: " +
				"near 0 for a lone change, up to --min-sync-period in a storm.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16), // 0.1 ms to 3.3 s
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
		reg.MustRegister(m.syncDuration, m.syncErrors, m.changesSkipped, m.syncWait, m.rules, m.services, m.servicePorts)
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
