package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/apiserver"
	"kubelab/pkg/auth"
	"kubelab/pkg/client"
	"kubelab/pkg/pki"
	"kubelab/pkg/store"
)

// The apiserver serves HTTPS only and asks every caller who it is. The
// test makes a cluster CA as `make up` does (kubeadm init, pki.Init), and
// each part of the cluster uses the identity it has on a real node:
//
//	the test and kctl   kubernetes-admin, in system:masters (admin.conf)
//	the kubelet         system:node:<node>, in system:nodes (kubelet-<node>.conf),
//	                    serving logs and exec with pki/kubelet-<node>.crt
//	the proxy           system:kube-proxy (proxy.conf)
//	the controllers     system:kube-controller-manager (controller-manager.conf)
//	the apiserver       pki/apiserver.crt, and to kubelets pki/apiserver-kubelet-client.crt
//
// So a component that needs a request its role does not allow fails here
// as it would on a real node. Every 401 and 403 the apiserver answers is
// recorded with who asked, and logged when the test ends: a refusal that
// breaks a component shows as a failed step, and its log line says which
// request it was.

// startAPIServer serves the API over an embedded etcd on a free port, with
// the cluster's certificates in a temporary directory.
func (c *cluster) startAPIServer() {
	t := c.t
	etcd, err := store.StartEmbedded(store.EmbeddedConfig{DataDir: t.TempDir(), Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(etcd.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.server = "https://" + ln.Addr().String()
	c.pkiDir = t.TempDir()
	tlsConfig, kubeletTLS := c.makePKI()
	// Pods reach it with their ServiceAccount's token through the
	// kubernetes Service, rewritten by the proxy to 127.0.0.1, as on a
	// `make up` node.
	sa, err := apiserver.LoadServiceAccounts(c.file(pki.ServiceAccountKeyFile), nil, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(c.file(pki.CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := apiserver.New(apiserver.Config{Store: store.New(etcd.Client(), "/registry"),
		ClusterCIDR: clusterCIDR, ServiceCIDR: serviceCIDR,
		AdvertiseAddress: "127.0.0.1", AdvertisePort: int32(ln.Addr().(*net.TCPAddr).Port),
		TLS: tlsConfig, Authenticator: auth.X509Authenticator{}, KubeletTLS: kubeletTLS,
		ServiceAccounts: sa, ClusterCA: caPEM})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := srv.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	var background sync.WaitGroup
	background.Go(func() { srv.RunAuthorizerCaches(ctx) })
	background.Go(func() { srv.RunKubernetesService(ctx) })
	// httptest rather than srv.Serve, for the recorder in front of the
	// apiserver's own handler chain.
	hs := httptest.NewUnstartedServer(c.refused.record(srv.Handler()))
	hs.Listener.Close()
	hs.Listener, hs.TLS = ln, tlsConfig
	hs.StartTLS()
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
		cancel()
		background.Wait()
		c.refused.report(c.t)
	})
	c.client = c.clientAs(pki.AdminKubeconfig)
	// These tests run no controller manager (TestProxy starts its own):
	// make what its serviceaccount and rootca controllers would, the
	// ServiceAccount default and the cluster CA, for the pods' tokens.
	for _, ns := range []string{"default", "kube-system"} {
		for _, obj := range []api.Object{
			&api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: api.DefaultServiceAccountName, Namespace: ns}},
			&api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: api.RootCAConfigMapName, Namespace: ns},
				Data: map[string]string{api.RootCAConfigMapKey: string(caPEM)}},
		} {
			if _, err := c.client.For(obj).Create(context.Background(), obj); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// makePKI writes the CA, the apiserver's certificates and the
// components' kubeconfigs, as kubeadm init does, and the kubelet's
// kubeconfig and serving certificate, as `kubeadm kubeconfig user` and
// `kubeadm certs kubelet` do. It returns the apiserver's TLS
// configurations: for its clients, and for dialing the kubelet.
func (c *cluster) makePKI() (serving, kubelet *tls.Config) {
	t := c.t
	// The kubernetes Service's address is the first of the tests' service
	// range: pods check the apiserver's certificate for it.
	if _, err := pki.Init(c.pkiDir, pki.InitOptions{Server: c.server, ExtraSANs: []string{kubernetesServiceIP}}); err != nil {
		t.Fatal(err)
	}
	err := pki.WriteUserKubeconfig(c.pkiDir, c.server, auth.NodeUserPrefix+c.node, []string{auth.GroupNodes},
		c.file(c.kubeletKubeconfig()))
	if err != nil {
		t.Fatal(err)
	}
	if c.kubeletCert, c.kubeletKey, err = pki.IssueKubeletServing(c.pkiDir, c.node, []string{"127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	serving, err = apiserver.ServingTLS(c.file(pki.APIServerCertFile), c.file(pki.APIServerKeyFile), c.file(pki.CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	kubelet, err = apiserver.KubeletClientTLS(c.file(pki.APIServerKubeletClientCertFile),
		c.file(pki.APIServerKubeletClientKeyFile), c.file(pki.CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	return serving, kubelet
}

// kubeletKubeconfig is the name of the kubelet's kubeconfig, under the
// PKI directory, as hack/up.sh names it.
func (c *cluster) kubeletKubeconfig() string { return "kubelet-" + c.node + ".conf" }

// file is the path of a file of the PKI directory: pki.AdminKubeconfig,
// pki.CACertFile, …
func (c *cluster) file(name string) string { return filepath.Join(c.pkiDir, name) }

// clientAs is a client with the identity of a kubeconfig of the PKI
// directory, not rate-limited.
func (c *cluster) clientAs(name string) *client.Client {
	c.t.Helper()
	cc, err := client.Load(c.file(name), "")
	if err != nil {
		c.t.Fatal(err)
	}
	cc.QPS, cc.Burst = -1, -1
	cl, err := client.New(cc)
	if err != nil {
		c.t.Fatal(err)
	}
	return cl
}

// refusals records the requests the apiserver refused (401, 403) and who
// sent them.
type refusals struct {
	mu   sync.Mutex
	seen []string
}

// record passes every request to next and notes the refused ones.
func (rf *refusals) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &codeRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		if rec.code != http.StatusUnauthorized && rec.code != http.StatusForbidden {
			return
		}
		who := "no certificate"
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			s := r.TLS.PeerCertificates[0].Subject
			who = fmt.Sprintf("%s %v", s.CommonName, s.Organization)
		}
		rf.mu.Lock()
		defer rf.mu.Unlock()
		rf.seen = append(rf.seen, fmt.Sprintf("%d %s %s by %s (%s): %s", rec.code, r.Method, r.URL.RequestURI(),
			who, r.UserAgent(), strings.TrimSpace(rec.body.String())))
	})
}

// report logs the refusals.
func (rf *refusals) report(t *testing.T) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	for _, s := range rf.seen {
		t.Logf("the apiserver refused a request: %s", s)
	}
}

// codeRecorder remembers the status code and the start of an error's
// body. Flush and Unwrap keep watches and the proxied streams of log and
// exec working through it.
type codeRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
	body  strings.Builder
}

func (r *codeRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *codeRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	if r.code >= 400 && r.body.Len() < 1024 {
		r.body.Write(b[:min(len(b), 1024)])
	}
	return r.ResponseWriter.Write(b)
}

func (r *codeRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *codeRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
