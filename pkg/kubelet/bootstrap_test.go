package kubelet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kubeconfig"
	"kubelab/pkg/pki"
)

const testBootstrapToken = "abcdef.0123456789abcdef"

// fakeJoinAPI is just enough of an apiserver for a join: cluster-info for
// anyone, CertificateSigningRequests for the bootstrap token's user or a
// client certificate of its CA. It approves and signs a request itself the
// second time the request is read (or denies it, or never decides), and
// records every request it was sent.
type fakeJoinAPI struct {
	*httptest.Server
	ca       *pki.CA
	decision string // "": sign every request; "deny": deny it; "never": leave it pending

	mu       sync.Mutex
	requests []seenRequest
	csrs     map[string]*api.CertificateSigningRequest
	reads    map[string]int
}

// seenRequest is one request: who sent it (its Authorization header, the
// CN of its client certificate) and where to.
type seenRequest struct{ method, path, authorization, cn string }

const csrsPath = "/apis/certificates.k8s.io/v1/certificatesigningrequests"

func newFakeJoinAPI(t *testing.T) *fakeJoinAPI {
	ca, err := pki.NewCA("test-cluster-ca")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.IssueServing("kube-apiserver", []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeJoinAPI{ca: ca, csrs: map[string]*api.CertificateSigningRequest{}, reads: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+clusterInfoPath, f.clusterInfo)
	mux.HandleFunc("POST "+csrsPath, f.createCSR)
	mux.HandleFunc("GET "+csrsPath+"/{name}", f.getCSR)
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := seenRequest{method: r.Method, path: r.URL.Path, authorization: r.Header.Get("Authorization")}
		if len(r.TLS.VerifiedChains) > 0 {
			req.cn = r.TLS.VerifiedChains[0][0].Subject.CommonName
		}
		f.mu.Lock()
		f.requests = append(f.requests, req)
		f.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(ca.Cert)
	f.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: clientCAs}
	f.Config.ErrorLog = log.New(io.Discard, "", 0) // some tests fail handshakes on purpose
	f.StartTLS()
	t.Cleanup(f.Close)
	return f
}

func (f *fakeJoinAPI) clusterInfo(w http.ResponseWriter, _ *http.Request) {
	kc := kubeconfig.Config{Kind: "Config", APIVersion: "v1",
		Clusters: []kubeconfig.NamedCluster{{Cluster: kubeconfig.Cluster{Server: f.URL, CertificateAuthorityData: f.ca.CertPEM}}}}
	data, _ := kc.Marshal()
	reply(w, http.StatusOK, &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: api.ObjectMeta{Name: "cluster-info", Namespace: "kube-public"}, Data: map[string]string{"kubeconfig": string(data)}})
}

// createCSR stores a request with its requester, as the apiserver does.
func (f *fakeJoinAPI) createCSR(w http.ResponseWriter, r *http.Request) {
	var user string
	switch {
	case r.Header.Get("Authorization") == "Bearer "+testBootstrapToken:
		user = "system:bootstrap:abcdef"
	case len(r.TLS.VerifiedChains) > 0:
		user = r.TLS.VerifiedChains[0][0].Subject.CommonName
	default:
		fail(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	var csr api.CertificateSigningRequest
	if err := json.NewDecoder(r.Body).Decode(&csr); err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	csr.Spec.Username = user
	f.mu.Lock()
	f.csrs[csr.Name] = &csr
	f.mu.Unlock()
	reply(w, http.StatusCreated, &csr)
}

// getCSR answers a request as it is; at the second read the "controllers"
// have approved and signed it, or denied it.
func (f *fakeJoinAPI) getCSR(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := r.PathValue("name")
	csr, ok := f.csrs[name]
	if !ok {
		fail(w, http.StatusNotFound, "NotFound")
		return
	}
	if f.reads[name]++; f.reads[name] == 2 {
		f.decide(csr)
	}
	reply(w, http.StatusOK, csr)
}

func (f *fakeJoinAPI) decide(csr *api.CertificateSigningRequest) {
	switch f.decision {
	case "never":
		return
	case "deny":
		csr.Status.Conditions = []api.CertificateSigningRequestCondition{{Type: api.CertificateDenied, Status: api.ConditionTrue,
			Reason: "NotANode", Message: "the request is not for the requester's node"}}
		return
	}
	csr.Status.Conditions = []api.CertificateSigningRequestCondition{{Type: api.CertificateApproved, Status: api.ConditionTrue}}
	block, _ := pem.Decode(csr.Spec.Request)
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		panic(err)
	}
	usage := x509.ExtKeyUsageClientAuth
	if csr.Spec.SignerName == api.SignerKubeletServing {
		usage = x509.ExtKeyUsageServerAuth
	}
	if csr.Status.Certificate, err = f.ca.SignRequest(req, usage, time.Hour); err != nil {
		panic(err)
	}
}

func (f *fakeJoinAPI) seen() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

// onlyCSR is the one request the fake was sent, and its certificate
// request.
func (f *fakeJoinAPI) onlyCSR(t *testing.T) (*api.CertificateSigningRequest, *x509.CertificateRequest) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.csrs) != 1 {
		t.Fatalf("%d CertificateSigningRequests, want 1", len(f.csrs))
	}
	for _, csr := range f.csrs {
		block, _ := pem.Decode(csr.Spec.Request)
		req, err := x509.ParseCertificateRequest(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return csr, req
	}
	return nil, nil
}

