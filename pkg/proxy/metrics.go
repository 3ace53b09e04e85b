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
	elements       prometheus.Gauge     // in the nftables mode's sets and maps
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
			Help: "Rules in the proxy's own chains after the last successful sync, by table: filter and nat (iptables mode), ip kubelab (nftables mode).",
		}, []string{"table"}),
		elements: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "proxy_set_elements",
			Help: "Elements of the nftables mode's sets and maps after the last successful sync (0 in the iptables mode).",
		}),
		services: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "proxy_services",
			Help: "Services that have rules (not headless, not ExternalName).",
		}),
		servicePorts: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "proxy_service_ports",
			Help: "Service ports that have rules: in the iptables mode a KLAB-SVC chain or a REJECT rule each.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.syncDuration, m.syncErrors, m.changesSkipped, m.syncWait, m.rules, m.elements, m.services, m.servicePorts)
	}
	return m
}

// observe records the state after a successful sync.
func (m *metrics) observe(r rules) {
	byTable, elements := r.counts()
	for table, n := range byTable {
		m.rules.WithLabelValues(table).Set(float64(n))
	}
	m.elements.Set(float64(elements))
	services := 0
	forEachService(r.servicePorts(), func(string, []ServicePort) { services++ })
	m.services.Set(float64(services))
	m.servicePorts.Set(float64(len(r.servicePorts())))
}

// serviceOf is "ns/name" of a port name "ns/name:port".
func serviceOf(portName string) string {
	if i := strings.LastIndexByte(portName, ':'); i >= 0 {
		return portName[:i]
	}
	return portName
}
