package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

// readOnlyCode sends a request to base and returns its code and, unless
// it is 200, the Status it got. A 200's body is not read: a watch never
// ends.
func readOnlyCode(t *testing.T, base, method, path string, body any) (int, api.Status) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var st api.Status
	if resp.StatusCode != http.StatusOK {
		json.NewDecoder(resp.Body).Decode(&st)
	}
	return resp.StatusCode, st
}

// The read-only port serves reads through the real handler and refuses
// writes, secrets and the subresources into containers with a Status 403.
func TestReadOnlyPort(t *testing.T) {
	ts := newTestServer(t)
	ro := httptest.NewServer(ts.srv.readOnly(ts.srv.Handler()))
	t.Cleanup(ro.Close)
	ts.must(http.StatusCreated, "POST", podsPath, testPod("kubia"))
	ts.must(http.StatusCreated, "POST", svcPath, testService("kubia", "ClusterIP", 0))
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/secrets",
		&api.Secret{ObjectMeta: api.ObjectMeta{Name: "token"}, StringData: map[string]string{"token": "s3cret"}})
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces", &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "secrets"}})
	const secretsPath = "/api/v1/namespaces/default/secrets"

	tests := []struct {
		name, method, path string
		body               any
		want               int
	}{
		{"list pods", "GET", podsPath, nil, 200},
		{"watch pods", "GET", podsPath + "?watch=true", nil, 200},
		{"watch pods everywhere", "GET", "/api/v1/pods?watch=1", nil, 200},
		{"get a pod", "GET", podsPath + "/kubia", nil, 200},
		{"get a service", "GET", svcPath + "/kubia", nil, 200},
		{"list replicasets", "GET", "/apis/apps/v1/namespaces/default/replicasets", nil, 200},
		{"discovery /api", "GET", "/api", nil, 200},
		{"discovery /api/v1", "GET", "/api/v1", nil, 200},
		{"discovery /apis", "GET", "/apis", nil, 200},
		{"discovery /apis/apps/v1", "GET", "/apis/apps/v1", nil, 200},
		{"version", "GET", "/version", nil, 200},
		{"healthz", "GET", "/healthz", nil, 200},
		{"readyz", "HEAD", "/readyz", nil, 200},
		{"a namespace named secrets is no secret", "GET", "/api/v1/namespaces/secrets", nil, 200},
		{"a pod named secrets is no secret", "GET", podsPath + "/secrets", nil, 404},
		{"an unknown path is the API's 404", "GET", "/api/v1/widgets", nil, 404},

		{"create a pod", "POST", podsPath, testPod("intruder"), 403},
		{"replace a pod", "PUT", podsPath + "/kubia", testPod("kubia"), 403},
		{"patch a pod", "PATCH", podsPath + "/kubia", map[string]any{"metadata": map[string]any{"labels": map[string]string{"app": "x"}}}, 403},
		{"delete a pod", "DELETE", podsPath + "/kubia", nil, 403},
		{"delete every pod", "DELETE", podsPath, nil, 403},
		{"bind a pod", "POST", podsPath + "/kubia/binding", map[string]any{"target": map[string]string{"name": "n1"}}, 403},
		{"rewrite endpoints", "PUT", "/api/v1/namespaces/default/endpoints/kubernetes", &api.Endpoints{}, 403},
		{"register a node", "POST", "/api/v1/nodes", &api.Node{ObjectMeta: api.ObjectMeta{Name: "evil"}}, 403},
		{"OPTIONS", "OPTIONS", "/api", nil, 403},

		{"list secrets", "GET", secretsPath, nil, 403},
		{"get a secret", "GET", secretsPath + "/token", nil, 403},
		{"list secrets everywhere", "GET", "/api/v1/secrets", nil, 403},
		{"watch secrets", "GET", secretsPath + "?watch=true", nil, 403},
		{"watch secrets everywhere", "GET", "/api/v1/secrets?watch=true", nil, 403},
		{"list secrets, trailing slash", "GET", secretsPath + "/", nil, 403},
		{"HEAD of secrets: the API serves no HEAD of a resource", "HEAD", secretsPath + "/token", nil, 405},

		{"pod log", "GET", podsPath + "/kubia/log", nil, 403},
		{"pod exec", "POST", podsPath + "/kubia/exec?command=sh", nil, 403},
		{"pod exec by GET", "GET", podsPath + "/kubia/exec?command=sh", nil, 403},
	}
	refused := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, st := readOnlyCode(t, ro.URL, tt.method, tt.path, tt.body)
			if code != tt.want {
				t.Fatalf("%s %s: got %d, want %d: %+v", tt.method, tt.path, code, tt.want, st)
			}
			if code != http.StatusForbidden {
				return
			}
			refused++
			if st.Kind != "Status" || st.Status != "Failure" || st.Reason != "Forbidden" || st.Code != 403 ||
				!strings.Contains(st.Message, readOnlyRefusal) {
				t.Errorf("Status = %+v, want a Forbidden one saying %q", st, readOnlyRefusal)
			}
		})
	}

	// Nothing the read-only port refused happened, and each refusal counts.
	ts.must(http.StatusOK, "GET", podsPath+"/kubia", nil)
	ts.must(http.StatusNotFound, "GET", podsPath+"/intruder", nil)
	ts.must(http.StatusNotFound, "GET", "/api/v1/nodes/evil", nil)
	ts.must(http.StatusOK, "GET", secretsPath+"/token", nil) // the main port serves everything
	metrics := (&testServer{t: t, http: ro}).must(http.StatusOK, "GET", "/metrics", nil)
	if want := fmt.Sprintf("apiserver_read_only_refused_total %d\n", refused); !bytes.Contains(metrics.body, []byte(want)) {
		t.Errorf("/metrics has no %q", want)
	}
}

