package integration

import (
	"crypto/tls"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/apiserver"
	"kubelab/pkg/auth"
	"kubelab/pkg/client"
	"kubelab/pkg/kubeconfig"
	"kubelab/pkg/pki"
)

// Every test of a run shares one cluster PKI, laid out by pki.Init as
// `make up` lays out .kubelab: the CA, the apiserver's serving certificate
// (for 127.0.0.1, whatever the port) and a kubeconfig per component. Each
// component runs under its own identity, never the admin's, so that the
// tests also show that the default roles (pkg/auth/policy.go) are enough
// for it. The directory is a temporary one that TestMain removes.

// pkiServer is the address Init writes into the kubeconfigs. Nothing
// listens there: every user overrides it with its test's apiserver
// (--server, or client.Load's server).
const pkiServer = "https://127.0.0.1:6443"

var testPKI struct {
	once      sync.Once
	dir       string
	err       error
	admin     *tls.Config  // kubernetes-admin, in system:masters
	adminHTTP *http.Client // the admin's, shared as http.DefaultClient was

	mu       sync.Mutex
	kubelets map[string]string // node name → its kubelet's kubeconfig
}

// clusterPKI makes the PKI on first use and returns its directory.
func clusterPKI(t *testing.T) string {
	t.Helper()
	testPKI.once.Do(func() {
		if testPKI.dir, testPKI.err = os.MkdirTemp("", "kubelab-pki-"); testPKI.err != nil {
			return
		}
		if _, testPKI.err = pki.Init(testPKI.dir, pki.InitOptions{Server: pkiServer}); testPKI.err != nil {
			return
		}
		if testPKI.admin, testPKI.err = kubeconfigTLS(filepath.Join(testPKI.dir, pki.AdminKubeconfig)); testPKI.err != nil {
			return
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = testPKI.admin.Clone()
		testPKI.adminHTTP = &http.Client{Transport: tr}
	})
	if testPKI.err != nil {
		t.Fatalf("the test PKI: %v", testPKI.err)
	}
	return testPKI.dir
}

// removePKI removes the PKI's directory, if it was made; TestMain calls it.
func removePKI() {
	if testPKI.dir != "" {
		os.RemoveAll(testPKI.dir)
	}
}

// pkiFile is the path of one of the files Init writes (pki.CACertFile,
// pki.AdminKubeconfig, ...).
func pkiFile(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(clusterPKI(t), name)
}

// apiserverTLSFlags are bin/apiserver's certificate and key flags: its
// serving certificate, the CA of client certificates, what it shows
// kubelets, and the key that signs ServiceAccount tokens (their defaults
// name .kubelab/pki, which a test must not read).
func apiserverTLSFlags(t *testing.T) []string {
	t.Helper()
	return []string{"--tls-cert-file", pkiFile(t, pki.APIServerCertFile),
		"--tls-private-key-file", pkiFile(t, pki.APIServerKeyFile),
		"--client-ca-file", pkiFile(t, pki.CACertFile),
		"--kubelet-client-certificate", pkiFile(t, pki.APIServerKubeletClientCertFile),
		"--kubelet-client-key", pkiFile(t, pki.APIServerKubeletClientKeyFile),
		"--kubelet-certificate-authority", pkiFile(t, pki.CACertFile),
		"--service-account-signing-key-file", pkiFile(t, pki.ServiceAccountKeyFile)}
}

// servingTLS is the same for an apiserver in this process.
func servingTLS(t *testing.T) *tls.Config {
	t.Helper()
	tc, err := apiserver.ServingTLS(pkiFile(t, pki.APIServerCertFile), pkiFile(t, pki.APIServerKeyFile), pkiFile(t, pki.CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	return tc
}

// componentKubeconfigs are the kubeconfigs Init writes, by the program
// that runs with each.
var componentKubeconfigs = map[string]string{
	"scheduler":  pki.SchedulerKubeconfig,
	"controller": pki.ControllerManagerKubeconfig,
	"proxy":      pki.ProxyKubeconfig,
	"kctl":       pki.AdminKubeconfig,
}

// componentKubeconfig is the kubeconfig of the scheduler, the controller,
// the proxy, or kctl (the admin's).
func componentKubeconfig(t *testing.T, program string) string {
	t.Helper()
	name, ok := componentKubeconfigs[program]
	if !ok {
		t.Fatalf("no kubeconfig for %s", program)
	}
	return pkiFile(t, name)
}

// kubeletKubeconfig is the kubeconfig of node's kubelet, user
// system:node:<node> in system:nodes, as the Node authorizer wants it;
// written on first use.
func kubeletKubeconfig(t *testing.T, node string) string {
	t.Helper()
	dir := clusterPKI(t)
	testPKI.mu.Lock()
	defer testPKI.mu.Unlock()
	if path, ok := testPKI.kubelets[node]; ok {
		return path
	}
	path := filepath.Join(dir, "kubelet-"+node+".conf")
	if err := pki.WriteUserKubeconfig(dir, pkiServer, auth.NodeUserPrefix+node, []string{auth.GroupNodes}, path); err != nil {
		t.Fatal(err)
	}
	if testPKI.kubelets == nil {
		testPKI.kubelets = map[string]string{}
	}
	testPKI.kubelets[node] = path
	return path
}

// connectFlags are the flags every program takes to reach the apiserver at
// addr as the kubeconfig's user.
func connectFlags(kubeconfigPath, addr string) []string {
	return []string{"--kubeconfig", kubeconfigPath, "--server", "https://" + addr}
}

// userKubeconfig writes a kubeconfig for user in groups, with a client
// certificate the cluster CA signs, for the apiserver at addr; it returns
// its path, in a directory of the test.
func userKubeconfig(t *testing.T, addr, user string, groups ...string) string {
	t.Helper()
	ca, err := pki.LoadCA(pkiFile(t, pki.CACertFile), pkiFile(t, pki.CAKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.IssueClient(user, groups, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kc := kubeconfig.New(pki.DefaultClusterName, "https://"+addr, ca.CertPEM, user,
		kubeconfig.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM})
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := kc.Write(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// clientFor is a REST client, without rate limit, as the user of a
// kubeconfig, for the apiserver at addr.
func clientFor(t *testing.T, kubeconfigPath, addr string) *client.Client {
	t.Helper()
	cfg, err := client.Load(kubeconfigPath, "https://"+addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = -1, -1
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// adminClient is clientFor the admin: kubernetes-admin, in system:masters.
func adminClient(t *testing.T, addr string) *client.Client {
	t.Helper()
	return clientFor(t, pkiFile(t, pki.AdminKubeconfig), addr)
}

// adminTLS is the admin's TLS configuration, for connections the tests
// make by hand; a copy, the caller's to change.
func adminTLS(t *testing.T) *tls.Config {
	t.Helper()
	clusterPKI(t)
	return testPKI.admin.Clone()
}

// adminHTTP is an HTTP client as the admin, for the requests the REST
// client does not make (raw bodies, /healthz, /metrics). It serves plain
// http:// URLs too. One for the run, as http.DefaultClient was.
func adminHTTP(t *testing.T) *http.Client {
	t.Helper()
	clusterPKI(t)
	return testPKI.adminHTTP
}

// kubeconfigTLS is the TLS configuration of a kubeconfig's current
// context: its CA, and its user's client certificate.
func kubeconfigTLS(path string) (*tls.Config, error) {
	kc, err := kubeconfig.Load(path)
	if err != nil {
		return nil, err
	}
	r, err := kc.Resolve("")
	if err != nil {
		return nil, err
	}
	return r.TLS, nil
}
