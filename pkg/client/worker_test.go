package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"kubelab/pkg/api"
)

func TestRunWorkers(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	q := NewQueue("test")

	var mu sync.Mutex
	attempts := map[string]int{}
	syncKey := func(ctx context.Context, key string) error {
		mu.Lock()
		defer mu.Unlock()
		attempts[key]++
		if key == "flaky" && attempts[key] <= 3 {
			return errors.New("apiserver said no")
		}
		return nil
	}
	count := func(key string) int {
		mu.Lock()
		defer mu.Unlock()
		return attempts[key]
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		RunWorkers(ctx, q, 2, syncKey, zap.New(core))
		close(done)
	}()
	q.Add("flaky")
	q.Add("fine")

	waitFor(t, "flaky to succeed", func() bool { return count("flaky") == 4 })
	waitFor(t, "flaky to be forgotten", func() bool { return q.NumRequeues("flaky") == 0 })
	if n := count("fine"); n != 1 {
		t.Errorf("fine synced %d times, want 1", n)
	}

	failures := logs.FilterMessage("sync failed; will retry").All()
	if len(failures) != 3 {
		t.Fatalf("%d failure logs, want one per failure (3)", len(failures))
	}
	for i, e := range failures {
		f := e.ContextMap()
		if f["key"] != "flaky" || f["queue"] != "test" || f["failures"] != int64(i+1) || f["error"] != "apiserver said no" {
			t.Errorf("log %d fields = %v", i, f)
		}
	}

	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("RunWorkers did not return after cancel")
	}
	if _, shutdown := q.Get(); !shutdown {
		t.Error("the queue is not shut down")
	}
}

// TestRunWorkersConflicts: a 409 Conflict is routine. It is retried like
// any failure, logged at debug level only, and counted per queue.
func TestRunWorkersConflicts(t *testing.T) {
	conflict := &api.Status{Code: http.StatusConflict, Reason: "Conflict", Message: "the object has been modified"}
	tests := []struct {
		name          string
		err           error
		wantLevel     zapcore.Level
		wantConflicts int
	}{
		{name: "a conflict is debug", err: conflict, wantLevel: zapcore.DebugLevel, wantConflicts: 1},
		{name: "a wrapped conflict is debug", err: fmt.Errorf("updating replicaset: %w", conflict), wantLevel: zapcore.DebugLevel, wantConflicts: 1},
		{name: "anything else is an error", err: errors.New("apiserver said no"), wantLevel: zapcore.ErrorLevel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.DebugLevel)
			reg := prometheus.NewPedanticRegistry()
			q := NewQueue("test")
			q.Instrument(NewQueueMetrics(reg))

			var calls atomic.Int32
			syncKey := func(ctx context.Context, key string) error {
				if calls.Add(1) == 1 {
					return tt.err
				}
				return nil
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { RunWorkers(ctx, q, 1, syncKey, zap.New(core)); close(done) }()
			q.Add("k")
			waitFor(t, "the retry to succeed", func() bool { return calls.Load() == 2 && q.NumRequeues("k") == 0 })
			cancel()
			<-done

			entries := logs.FilterMessage("sync failed; will retry").All()
			if len(entries) != 1 || entries[0].Level != tt.wantLevel {
				t.Fatalf("logs = %v, want one at %v", entries, tt.wantLevel)
			}
			text := scrape(t, reg)
			for _, line := range []string{
				`workqueue_sync_errors_total{name="test"} 1`,
				fmt.Sprintf(`workqueue_conflicts_total{name="test"} %d`, tt.wantConflicts),
				`workqueue_adds_total{name="test"} 2`, // the Add and the retry
				`workqueue_work_duration_seconds_count{name="test"} 2`,
			} {
				if !strings.Contains(text, line+"\n") {
					t.Errorf("/metrics lacks %s:\n%s", line, text)
				}
			}
		})
	}
}

// scrape returns what /metrics would serve from reg.
func scrape(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

func TestQueueMetricsDepth(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := NewQueueMetrics(reg)
	a, b := NewQueue("a"), NewQueue("b")
	a.Instrument(m)
	b.Instrument(m)
	a.Add("x")
	a.Add("y")
	a.Add("x") // already waiting: not an add
	b.Add("x")
	text := scrape(t, reg)
	for _, line := range []string{
		`workqueue_depth{name="a"} 2`, `workqueue_depth{name="b"} 1`,
		`workqueue_adds_total{name="a"} 2`, `workqueue_adds_total{name="b"} 1`,
		`workqueue_longest_running_processor_seconds{name="a"} 0`,
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("/metrics lacks %s:\n%s", line, text)
		}
	}
}
