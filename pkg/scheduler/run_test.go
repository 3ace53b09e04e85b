package scheduler

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestRunBeforeSync: while the apiserver is away the scheduler says it is
// not ready yet, and Ctrl-C then is a clean stop (exit 0) with a log line.
func TestRunBeforeSync(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	core, logs := observer.New(zapcore.InfoLevel)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Server: "http://127.0.0.1:1", Listen: addr, QPS: -1, Burst: -1, Logger: zap.New(core)})
	}()

	for _, probe := range []struct {
		path, want string
		code       int
	}{
		{"/healthz", "informers not synced yet", http.StatusServiceUnavailable},
		{"/readyz", "informers not synced yet", http.StatusServiceUnavailable},
		{"/metrics", `workqueue_depth{name="scheduler"} 0`, http.StatusOK},
	} {
		code, body := poll(t, "http://"+addr+probe.path, func(code int, body string) bool {
			return code == probe.code && strings.Contains(body, probe.want)
		})
		if code != probe.code || !strings.Contains(body, probe.want) {
			t.Errorf("GET %s = %d %q, want %d with %q", probe.path, code, body, probe.code, probe.want)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil: a signal before the informers sync is a clean stop", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if n := logs.FilterMessage("stopped before the informers synced").Len(); n != 1 {
		t.Errorf("%d 'stopped before the informers synced' lines, want 1", n)
	}
}

// poll GETs url until done says the answer is the one awaited, or 5 s
// have passed, and returns the last answer.
func poll(t *testing.T, url string, done func(code int, body string) bool) (int, string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, body := 0, ""
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			code, body = resp.StatusCode, string(b)
		}
		if (err == nil && done(code, body)) || time.Now().After(deadline) {
			return code, body
		}
		time.Sleep(10 * time.Millisecond)
	}
}
