package store

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// TestConnect: a plain connection to the test etcd's unix socket works; an
// address where nothing listens fails within about the dial timeout, with
// an error that names it.
func TestConnect(t *testing.T) {
	cluster, err := Connect(testEtcd.Endpoints(), nil, time.Second)
	if err != nil {
		t.Fatalf("Connect to the test etcd: %v", err)
	}
	if _, err := cluster.Store("/registry").Revision(testCtx(t)); err != nil {
		t.Errorf("Revision: %v", err)
	}
	cluster.Close()

	unused := "http://" + freeAddr(t) // nothing listens there
	start := time.Now()
	_, err = Connect([]string{unused}, nil, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), unused) {
		t.Errorf("Connect to %s: err = %v, want an error naming the endpoint", unused, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Connect took %s to fail, want about the dial timeout", d)
	}
}

// TestConnectTLS: an etcd that requires client certificates
// (--client-cert-auth) serves the apiserver's certificate, and refuses a
// client without one, or with one from another CA.
func TestConnectTLS(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, dir, "ca")
	other := newTestCA(t, dir, "other-ca")
	ca.issue(t, "server", true)
	ca.issue(t, "client", false)
	other.issue(t, "foreign", false)
	endpoint := startTLSEtcd(t, dir, ca)
	file := func(name string) string { return filepath.Join(dir, name) }

	tests := []struct {
		name          string
		ca, cert, key string
		wantErr       string // "" means the connection works
	}{
		{"client certificate", "ca.crt", "client.crt", "client.key", ""},
		{"no client certificate", "ca.crt", "", "", "certificate required"},
		// The client sends no certificate that etcd's CA did not sign.
		{"certificate of another CA", "ca.crt", "foreign.crt", "foreign.key", "certificate required"},
		{"server not trusted", "other-ca.crt", "client.crt", "client.key", "certificate signed by unknown authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := []string{tt.ca, tt.cert, tt.key}
			for i, p := range paths {
				if p != "" {
					paths[i] = file(p)
				}
			}
			cfg, err := ClientTLS(paths[0], paths[1], paths[2])
			if err != nil {
				t.Fatalf("ClientTLS: %v", err)
			}
			cluster, err := Connect([]string{endpoint}, cfg, time.Second)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Connect: %v", err)
				}
				defer cluster.Close()
				if _, err := cluster.Store("/registry").Revision(testCtx(t)); err != nil {
					t.Errorf("Revision: %v", err)
				}
				return
			}
			if err == nil {
				cluster.Close()
				t.Fatal("Connect succeeded, want a refusal")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to say %q", err, tt.wantErr)
			}
		})
	}

	if _, err := Connect([]string{"http" + strings.TrimPrefix(endpoint, "https")}, &tls.Config{}, time.Second); err == nil ||
		!strings.Contains(err.Error(), "is not https://") {
		t.Errorf("Connect with TLS to an http:// endpoint: err = %v, want a refusal", err)
	}
}

// TestClientTLSErrors: files that cannot work are refused before any dial,
// naming the file and what is wrong.
func TestClientTLSErrors(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, dir, "ca")
	ca.issue(t, "a", false)
	ca.issue(t, "b", false)
	if err := os.WriteFile(filepath.Join(dir, "junk"), []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := func(name string) string { return filepath.Join(dir, name) }

	tests := []struct {
		name          string
		ca, cert, key string
		want          string
	}{
		{"missing CA file", f("nope.crt"), f("a.crt"), f("a.key"), "nope.crt: no such file"},
		{"CA file without PEM", f("junk"), f("a.crt"), f("a.key"), "holds no PEM certificate"},
		{"missing key", f("ca.crt"), f("a.crt"), f("nope.key"), "nope.key: no such file"},
		{"certificate and key do not match", f("ca.crt"), f("a.crt"), f("b.key"), "private key does not match public key"},
		{"certificate without key", f("ca.crt"), f("a.crt"), "", "give both files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ClientTLS(tt.ca, tt.cert, tt.key)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ClientTLS: err = %v, want it to say %q", err, tt.want)
			}
		})
	}
	if cfg, err := ClientTLS("", "", ""); cfg != nil || err != nil {
		t.Errorf("ClientTLS without files = %v, %v; want nil, nil", cfg, err)
	}
}

// startTLSEtcd starts an etcd on 127.0.0.1 that serves TLS with
// dir/server.crt and requires client certificates signed by ca, and
// returns its client URL.
func startTLSEtcd(t *testing.T, dir string, ca *testCA) string {
	t.Helper()
	client, _ := url.Parse("https://" + freeAddr(t))
	peer, _ := url.Parse("unix://" + filepath.Join(dir, "peer.sock"))
	ec := embed.NewConfig()
	ec.Name = "tls"
	ec.Dir = filepath.Join(dir, "etcd")
	ec.ListenClientUrls = []url.URL{*client}
	ec.AdvertiseClientUrls = []url.URL{*client}
	ec.ListenPeerUrls = nil
	ec.AdvertisePeerUrls = []url.URL{*peer}
	ec.ListenMetricsUrls = nil
	ec.InitialCluster = ec.InitialClusterFromName(ec.Name)
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	ec.ClientTLSInfo.CertFile = filepath.Join(dir, "server.crt")
	ec.ClientTLSInfo.KeyFile = filepath.Join(dir, "server.key")
	ec.ClientTLSInfo.TrustedCAFile = ca.certFile
	ec.ClientTLSInfo.ClientCertAuth = true
	e, err := embed.StartEtcd(ec)
	if err != nil {
		t.Fatalf("start etcd with TLS: %v", err)
	}
	t.Cleanup(e.Close)
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(startTimeout):
		t.Fatal("etcd with TLS not ready")
	}
	return client.String()
}

// testCA is a throwaway certificate authority that writes its certificates
// and keys as PEM files.
type testCA struct {
	dir      string
	cert     *x509.Certificate
	key      *ecdsa.PrivateKey
	certFile string
}

// newTestCA makes a CA and writes its certificate to dir/name.crt.
func newTestCA(t *testing.T, dir, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &testCA{dir: dir, cert: cert, key: key, certFile: filepath.Join(dir, name+".crt")}
	writePEM(t, ca.certFile, "CERTIFICATE", der)
	return ca
}

// issue writes dir/name.crt and dir/name.key: a serving certificate for
// 127.0.0.1, or a client certificate with CN name.
func (ca *testCA) issue(t *testing.T, name string, server bool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(ca.dir, name+".crt"), "CERTIFICATE", der)
	writePEM(t, filepath.Join(ca.dir, name+".key"), "EC PRIVATE KEY", keyDER)
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// freeAddr returns a 127.0.0.1 address where nothing listens.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
