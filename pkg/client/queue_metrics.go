package client

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// QueueMetrics are the Prometheus metrics of work queues, one series per
// queue, labelled name=<queue name>. The names are client-go's workqueue
// metrics where it has one:
//
//	workqueue_depth                               keys waiting for a worker
//	workqueue_adds_total                          keys added (an add of a key already waiting is not counted)
//	workqueue_work_duration_seconds               how long syncs take
//	workqueue_longest_running_processor_seconds   how long the oldest sync still running has taken
//	workqueue_sync_errors_total                   syncs that failed, conflicts included
//	workqueue_conflicts_total                     syncs that failed on a 409 Conflict (a stale read; retried)
type QueueMetrics struct {
	reg       prometheus.Registerer
	adds      *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	errors    *prometheus.CounterVec
	conflicts *prometheus.CounterVec
}

// NewQueueMetrics registers the counters on reg; Queue.Instrument adds a
// queue's series.
func NewQueueMetrics(reg prometheus.Registerer) *QueueMetrics {
	byName := []string{"name"}
	m := &QueueMetrics{
		reg: reg,
		adds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workqueue_adds_total",
			Help: "Keys added to the work queue (adding a key that is already waiting does not count).",
		}, byName),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "workqueue_work_duration_seconds",
			Help:    "How long a sync of one key takes.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10), // 100 µs to 26 s
		}, byName),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workqueue_sync_errors_total",
			Help: "Syncs that returned an error, conflicts included; the key is retried after its back-off.",
		}, byName),
		conflicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workqueue_conflicts_total",
			Help: "Syncs that failed with a 409 Conflict: they wrote over a stale read, and are retried.",
		}, byName),
	}
	reg.MustRegister(m.adds, m.duration, m.errors, m.conflicts)
	return m
}

// Instrument makes q count into m, and adds q's depth and longest running
// sync to m's registry. Call it once per queue, before the queue is used.
func (q *Queue) Instrument(m *QueueMetrics) {
	labels := prometheus.Labels{"name": q.name}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "workqueue_depth", Help: "Keys waiting for a worker.", ConstLabels: labels,
		}, func() float64 { return float64(q.Len()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "workqueue_longest_running_processor_seconds",
			Help:        "How long the sync that has run longest so far, among those still running, has taken.",
			ConstLabels: labels,
		}, func() float64 { _, d := q.LongestRunning(); return d.Seconds() }),
	)
	q.mu.Lock()
	defer q.mu.Unlock()
	q.metrics = &queueMetrics{
		adds:      m.adds.With(labels),
		duration:  m.duration.With(labels),
		errors:    m.errors.With(labels),
		conflicts: m.conflicts.With(labels),
	}
}

// ObserveSync records one sync of a key: how long it took and how it
// ended. RunWorkers calls it; a loop of its own (the scheduler's) should
// too.
func (q *Queue) ObserveSync(took time.Duration, err error) {
	q.mu.Lock()
	m := q.metrics
	q.mu.Unlock()
	m.duration.Observe(took.Seconds())
	if err != nil {
		m.errors.Inc()
		if IsConflict(err) {
			m.conflicts.Inc()
		}
	}
}

// queueMetrics are one queue's series.
type queueMetrics struct {
	adds      prometheus.Counter
	duration  prometheus.Observer
	errors    prometheus.Counter
	conflicts prometheus.Counter
}

// uncounted are the series of a queue not instrumented: registered
// nowhere, so nobody reads them.
func uncounted() *queueMetrics {
	return &queueMetrics{
		adds:      prometheus.NewCounter(prometheus.CounterOpts{Name: "unused"}),
		duration:  prometheus.NewHistogram(prometheus.HistogramOpts{Name: "unused"}),
		errors:    prometheus.NewCounter(prometheus.CounterOpts{Name: "unused"}),
		conflicts: prometheus.NewCounter(prometheus.CounterOpts{Name: "unused"}),
	}
}
