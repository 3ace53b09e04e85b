package pki

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"kubelab/pkg/kubeconfig"
)

// TestTLS serves HTTPS with the apiserver's certificate, checking client
// certificates against the CA as the apiserver does, and calls it as
// admin.conf says: the server must see kubernetes-admin in system:masters,
// and must refuse a certificate from another CA.
func TestTLS(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Init(dir, InitOptions{Server: "https://" + ln.Addr().String()}); err != nil {
		t.Fatal(err)
	}
	ca := loadTestCA(t, dir)
	serving, err := tls.LoadX509KeyPair(filepath.Join(dir, APIServerCertFile), filepath.Join(dir, APIServerKeyFile))
	if err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.VerifiedChains) == 0 {
			http.Error(w, "no client certificate", http.StatusUnauthorized)
			return
		}
		user := r.TLS.VerifiedChains[0][0].Subject
		fmt.Fprintf(w, "%s %s", user.CommonName, strings.Join(user.Organization, ","))
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serving}, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: pool(ca)}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()

	cfg, err := kubeconfig.Load(filepath.Join(dir, AdminKubeconfig))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := cfg.Resolve("")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("admin", func(t *testing.T) {
		got, err := get(admin.Server, admin.TLS)
		if err != nil {
			t.Fatal(err)
		}
		if want := "kubernetes-admin system:masters"; got != want {
			t.Errorf("the server saw %q, want %q", got, want)
		}
	})

	t.Run("certificate from another CA", func(t *testing.T) {
		certPEM, keyPEM, err := newTestCA(t).IssueClient("kubernetes-admin", []string{"system:masters"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		tc := admin.TLS.Clone()
		// Present it regardless: Go's client, left to choose, sends no
		// certificate that the server's list of CAs does not name.
		tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
		got, err := get(admin.Server, tc)
		if err == nil {
			t.Fatalf("the server accepted a certificate from another CA and saw %q", got)
		}
		if !strings.Contains(err.Error(), "tls:") {
			t.Errorf("err = %v, want the TLS handshake to fail", err)
		}
	})
}

// get fetches url once, on a new connection.
func get(url string, tc *tls.Config) (string, error) {
	tr := &http.Transport{TLSClientConfig: tc}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", resp.Status, body)
	}
	return string(body), err
}
