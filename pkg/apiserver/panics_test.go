package apiserver

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// observedServer is a Server whose log lines and metrics a test reads.
func observedServer(t *testing.T, limits Limits) (*Server, *observer.ObservedLogs, *prometheus.Registry) {
	t.Helper()
	core, logs := observer.New(zapcore.InfoLevel)
	reg := prometheus.NewRegistry()
	st := store.New(testEtcd.Client(), fmt.Sprintf("/t%d", testSeq.Add(1)))
	srv, err := New(withAuth(Config{Store: st, Logger: zap.New(core), Registry: reg, Limits: limits}))
	if err != nil {
		t.Fatal(err)
	}
	return srv, logs, reg
}

// metricValue sums a counter or gauge over its labels.
func metricValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

// TestPanicBecomesStatus: a handler that panics answers a 500 Status, not
// a dropped connection, and leaves an error line with the stack and a
// count in apiserver_panics_total.
func TestPanicBecomesStatus(t *testing.T) {
	srv, logs, reg := observedServer(t, Limits{})
	hs := httptest.NewServer(srv.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		var m map[string]int
		m["boom"]++ // a nil map: the kind of bug that panics
	})))
	defer hs.Close()

	resp, err := http.Get(hs.URL + "/api/v1/pods")
	if err != nil {
		t.Fatalf("the connection was dropped: %v", err)
	}
	defer resp.Body.Close()
	var st api.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != http.StatusInternalServerError ||
		st.Kind != "Status" || st.Code != 500 || !strings.Contains(st.Message, "made the apiserver panic") {
		t.Fatalf("got %d %+v (%v), want a 500 Status", resp.StatusCode, st, err)
	}
	entries := logs.FilterMessage("a request made the apiserver panic").All()
	if len(entries) != 1 || entries[0].Level != zapcore.ErrorLevel ||
		!strings.Contains(entries[0].ContextMap()["stack"].(string), "panics_test.go") ||
		!strings.Contains(entries[0].ContextMap()["panic"].(string), "nil map") {
		t.Errorf("log lines %+v, want one error with the panic and its stack", entries)
	}
	if n := metricValue(t, reg, "apiserver_panics_total"); n != 1 {
		t.Errorf("apiserver_panics_total = %v, want 1", n)
	}
}

// TestPanicEndsWatchStreamCleanly: once a watch streams, a panic ends the
// stream with an ERROR event and a proper end of the response, so the
// client reads a 500 Status, then EOF, not a broken connection.
func TestPanicEndsWatchStreamCleanly(t *testing.T) {
	srv, _, reg := observedServer(t, Limits{})
	hs := httptest.NewServer(srv.recoverPanics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		out := &eventWriter{w: w, rc: http.NewResponseController(w), timeout: time.Second}
		defer srv.recoverStream(r, out)
		out.send(api.Added, testPod("p"))
		panic("boom")
	})))
	defer hs.Close()

	resp, err := http.Get(hs.URL + podsPath + "?watch=true")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("the stream broke instead of ending: %v (read %q)", err, body)
	}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	var types []string
	var last struct {
		Type   string     `json:"type"`
		Object api.Status `json:"object"`
	}
	for sc.Scan() {
		json.Unmarshal(sc.Bytes(), &last)
		types = append(types, last.Type)
	}
	if strings.Join(types, ",") != "ADDED,ERROR" || last.Object.Code != 500 {
		t.Fatalf("events %v ending with %+v, want ADDED then an ERROR 500", types, last.Object)
	}
	if n := metricValue(t, reg, "apiserver_panics_total"); n != 1 {
		t.Errorf("apiserver_panics_total = %v, want 1", n)
	}
}
