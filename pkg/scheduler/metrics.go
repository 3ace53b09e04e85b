package scheduler

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are what the scheduler serves on /metrics.
type metrics struct {
	attempts *prometheus.CounterVec // by result: scheduled, unschedulable, error
	e2e      prometheus.Histogram
}

func newMetrics(reg *prometheus.Registry, pending func() float64) *metrics {
	m := &metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scheduler_schedule_attempts_total",
			Help: "Scheduling attempts by result: scheduled, unschedulable (fits no node) or error (the binding failed).",
		}, []string{"result"}),
		e2e: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "scheduler_e2e_scheduling_duration_seconds",
			Help:    "Time from when the scheduler first saw a pending pod to its successful binding, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16), // 1 ms to 33 s
		}),
	}
	reg.MustRegister(m.attempts, m.e2e,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "scheduler_pending_pods",
			Help: "Pods of this scheduler not bound yet: queued, waiting to be retried, or being bound.",
		}, pending))
	return m
}
