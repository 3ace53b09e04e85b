package pki

import (
	"bytes"
	"crypto/x509"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/kubeconfig"
)

var allFiles = []string{
	CACertFile, CAKeyFile,
	APIServerCertFile, APIServerKeyFile,
	APIServerKubeletClientCertFile, APIServerKubeletClientKeyFile,
	ServiceAccountKeyFile, ServiceAccountPublicKeyFile,
	AdminKubeconfig, ControllerManagerKubeconfig, SchedulerKubeconfig, ProxyKubeconfig,
}

const testServer = "https://127.0.0.1:6443"

func TestInit(t *testing.T) {
	dir := t.TempDir()
	res, err := Init(dir, InitOptions{Server: testServer, ExtraSANs: []string{"api.example.com", "192.0.2.7"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := paths(dir, allFiles...); !slices.Equal(res.Files, want) {
		t.Errorf("Files = %q, want %q", res.Files, want)
	}
	ca, err := LoadCA(filepath.Join(dir, CACertFile), filepath.Join(dir, CAKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if ca.Cert.Subject.CommonName != "kubelab-ca" {
		t.Errorf("CA CN = %q, want kubelab-ca", ca.Cert.Subject.CommonName)
	}
	if res.CAHash != CACertHash(ca.Cert) {
		t.Errorf("CAHash = %s, want %s", res.CAHash, CACertHash(ca.Cert))
	}

	for _, name := range []string{CAKeyFile, APIServerKeyFile, APIServerKubeletClientKeyFile, ServiceAccountKeyFile, ServiceAccountPublicKeyFile,
		AdminKubeconfig, ControllerManagerKubeconfig, SchedulerKubeconfig, ProxyKubeconfig} {
		checkMode(t, filepath.Join(dir, name), 0o600)
	}
	checkMode(t, filepath.Join(dir, "pki"), 0o700)

	serving := verifyCert(t, ca, readFile(t, dir, APIServerCertFile), x509.ExtKeyUsageServerAuth)
	hostname, _ := os.Hostname()
	for _, h := range []string{"localhost", "127.0.0.1", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc.cluster.local", "10.96.0.1", hostname, "api.example.com", "192.0.2.7"} {
		if err := serving.VerifyHostname(h); err != nil {
			t.Errorf("the apiserver's certificate is not valid for %q: %v", h, err)
		}
	}
	kubeletClient := verifyCert(t, ca, readFile(t, dir, APIServerKubeletClientCertFile), x509.ExtKeyUsageClientAuth)
	checkSubject(t, kubeletClient, "kube-apiserver-kubelet-client", "system:masters")

	saKey, err := ParseKey(readFile(t, dir, ServiceAccountKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if pub, err := encodePublicKey(saKey.Public()); err != nil || !bytes.Equal(pub, readFile(t, dir, ServiceAccountPublicKeyFile)) {
		t.Errorf("sa.pub is not the public key of sa.key (%v)", err)
	}

	for _, tc := range []struct {
		file, user string
		groups     []string
	}{
		{AdminKubeconfig, "kubernetes-admin", []string{"system:masters"}},
		{ControllerManagerKubeconfig, "system:kube-controller-manager", nil},
		{SchedulerKubeconfig, "system:kube-scheduler", nil},
		{ProxyKubeconfig, "system:kube-proxy", nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			cfg, err := kubeconfig.Load(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.user + "@kubelab"; cfg.CurrentContext != want {
				t.Errorf("current-context = %q, want %q", cfg.CurrentContext, want)
			}
			cl := cfg.Clusters[0]
			if cl.Name != "kubelab" || cl.Cluster.Server != testServer || !bytes.Equal(cl.Cluster.CertificateAuthorityData, ca.CertPEM) {
				t.Errorf("cluster %q at %q, want kubelab at %s with the CA's certificate", cl.Name, cl.Cluster.Server, testServer)
			}
			cert := verifyCert(t, ca, cfg.Users[0].User.ClientCertificateData, x509.ExtKeyUsageClientAuth)
			checkSubject(t, cert, tc.user, tc.groups...)
		})
	}
}

// TestInitAgain runs Init on a directory Init made, after a change, and
// checks that it wrote exactly the files the change calls for: every
// other file is left byte for byte (so the CA and the certificates keep
// their serials).
func TestInitAgain(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, dir string, o *InitOptions)
		want   []string
		check  func(t *testing.T, before, after map[string][]byte)
	}{
		{
			name:   "nothing changed",
			change: func(*testing.T, string, *InitOptions) {},
		},
		{
			name:   "another server",
			change: func(_ *testing.T, _ string, o *InitOptions) { o.Server = "https://localhost:7443" },
			want:   []string{AdminKubeconfig, ControllerManagerKubeconfig, SchedulerKubeconfig, ProxyKubeconfig},
			check: func(t *testing.T, before, after map[string][]byte) {
				// The credentials still fit: the rewritten file keeps them.
				b, a := userCert(t, before[AdminKubeconfig]), userCert(t, after[AdminKubeconfig])
				if a.SerialNumber.Cmp(b.SerialNumber) != 0 {
					t.Error("a new server re-issued the admin's certificate")
				}
			},
		},
		{
			name:   "extra SANs",
			change: func(_ *testing.T, _ string, o *InitOptions) { o.ExtraSANs = []string{"api.example.com", "192.0.2.7"} },
			want:   []string{APIServerCertFile, APIServerKeyFile},
		},
		{
			name: "serving certificate expiring in 10 days",
			change: func(t *testing.T, dir string, o *InitOptions) {
				ca := loadTestCA(t, dir)
				certPEM, keyPEM, err := ca.IssueServing(APIServerCommonName, apiserverSANs(*o), 10*24*time.Hour)
				writePair(t, dir, APIServerCertFile, APIServerKeyFile, certPEM, keyPEM, err)
			},
			want: []string{APIServerCertFile, APIServerKeyFile},
		},
		{
			name: "client certificate from another CA",
			change: func(t *testing.T, dir string, _ *InitOptions) {
				certPEM, keyPEM, err := newTestCA(t).IssueClient("kube-apiserver-kubelet-client", []string{"system:masters"}, 0)
				writePair(t, dir, APIServerKubeletClientCertFile, APIServerKubeletClientKeyFile, certPEM, keyPEM, err)
			},
			want: []string{APIServerKubeletClientCertFile, APIServerKubeletClientKeyFile},
		},
		{
			name:   "key removed",
			change: func(t *testing.T, dir string, _ *InitOptions) { remove(t, dir, APIServerKeyFile) },
			want:   []string{APIServerCertFile, APIServerKeyFile},
		},
		{
			name:   "kubeconfig removed",
			change: func(t *testing.T, dir string, _ *InitOptions) { remove(t, dir, SchedulerKubeconfig) },
			want:   []string{SchedulerKubeconfig},
		},
		{
			name:   "sa.pub removed",
			change: func(t *testing.T, dir string, _ *InitOptions) { remove(t, dir, ServiceAccountPublicKeyFile) },
			want:   []string{ServiceAccountPublicKeyFile},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o := InitOptions{Server: testServer}
			if _, err := Init(dir, o); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, dir)
			tc.change(t, dir, &o)
			res, err := Init(dir, o)
			if err != nil {
				t.Fatal(err)
			}
			if want := paths(dir, tc.want...); !slices.Equal(res.Files, want) {
				t.Errorf("Files = %q, want %q", res.Files, want)
			}
			after := snapshot(t, dir)
			for name, data := range before {
				if !slices.Contains(tc.want, name) && !bytes.Equal(after[name], data) {
					t.Errorf("%s changed", name)
				}
			}
			if tc.check != nil {
				tc.check(t, before, after)
			}
		})
	}
}

func TestInitErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, dir string)
		server  string
		wantErr string
	}{
		{name: "no server", server: "", wantErr: "server"},
		{name: "http server", server: "http://127.0.0.1:6443", wantErr: "https://"},
		{name: "no host", server: "https://", wantErr: "server"},
		{
			name: "CA certificate without its key",
			prepare: func(t *testing.T, dir string) {
				if _, err := Init(dir, InitOptions{Server: testServer}); err != nil {
					t.Fatal(err)
				}
				remove(t, dir, CAKeyFile)
			},
			server:  testServer,
			wantErr: filepath.Join("pki", "ca.key"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.prepare != nil {
				tc.prepare(t, dir)
			}
			_, err := Init(dir, InitOptions{Server: tc.server})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want one saying %q", err, tc.wantErr)
			}
		})
	}
}

func checkSubject(t *testing.T, cert *x509.Certificate, cn string, groups ...string) {
	t.Helper()
	if cert.Subject.CommonName != cn || !slices.Equal(cert.Subject.Organization, groups) {
		t.Errorf("subject CN=%q O=%q, want CN=%q O=%q", cert.Subject.CommonName, cert.Subject.Organization, cn, groups)
	}
}

// snapshot reads every file under dir, by its path relative to dir.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[rel], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func userCert(t *testing.T, kubeconfigData []byte) *x509.Certificate {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, kubeconfigData, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := kubeconfig.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ParseCert(cfg.Users[0].User.ClientCertificateData)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func loadTestCA(t *testing.T, dir string) *CA {
	t.Helper()
	ca, err := loadDirCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func writePair(t *testing.T, dir, certName, keyName string, certPEM, keyPEM []byte, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, certName), certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, keyName), keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func remove(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func paths(dir string, names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, filepath.Join(dir, n))
	}
	return out
}
