package dashboard

import "github.com/prometheus/client_golang/prometheus"

// metrics are the dashboard's own, on /metrics beside the Go runtime's.
type metrics struct {
	gatherer  prometheus.Gatherer // nil: no /metrics
	actions   *prometheus.CounterVec
	fragments prometheus.Counter
}

// newMetrics registers the metrics with reg, when there is one.
func newMetrics(reg *prometheus.Registry, h *hub) *metrics {
	m := &metrics{
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dashboard_actions_total",
			Help: "Actions viewers took (scale, delete-pod, cordon, apply), by result: ok, or error (refused by the apiserver, or no viewer signed in).",
		}, []string{"action", "result"}),
		fragments: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dashboard_fragments_sent_total",
			Help: "Parts of pages rendered and pushed to open pages because the cluster changed.",
		}),
	}
	if reg == nil {
		return m
	}
	streams := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "dashboard_event_streams",
		Help: "Pages open, each holding one event stream of live updates.",
	}, func() float64 { return float64(h.subscribers()) })
	reg.MustRegister(m.actions, m.fragments, streams)
	m.gatherer = reg
	return m
}
