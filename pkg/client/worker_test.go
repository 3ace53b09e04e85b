package client

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
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
