package integration

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/apiserver"
	"kubelab/pkg/store"
)

// TestFaultSlowBodyFlood: 2,000 connections each send the start of a
// request body and then nothing. The apiserver stays up and answers
// /healthz meanwhile (most get 429 at once: writes in flight are capped),
// closes every one of them after its body timeout, and gives the memory
// back. (Before the body timeout existed, 5,000 such connections stayed
// open for ever, +67 MB.)
func TestFaultSlowBodyFlood(t *testing.T) {
	const conns = 2000
	const bodyTimeout = 2 * time.Second
	fs := startFaultServer(t, apiserver.Limits{BodyTimeout: bodyTimeout, ReadHeaderTimeout: bodyTimeout}, store.EmbeddedConfig{})
	baseHeap, baseGoroutines := heapMB(), runtime.NumGoroutine()

	const request = "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\n" +
		"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
	open := make([]net.Conn, 0, conns)
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	start := time.Now()
	for range conns {
		// As the admin: the request passes authentication and
		// authorization, and waits for its body.
		c, err := tls.Dial("tcp", fs.addr, adminTLS(t))
		if err != nil {
			t.Fatalf("connection %d: %v", len(open), err)
		}
		open = append(open, c)
		if _, err := io.WriteString(c, request); err != nil {
			t.Fatal(err)
		}
	}
	if code := fs.healthz(t); code != http.StatusOK {
		t.Fatalf("/healthz during the flood: %d", code)
	}
	floodHeap, floodGoroutines := heapMB(), runtime.NumGoroutine()

	// Every connection is closed by the server: reading it ends (after the
	// 429 or 400 answer) instead of waiting.
	var wg sync.WaitGroup
	var mu sync.Mutex
	stillOpen := 0
	for _, c := range open {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetReadDeadline(time.Now().Add(bodyTimeout + 8*time.Second))
			if _, err := io.Copy(io.Discard, c); err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					mu.Lock()
					stillOpen++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	closedAfter := time.Since(start)
	if stillOpen > 0 {
		t.Fatalf("%d of %d connections still open %s after they stopped sending", stillOpen, conns, closedAfter)
	}
	if code := fs.healthz(t); code != http.StatusOK {
		t.Fatalf("/healthz after the flood: %d", code)
	}
	for _, c := range open {
		c.Close()
	}
	open = nil
	var afterHeap float64
	var afterGoroutines int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		afterHeap, afterGoroutines = heapMB(), runtime.NumGoroutine()
		if afterGoroutines < baseGoroutines+50 || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("%d slow connections: heap %.1f MB before, %.1f MB during, %.1f MB after; goroutines %d, %d, %d; all closed within %s; %v got 429",
		conns, baseHeap, floodHeap, afterHeap, baseGoroutines, floodGoroutines, afterGoroutines,
		closedAfter.Round(100*time.Millisecond), fs.metric(t, "apiserver_dropped_requests_total"))
	if afterGoroutines >= baseGoroutines+50 {
		t.Errorf("%d goroutines after the flood, %d before: the server still holds the connections", afterGoroutines, baseGoroutines)
	}
	if afterHeap > baseHeap+(floodHeap-baseHeap)/2+5 {
		t.Errorf("heap %.1f MB after the flood, %.1f MB before and %.1f MB during: not given back", afterHeap, baseHeap, floodHeap)
	}
}
