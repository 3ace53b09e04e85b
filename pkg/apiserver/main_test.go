package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// One embedded etcd serves every test of this package; each test gets its
// own key prefix, so tests cannot see each other's objects.
var testEtcd *store.Embedded

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kubelab-apiserver-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testEtcd, err = store.StartEmbedded(store.EmbeddedConfig{DataDir: dir, Logger: zap.NewNop()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	testEtcd.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

var testSeq atomic.Int64

// testServer is an apiserver over its own slice of the shared etcd.
type testServer struct {
	t      *testing.T
	srv    *Server
	store  *store.Store
	http   *httptest.Server
	prefix string
}

func newTestServer(t *testing.T, options ...func(*Config)) *testServer {
	t.Helper()
	prefix := fmt.Sprintf("/t%d", testSeq.Add(1))
	return startTestServer(t, prefix, options...)
}

// startTestServer starts an apiserver on the given etcd prefix; a second
// one on the same prefix acts as a restarted (or second) apiserver. Each
// option changes the configuration before the server is built.
func startTestServer(t *testing.T, prefix string, options ...func(*Config)) *testServer {
	t.Helper()
	st := store.New(testEtcd.Client(), prefix)
	cfg := Config{Store: st, Logger: zap.NewNop(), NodePortRange: "30000-30009", ServiceCIDR: "10.96.0.0/28"}
	for _, o := range options {
		o(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &testServer{t: t, srv: srv, store: st, http: hs, prefix: prefix}
}

// response is what a request got back.
type response struct {
	code    int
	body    []byte
	headers http.Header
}

func (r response) status() api.Status {
	var st api.Status
	json.Unmarshal(r.body, &st)
	return st
}

func (r response) into(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// do sends a request; body may be a string, []byte or any value (JSON).
func (ts *testServer) do(method, path string, body any, contentType ...string) response {
	ts.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			ts.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, ts.http.URL+path, rd)
	if err != nil {
		ts.t.Fatal(err)
	}
	ct := "application/json"
	if len(contentType) > 0 {
		ct = contentType[0]
	}
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return response{code: resp.StatusCode, body: out, headers: resp.Header}
}

// must sends a request and fails the test unless the answer has code.
func (ts *testServer) must(code int, method, path string, body any, contentType ...string) response {
	ts.t.Helper()
	r := ts.do(method, path, body, contentType...)
	if r.code != code {
		ts.t.Fatalf("%s %s: got %d, want %d: %s", method, path, r.code, code, r.body)
	}
	return r
}

func testPod(name string) *api.Pod {
	return &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"app": "kubia"}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "kubia", Image: "kubelab/kubia:latest",
			Ports: []api.ContainerPort{{Name: "http", ContainerPort: 8080}}}}},
	}
}

const podsPath = "/api/v1/namespaces/default/pods"
