package apiserver

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kubelab/pkg/api"
)

// limitedServer is a test apiserver with the given limits, served as Run
// serves it: its http.Server settings and its connection limit.
func limitedServer(t *testing.T, limits Limits) (*testServer, *prometheus.Registry) {
	t.Helper()
	srv, _, reg := observedServer(t, limits)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	hs.Config = srv.httpServer(srv.Handler())
	hs.Listener = srv.limitConnections(hs.Listener)
	hs.TLS = srv.tls
	hs.StartTLS()
	cctx, stopCaches := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.RunAuthorizerCaches(cctx); close(done) }()
	t.Cleanup(func() {
		hs.Close()
		stopCaches()
		<-done
	})
	return &testServer{t: t, srv: srv, store: srv.store, http: hs, client: testPKI.admin}, reg
}

// dial opens a raw connection to the test server and sends text.
func dial(t *testing.T, ts *testServer, text string) net.Conn {
	t.Helper()
	c, err := tls.Dial("tcp", ts.http.Listener.Addr().String(), testPKI.adminTLS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, text); err != nil {
		t.Fatal(err)
	}
	return c
}

// partialPost is a POST whose body never arrives whole.
const partialPost = "POST " + podsPath + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"kind\":"

// TestTooManyRequests: writes beyond MaxMutatingRequestsInflight get 429
// with Retry-After, while reads, watches and health checks, which have
// budgets of their own or none, go on.
func TestTooManyRequests(t *testing.T) {
	ts, reg := limitedServer(t, Limits{MaxMutatingRequestsInflight: 1, BodyTimeout: 3 * time.Second})
	dial(t, ts, partialPost) // holds the only write token while its body trickles in
	// Only once the slow request holds the token is the next write sure
	// to be refused: on a busy machine the server may not have read its
	// headers yet.
	for deadline := time.Now().Add(2 * time.Second); metricValue(t, reg, "apiserver_current_inflight_requests") < 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the slow request never took the write token")
		}
	}
	r := ts.do("POST", podsPath, testPod("p"))
	st := r.status()
	if r.code != http.StatusTooManyRequests || r.headers.Get("Retry-After") != "1" || st.Reason != "TooManyRequests" ||
		st.Details == nil || st.Details.RetryAfterSeconds != 1 {
		t.Fatalf("got %d %s (Retry-After %q), want 429 TooManyRequests", r.code, r.body, r.headers.Get("Retry-After"))
	}
	ts.must(http.StatusOK, "GET", podsPath, nil)
	ts.must(http.StatusOK, "GET", "/healthz", nil)
	next := ts.watch(podsPath + "?watch=true&resourceVersion=" + fmt.Sprint(ts.storeRevision()))
	if n := metricValue(t, reg, "apiserver_dropped_requests_total"); n < 1 {
		t.Errorf("apiserver_dropped_requests_total = %v, want ≥ 1", n)
	}

	// Once the slow body times out, the token is back.
	var created api.Pod
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if r = ts.do("POST", podsPath, testPod("p")); r.code == http.StatusCreated {
			r.into(t, &created)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d after the slow request's body timeout: %s", r.code, r.body)
		}
	}
	if typ, pod, _ := next(); typ != "ADDED" || pod.Name != "p" {
		t.Errorf("the watch saw %s %s, want ADDED p", typ, pod.Name)
	}
}

// TestSlowBodyTimesOut: a body that does not arrive within BodyTimeout
// gets an error that says so, and its connection is closed.
func TestSlowBodyTimesOut(t *testing.T) {
	ts, _ := limitedServer(t, Limits{BodyTimeout: 300 * time.Millisecond})
	start := time.Now()
	c := dial(t, ts, partialPost)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "the request body did not arrive within 300ms") {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("answered after %s, want about 300ms", d)
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("the connection stays open after the body timed out")
	}
}

// TestDeadlinesDoNotCarryOver: a watch sent on a kept-alive connection
// after an ordinary request is not cut at that request's deadline.
func TestDeadlinesDoNotCarryOver(t *testing.T) {
	ts, _ := limitedServer(t, Limits{RequestTimeout: 200 * time.Millisecond})
	c := dial(t, ts, "GET "+podsPath+" HTTP/1.1\r\nHost: x\r\n\r\n")
	rd := bufio.NewReader(c)
	resp, err := http.ReadResponse(rd, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("list: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	io.WriteString(c, "GET "+podsPath+"?watch=true&resourceVersion="+fmt.Sprint(ts.storeRevision())+" HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, err = http.ReadResponse(rd, nil); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("watch: %v %v", resp, err)
	}
	time.Sleep(400 * time.Millisecond) // past the list's deadline
	ts.must(http.StatusCreated, "POST", podsPath, testPod("p"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || !strings.Contains(line, `"ADDED"`) {
		t.Fatalf("watch event %q, %v", line, err)
	}
}

// TestConnectionLimit: beyond MaxConnections a client waits for a free
// connection instead of taking a file descriptor.
func TestConnectionLimit(t *testing.T) {
	ts, _ := limitedServer(t, Limits{MaxConnections: 2})
	dial(t, ts, "")
	held := dial(t, ts, "")
	time.Sleep(50 * time.Millisecond) // both accepted
	// The third connection's TLS handshake waits until the server accepts
	// it: it must not end while two connections are open.
	raw, err := net.Dial("tcp", ts.http.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	tc := testPKI.adminTLS.Clone()
	tc.ServerName = "127.0.0.1"
	third := tls.Client(raw, tc)
	handshake := make(chan error, 1)
	go func() { handshake <- third.Handshake() }()
	select {
	case err := <-handshake:
		t.Fatalf("a third connection was served beyond the limit of 2 (handshake: %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	held.Close()
	select {
	case err := <-handshake:
		if err != nil {
			t.Fatalf("the third connection's handshake: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the third connection was not served once one closed")
	}
	third.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(third, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(third), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("once a connection closed, the third got %v, %v", resp, err)
	}
}