// testBootstrap joins node w1 to f, fast.
func testBootstrap(f *fakeJoinAPI, dir string) *bootstrap {
	return &bootstrap{server: f.URL, token: testBootstrapToken, caHash: pki.CACertHash(f.ca.Cert), nodeName: "w1",
		kubeconfig: filepath.Join(dir, "kubelet.conf"), poll: 5 * time.Millisecond, timeout: 10 * time.Second,
		now: time.Now, log: zap.NewNop()}
}

// A join discovers the CA without credentials, asks for a client
// certificate with the token, and writes a kubeconfig that works.
func TestBootstrapWritesAWorkingKubeconfig(t *testing.T) {
	f := newFakeJoinAPI(t)
	b := testBootstrap(f, t.TempDir())
	if err := b.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := f.seen()
	if seen[0].path != clusterInfoPath || seen[0].authorization != "" || seen[0].cn != "" {
		t.Errorf("discovery was %+v, want a GET of cluster-info with no credentials", seen[0])
	}
	if seen[1].method != http.MethodPost || seen[1].authorization != "Bearer "+testBootstrapToken {
		t.Errorf("then %+v, want the token's POST of the request", seen[1])
	}
	csr, req := f.onlyCSR(t)
	if !strings.HasPrefix(csr.Name, "node-csr-") || csr.Spec.SignerName != api.SignerKubeletClient || csr.Spec.Username != "system:bootstrap:abcdef" ||
		!slices.Equal(csr.Spec.Usages, []string{api.UsageDigitalSignature, api.UsageClientAuth}) {
		t.Errorf("CertificateSigningRequest %s: %+v", csr.Name, csr.Spec)
	}
	if req.Subject.CommonName != "system:node:w1" || !slices.Equal(req.Subject.Organization, []string{"system:nodes"}) {
		t.Errorf("requested subject %s", req.Subject)
	}

	if st, err := os.Stat(b.kubeconfig); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("kubeconfig: %v, mode %v; want 0600", err, st.Mode())
	}
	cfg, err := client.Load(b.kubeconfig, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(context.Background(), http.MethodGet, clusterInfoPath, nil, ""); err != nil {
		t.Fatalf("the kubeconfig does not work: %v", err)
	}
	if last := f.seen()[len(f.seen())-1]; last.cn != "system:node:w1" || last.authorization != "" {
		t.Errorf("with the kubeconfig the server saw %+v, want the client certificate of system:node:w1 and no token", last)
	}
}

// A CA whose hash is not --ca-cert-hash stops the join before the token
// is sent anywhere.
func TestBootstrapRefusesAnotherCA(t *testing.T) {
	f := newFakeJoinAPI(t)
	other, err := pki.NewCA("someone-else")
	if err != nil {
		t.Fatal(err)
	}
	b := testBootstrap(f, t.TempDir())
	b.caHash = pki.CACertHash(other.Cert)
	err = b.run(context.Background())
	if err == nil || !strings.Contains(err.Error(), pki.CACertHash(f.ca.Cert)) || !strings.Contains(err.Error(), b.caHash) {
		t.Fatalf("got %v, want an error naming both hashes", err)
	}
	for _, r := range f.seen() {
		if r.authorization != "" || r.method != http.MethodGet {
			t.Errorf("the server was sent %+v", r)
		}
	}
	if _, err := os.Stat(b.kubeconfig); !os.IsNotExist(err) {
		t.Errorf("a kubeconfig was written: %v", err)
	}
}

