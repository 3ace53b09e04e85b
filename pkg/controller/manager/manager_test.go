package manager

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestRunStopsCleanlyBeforeSync: Ctrl-C while the informers still wait
// for an apiserver is a clean stop (exit 0), said in one line.
func TestRunStopsCleanlyBeforeSync(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Server: "http://127.0.0.1:1", QPS: -1, Burst: -1, Logger: zap.New(core)})
	}()
	time.Sleep(50 * time.Millisecond) // the informers try, and fail, to list
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil: a signal before the caches sync is a clean stop", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if n := logs.FilterMessage("stopped before the caches synced").Len(); n != 1 {
		t.Errorf("%d 'stopped before the caches synced' lines, want 1", n)
	}
}
