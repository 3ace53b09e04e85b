package apiserver

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
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
	"kubelab/pkg/auth"
	"kubelab/pkg/pki"
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
	if err := makeTestPKI(); err != nil {
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

// testPKI is a cluster CA made once for the package, the apiserver's
// serving certificate for 127.0.0.1, and the admin's client certificate.
var testPKI struct {
	ca       *pki.CA
	roots    *x509.CertPool
	serving  tls.Certificate
	admin    *http.Client
	adminTLS *tls.Config
	saKey    crypto.Signer
}

func makeTestPKI() error {
	ca, err := pki.NewCA("kubelab-test-ca")
	if err != nil {
		return err
	}
	certPEM, keyPEM, err := ca.IssueServing("kube-apiserver", []string{"127.0.0.1", "localhost"}, time.Hour)
	if err != nil {
		return err
	}
	if testPKI.serving, err = tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return err
	}
	testPKI.ca = ca
	if testPKI.saKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return err
	}
	testPKI.roots = x509.NewCertPool()
	testPKI.roots.AddCert(ca.Cert)
	if testPKI.adminTLS, err = tlsAs("kubernetes-admin", auth.GroupMasters); err != nil {
		return err
	}
	testPKI.admin = clientWith(testPKI.adminTLS)
	return nil
}

// withAuth adds the test TLS configuration and the certificate
// authenticator to a Config, as every apiserver needs them.
func withAuth(cfg Config) Config {
	cfg.TLS, cfg.Authenticator = servingTLS(), auth.X509Authenticator{}
	cfg.KubeletTLS = testPKI.adminTLS // a client certificate in system:masters, and the test CA
	cfg.ServiceAccounts = &ServiceAccounts{SigningKey: testPKI.saKey, Keys: []crypto.PublicKey{testPKI.saKey.Public()}}
	return cfg
}

// servingTLS is the apiserver's TLS configuration in tests, as ServingTLS
// builds it from files.
func servingTLS() *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(testPKI.ca.Cert)
	return &tls.Config{Certificates: []tls.Certificate{testPKI.serving}, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: pool}
}

// clientAs is an HTTPS client that trusts the test CA and presents a
// client certificate for user in groups; user "" presents none.
func clientAs(user string, groups ...string) (*http.Client, error) {
	tc, err := tlsAs(user, groups...)
	if err != nil {
		return nil, err
	}
	return clientWith(tc), nil
}

// tlsAs is the TLS configuration of clientAs.
func tlsAs(user string, groups ...string) (*tls.Config, error) {
	tc := &tls.Config{RootCAs: testPKI.roots}
	if user != "" {
		certPEM, keyPEM, err := testPKI.ca.IssueClient(user, groups, time.Hour)
		if err != nil {
			return nil, err
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, err
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	return tc, nil
}

func clientWith(tc *tls.Config) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = tc
	return &http.Client{Transport: t}
}

// mustClientAs is clientAs for a test.
func mustClientAs(t testing.TB, user string, groups ...string) *http.Client {
	t.Helper()
	c, err := clientAs(user, groups...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testServer is an apiserver over its own slice of the shared etcd.
type testServer struct {
	t      testing.TB
	srv    *Server
	store  *store.Store
	http   *httptest.Server
	prefix string
	client *http.Client // the admin's, in system:masters
}

// as returns a copy of ts whose requests are sent as user, in groups (and
// system:authenticated); user "" sends no credentials.
func (ts *testServer) as(user string, groups ...string) *testServer {
	ts.t.Helper()
	c := *ts
	c.client = mustClientAs(ts.t, user, groups...)
	return &c
}

func newTestServer(t testing.TB, options ...func(*Config)) *testServer {
	t.Helper()
	prefix := fmt.Sprintf("/t%d", testSeq.Add(1))
	return startTestServer(t, prefix, options...)
}

// startTestServer starts an apiserver on the given etcd prefix; a second
// one on the same prefix acts as a restarted (or second) apiserver. Each
// option changes the configuration before the server is built.
func startTestServer(t testing.TB, prefix string, options ...func(*Config)) *testServer {
	t.Helper()
	st := store.New(testEtcd.Client(), prefix)
	cfg := withAuth(Config{Store: st, Logger: zap.NewNop(), NodePortRange: "30000-30009", ServiceCIDR: "10.96.0.0/28"})
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
	return serveTLS(t, srv, st, prefix)
}

// serveTLS serves srv's API over HTTPS, as the admin, with the
// authorizers' caches running, until the test ends.
func serveTLS(t testing.TB, srv *Server, st *store.Store, prefix string) *testServer {
	t.Helper()
	cctx, stopCaches := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.RunAuthorizerCaches(cctx); close(done) }()
	hs := httptest.NewUnstartedServer(srv.Handler())
	hs.TLS = srv.tls
	hs.StartTLS()
	t.Cleanup(func() {
		hs.Close()
		stopCaches()
		<-done
	})
	return &testServer{t: t, srv: srv, store: st, http: hs, prefix: prefix, client: testPKI.admin}
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

func (r response) into(t testing.TB, v any) {
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
	resp, err := ts.client.Do(req)
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

func pkiNewCA(t *testing.T) (*pki.CA, error) {
	t.Helper()
	return pki.NewCA("some-other-ca")
}

// clientWithPair is an HTTPS client trusting the test CA and presenting
// the given certificate.
func clientWithPair(t *testing.T, certPEM, keyPEM []byte) *http.Client {
	t.Helper()
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return clientWith(&tls.Config{RootCAs: testPKI.roots, Certificates: []tls.Certificate{pair}})
}