// A denied request ends the join with the approver's reason; one that
// nobody decides on, after the timeout, saying so.
func TestBootstrapNotSigned(t *testing.T) {
	tests := []struct {
		name    string
		decide  string // "deny", or "never"
		wantErr string
	}{
		{"denied", "deny", "was denied: NotANode: the request is not for the requester's node"},
		{"never approved", "never", "is still not approved after 50ms: are the controllers running?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeJoinAPI(t)
			f.decision = tt.decide
			b := testBootstrap(f, t.TempDir())
			b.timeout = 50 * time.Millisecond
			err := b.run(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error with %q", err, tt.wantErr)
			}
			if _, err := os.Stat(b.kubeconfig); !os.IsNotExist(err) {
				t.Errorf("a kubeconfig was written: %v", err)
			}
		})
	}
}

// A kubeconfig of this node, from the pinned CA, with more than a fifth of
// its certificate's life left, is used without a word to the server;
// anything else is bootstrapped again.
func TestBootstrapReusesAValidKubeconfig(t *testing.T) {
	other, err := pki.NewCA("someone-else")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		other bool          // the kubeconfig is of another CA
		user  string        // its certificate's CN
		later time.Duration // how long after issue the kubelet starts
		reuse bool
	}{
		{name: "valid", user: "system:node:w1", reuse: true},
		{name: "most of its life gone", user: "system:node:w1", later: 55 * time.Minute},
		{name: "another node's", user: "system:node:w2"},
		{name: "another cluster's", other: true, user: "system:node:w1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeJoinAPI(t)
			ca := f.ca
			if tt.other {
				ca = other
			}
			certPEM, keyPEM, err := ca.IssueClient(tt.user, []string{"system:nodes"}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			b := testBootstrap(f, t.TempDir())
			b.now = func() time.Time { return time.Now().Add(tt.later) }
			kc := kubeconfig.New("kubelab", f.URL, ca.CertPEM, tt.user, kubeconfig.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM})
			if err := kc.Write(b.kubeconfig); err != nil {
				t.Fatal(err)
			}
			if err := b.run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := len(f.seen()); (n == 0) != tt.reuse {
				t.Errorf("the server was sent %d requests; want reuse %v", n, tt.reuse)
			}
			if tt.reuse {
				return
			}
			kc, err = kubeconfig.Load(b.kubeconfig)
			if err != nil {
				t.Fatal(err)
			}
			if cert, _ := pki.ParseCert(kc.Users[0].User.ClientCertificateData); cert.Subject.CommonName != "system:node:w1" ||
				!pinnedCA(kc, "kubelab", b.caHash) {
				t.Errorf("the kubeconfig was not replaced: %s", cert.Subject)
			}
		})
	}
}

