package kctl

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/kubeconfig"
)

// testPKI is a cluster CA and what it signed, as make up makes them: the
// apiserver's serving certificate for 127.0.0.1, and an admin's client
// certificate, CN=kubernetes-admin O=system:masters.
type testPKI struct {
	caPEM                 []byte
	serving               tls.Certificate
	clientCert, clientKey []byte // PEM
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	caKey := newECKey(t)
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubelab-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	if ca, err = x509.ParseCertificate(caDER); err != nil {
		t.Fatal(err)
	}
	sign := func(serial int64, subject pkix.Name, usage x509.ExtKeyUsage, ips []net.IP) (certPEM, keyPEM []byte) {
		key := newECKey(t)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: subject, IPAddresses: ips,
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	}
	servingCert, servingKey := sign(2, pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)})
	serving, err := tls.X509KeyPair(servingCert, servingKey)
	if err != nil {
		t.Fatal(err)
	}
	clientCert, clientKey := sign(3, pkix.Name{CommonName: "kubernetes-admin", Organization: []string{"system:masters"}},
		x509.ExtKeyUsageClientAuth, nil)
	return testPKI{
		caPEM:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		serving: serving, clientCert: clientCert, clientKey: clientKey,
	}
}

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// tlsAPI is an https apiserver as kubelab's: it checks a client
// certificate against the cluster CA when one is given (the request may
// still carry a token instead) and records the CN of each request's.
type tlsAPI struct {
	*fakeAPI
	mu  sync.Mutex
	cns []string
}

func newTLSAPI(t *testing.T, pki testPKI) (*tlsAPI, string) {
	a := &tlsAPI{fakeAPI: &fakeAPI{objects: map[string]string{}, logs: map[string]string{}}}
	srv := httptest.NewUnstartedServer(a)
	clientCAs := x509.NewCertPool()
	clientCAs.AppendCertsFromPEM(pki.caPEM)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pki.serving}, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: clientCAs}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the wrong-CA cases fail handshakes on purpose
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return a, srv.URL
}

func (a *tlsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cn := ""
	if len(r.TLS.PeerCertificates) > 0 {
		cn = r.TLS.PeerCertificates[0].Subject.CommonName
	}
	a.mu.Lock()
	a.cns = append(a.cns, cn)
	a.mu.Unlock()
	if strings.HasSuffix(r.URL.Path, "/exec") {
		fakeExec(w, r) // exec_test.go
		return
	}
	a.fakeAPI.ServeHTTP(w, r)
}

func (a *tlsAPI) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.cns...)
}

// TestTLS: kctl trusts the CA of the kubeconfig, presents the user's
// client certificate, and refuses a server the CA did not sign.
func TestTLS(t *testing.T) {
	pki, other := newTestPKI(t), newTestPKI(t)
	dir := t.TempDir()
	writeFile(t, dir, "ca.pem", string(pki.caPEM))
	for _, tc := range []struct {
		name   string
		caPEM  []byte // in the kubeconfig
		args   []string
		out    string
		errOut string // a part of stderr
		cn     string // the client certificate the server saw
	}{
		{name: "the cluster's CA", caPEM: pki.caPEM, args: []string{"get", "pods", "-o", "name"}, out: "pod/kubia\n", cn: "kubernetes-admin"},
		{name: "exec carries the certificate too", caPEM: pki.caPEM, args: []string{"exec", "kubia", "--", "ls"}, out: "ran\n", cn: "kubernetes-admin"},
		{name: "another cluster's CA", caPEM: other.caPEM, args: []string{"get", "pods"},
			errOut: "x509: certificate signed by unknown authority"},
		{name: "another cluster's CA, for exec", caPEM: other.caPEM, args: []string{"exec", "kubia", "--", "ls"},
			errOut: "x509: certificate signed by unknown authority"},
		{name: "--certificate-authority replaces the file's", caPEM: other.caPEM,
			args: []string{"--certificate-authority", filepath.Join(dir, "ca.pem"), "get", "pods", "-o", "name"}, out: "pod/kubia\n", cn: "kubernetes-admin"},
		{name: "--insecure-skip-tls-verify checks nothing", caPEM: other.caPEM,
			args: []string{"--insecure-skip-tls-verify", "get", "pods", "-o", "name"}, out: "pod/kubia\n", cn: "kubernetes-admin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api, server := newTLSAPI(t, pki)
			api.objects["/api/v1/namespaces/default/pods/kubia"] = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia","namespace":"default"}}`
			path := filepath.Join(t.TempDir(), "admin.conf")
			kc := kubeconfig.New("kubelab", server, tc.caPEM, "kubernetes-admin",
				kubeconfig.AuthInfo{ClientCertificateData: pki.clientCert, ClientKeyData: pki.clientKey})
			if err := kc.Write(path); err != nil {
				t.Fatal(err)
			}
			out, errOut, code := kctlEnv(t, "", "", append([]string{"--kubeconfig", path}, tc.args...)...)
			if out != tc.out || (tc.errOut == "") != (code == 0) || !strings.Contains(errOut, tc.errOut) {
				t.Errorf("exit %d, out %q, stderr %q; want out %q, stderr with %q", code, out, errOut, tc.out, tc.errOut)
			}
			if tc.cn != "" && strings.Join(api.seen(), ",") != tc.cn {
				t.Errorf("the server saw client certificates %q, want %q", api.seen(), tc.cn)
			}
		})
	}
}
