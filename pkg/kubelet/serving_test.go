package kubelet

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"kubelab/pkg/pki"
)

// The kubelet's port answers /healthz to anyone and everything else only
// to a client certificate of the cluster CA in system:masters.
func TestKubeletAPIAuthorization(t *testing.T) {
	ca, err := pki.NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPEM, keyPEM, err := ca.IssueServing("system:node:n1", []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, caFile := filepath.Join(dir, "k.crt"), filepath.Join(dir, "k.key"), filepath.Join(dir, "ca.crt")
	for f, b := range map[string][]byte{certFile: certPEM, keyFile: keyPEM, caFile: ca.CertPEM} {
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tc, err := servingTLS(certFile, keyFile, caFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("served")) })
	ks := httptest.NewUnstartedServer(authorizeCallers(ok, true))
	ks.TLS = tc
	ks.StartTLS()
	t.Cleanup(ks.Close)

	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	clientFor := func(issuer *pki.CA, user string, groups ...string) *http.Client {
		tc := &tls.Config{RootCAs: roots}
		if issuer != nil {
			c, k, err := issuer.IssueClient(user, groups, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			pair, _ := tls.X509KeyPair(c, k)
			tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
		}
		return &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	}
	other, _ := pki.NewCA("other-ca")
	tests := []struct {
		name   string
		client *http.Client
		path   string
		want   int // 0: the request must fail (handshake)
	}{
		{"anyone gets /healthz", clientFor(nil, ""), "/healthz", 200},
		{"no certificate, no exec", clientFor(nil, ""), "/pods/default/p/exec", 401},
		{"no certificate, no metrics", clientFor(nil, ""), "/metrics", 401},
		{"a node may not exec", clientFor(ca, "system:node:n2", "system:nodes"), "/pods/default/p/exec", 403},
		{"a user may not read logs", clientFor(ca, "jane"), "/pods/default/p/log", 403},
		{"the apiserver may", clientFor(ca, "kube-apiserver-kubelet-client", "system:masters"), "/pods/default/p/exec", 200},
		{"another CA's admin fails the handshake", clientFor(other, "admin", "system:masters"), "/pods/default/p/exec", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.client.Post(ks.URL+tt.path, "text/plain", nil)
			if tt.path == "/healthz" {
				resp, err = tt.client.Get(ks.URL + tt.path)
			}
			if tt.want == 0 {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("got %d, want a failed handshake", resp.StatusCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("got %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

// Without a serving certificate the kubelet serves health and metrics,
// and never logs or exec.
func TestKubeletAPIWithoutTLS(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("served")) })
	ks := httptest.NewServer(authorizeCallers(ok, false))
	t.Cleanup(ks.Close)
	for path, want := range map[string]int{"/healthz": 200, "/metrics": 200, "/pods/default/p/exec": 403, "/pods/default/p/log": 403} {
		resp, err := http.Get(ks.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: got %d, want %d", path, resp.StatusCode, want)
		}
	}
	if _, err := servingTLS("cert-only.crt", "", "", nil); err == nil {
		t.Error("a certificate without its key was accepted")
	}
}