// After registration the kubelet asks for its serving certificate; its
// listener fails handshakes until then, serves with it after, and the
// next kubelet of the node finds it on disk.
func TestServingCertificate(t *testing.T) {
	f := newFakeJoinAPI(t)
	certPEM, keyPEM, err := f.ca.IssueClient("system:node:w1", []string{"system:nodes"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := kubeconfig.TLSConfig(kubeconfig.TLSFiles{CAData: f.ca.CertPEM, CertData: certPEM, KeyData: keyPEM})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(client.Config{Server: f.URL, TLS: tc})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "pki")
	s := newServingCert(dir, "w1", zap.NewNop())
	l, err := tls.Listen("tcp", "127.0.0.1:0", s.tlsConfig(tc.RootCAs))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			conn.(*tls.Conn).Handshake()
			conn.Close()
		}
	}()
	roots := x509.NewCertPool()
	roots.AddCert(f.ca.Cert)
	dial := func() (*x509.Certificate, error) {
		conn, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "w1"}) // its DNS SAN
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0], nil
	}
	if _, err := dial(); err == nil {
		t.Fatal("a handshake worked before the kubelet had a certificate")
	}

	s.run(context.Background(), csrClient{c: c, poll: 5 * time.Millisecond, timeout: 10 * time.Second, log: zap.NewNop()}, "10.0.0.7")
	csr, req := f.onlyCSR(t)
	if csr.Spec.SignerName != api.SignerKubeletServing || csr.Spec.Username != "system:node:w1" ||
		!slices.Equal(csr.Spec.Usages, []string{api.UsageDigitalSignature, api.UsageKeyEncipherment, api.UsageServerAuth}) {
		t.Errorf("CertificateSigningRequest %s: %+v", csr.Name, csr.Spec)
	}
	if req.Subject.CommonName != "system:node:w1" || !slices.Equal(req.DNSNames, []string{"w1"}) ||
		len(req.IPAddresses) != 1 || !req.IPAddresses[0].Equal(net.ParseIP("10.0.0.7")) {
		t.Errorf("requested %s, DNS %v, IPs %v", req.Subject, req.DNSNames, req.IPAddresses)
	}
	cert, err := dial()
	if err != nil || cert.Subject.CommonName != "system:node:w1" {
		t.Fatalf("after the certificate came: %v, %v", cert, err)
	}
	for _, name := range []string{"kubelet-serving.crt", "kubelet-serving.key"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, want mode 0600", name, err)
		}
	}

	requests := len(f.seen())
	again := newServingCert(dir, "w1", zap.NewNop())
	again.run(context.Background(), csrClient{c: c, poll: 5 * time.Millisecond, timeout: 10 * time.Second, log: zap.NewNop()}, "10.0.0.7")
	if got, _ := again.getCertificate(nil); got == nil || len(f.seen()) != requests {
		t.Errorf("at a restart: certificate %v, %d new requests; want the one on disk, none", got, len(f.seen())-requests)
	}
}

// The join flags are checked before anything is sent.
func TestCompleteBootstrap(t *testing.T) {
	hash := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{name: "no join", opts: Options{}},
		{name: "a join", opts: Options{BootstrapToken: testBootstrapToken, CACertHash: strings.ToUpper(hash), Server: "https://10.0.0.10:6443"}},
		{name: "token not in form", opts: Options{BootstrapToken: "abcdef0123456789abcdef", CACertHash: hash, Server: "https://x"},
			wantErr: "--bootstrap-token: must look like"},
		{name: "no hash", opts: Options{BootstrapToken: testBootstrapToken, Server: "https://x"}, wantErr: "--ca-cert-hash: must be sha256:"},
		{name: "plain http", opts: Options{BootstrapToken: testBootstrapToken, CACertHash: hash, Server: "http://x"}, wantErr: "https://"},
		{name: "a hash without a token", opts: Options{CACertHash: hash}, wantErr: "--ca-cert-hash goes with --bootstrap-token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.NodeName, o.RootDir = "w1", "/var/lib/kubelab"
			err := o.Complete()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.BootstrapToken != "" && (o.Kubeconfig != "/var/lib/kubelab/kubelet.conf" || o.CACertHash != hash) {
				t.Errorf("kubeconfig %q, hash %q", o.Kubeconfig, o.CACertHash)
			}
		})
	}
}

// A joined kubelet without --tls-cert-file serves with the certificate it
// will ask for, checking callers against the kubeconfig's CA.
func TestNewServesWithTheBootstrappedCertificate(t *testing.T) {
	f := newFakeJoinAPI(t)
	dir := t.TempDir()
	b := testBootstrap(f, dir)
	if err := b.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	k, err := New(Options{BootstrapToken: testBootstrapToken, CACertHash: b.caHash, Server: f.URL, NodeName: "w1",
		RootDir: dir, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	if k.serving == nil || k.opts.TLS == nil || k.opts.TLS.GetCertificate == nil || k.opts.TLS.ClientCAs == nil {
		t.Fatalf("serving %v, TLS %+v; want a certificate to ask for, and the cluster CA for callers", k.serving, k.opts.TLS)
	}
	if k.opts.Kubeconfig != b.kubeconfig {
		t.Errorf("kubeconfig %s, want %s", k.opts.Kubeconfig, b.kubeconfig)
	}
}