// With a read-only port, the kubernetes Service leads pods there;
// without, to the API's port.
func TestKubernetesEndpointsLeadToTheReadOnlyPort(t *testing.T) {
	tests := []struct {
		name            string
		readOnlyPort    int32
		wantSvc, wantEp string
	}{
		{"read-only port", 6444, "https/TCP 443->6444", "127.0.0.1 https/TCP 6444"},
		{"--read-only-port=0", 0, "https/TCP 443->6443", "127.0.0.1 https/TCP 6443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			srv, err := New(Config{Store: ts.store, Logger: zap.NewNop(), ServiceCIDR: "10.96.0.0/28",
				AdvertiseAddress: "127.0.0.1", AdvertisePort: 6443, ReadOnlyPort: tt.readOnlyPort})
			if err != nil {
				t.Fatal(err)
			}
			reconcileOnce(t, srv)
			svc, ep, _ := kubernetesState(t, ts)
			if !strings.HasSuffix(svc, "ports="+tt.wantSvc+" nodePort=0") {
				t.Errorf("Service: got %s, want ports=%s", svc, tt.wantSvc)
			}
			if ep != tt.wantEp {
				t.Errorf("Endpoints: got %s, want %s", ep, tt.wantEp)
			}
		})
	}

	for _, port := range []int32{6443, -1, 65536} {
		if _, err := New(Config{Store: newTestServer(t).store, AdvertiseAddress: "127.0.0.1", AdvertisePort: 6443, ReadOnlyPort: port}); err == nil {
			t.Errorf("New took read-only port %d beside the API's 6443", port)
		}
	}
}

// serveBoth serves the API on one listener and the read-only view on the
// other, and stops both when ctx ends or either fails.
func TestServeBoth(t *testing.T) {
	listen := func() net.Listener {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return ln
	}
	ts := newTestServer(t)
	start := func() (full, ro net.Listener, cancel context.CancelFunc, done chan error) {
		full, ro, done = listen(), listen(), make(chan error, 1)
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		go func() { done <- ts.srv.serveBoth(ctx, full, ro) }()
		return full, ro, cancel, done
	}
	wait := func(done chan error) error {
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("serveBoth did not return within 10s")
			return nil
		}
	}

	full, ro, cancel, done := start()
	fullURL, roURL := "http://"+full.Addr().String(), "http://"+ro.Addr().String()
	if code, st := readOnlyCode(t, fullURL, "POST", podsPath, testPod("kubia")); code != http.StatusCreated {
		t.Fatalf("main port: POST got %d: %+v", code, st)
	}
	if code, _ := readOnlyCode(t, roURL, "POST", podsPath, testPod("other")); code != http.StatusForbidden {
		t.Fatalf("read-only port: POST got %d, want 403", code)
	}
	if code, st := readOnlyCode(t, roURL, "GET", podsPath+"/kubia", nil); code != http.StatusOK {
		t.Fatalf("read-only port: GET got %d: %+v", code, st)
	}
	cancel()
	if err := wait(done); err != nil {
		t.Fatalf("after cancel: %v", err)
	}

	full, ro, _, done = start()
	ro.Close() // the read-only server fails: the main one stops too
	if err := wait(done); err == nil {
		t.Fatal("serveBoth returned no error when the read-only listener failed")
	}
	if _, err := http.Get("http://" + full.Addr().String() + "/healthz"); err == nil {
		t.Fatal("the main port still serves after the read-only one failed")
	}
}

// Run listens for the read-only port on the host of its address, and says
// so when that port is taken.
func TestRunReadOnlyPortTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	srv, err := New(Config{Store: newTestServer(t).store, Logger: zap.NewNop(), ReadOnlyPort: int32(port)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Run(ctx, "127.0.0.1:0")
	if want := fmt.Sprintf("listen on 127.0.0.1:%d (the read-only port)", port); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Run = %v, want an error saying %q", err, want)
	}
}
