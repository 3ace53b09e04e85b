package pki

import (
	"crypto/x509"
	"path/filepath"
	"strings"
	"testing"

	"kubelab/pkg/kubeconfig"
)

func TestWriteUserKubeconfig(t *testing.T) {
	dir := initTestDir(t)
	out := filepath.Join(t.TempDir(), "kubelet.conf")
	if err := WriteUserKubeconfig(dir, testServer, "system:node:n1", []string{"system:nodes"}, out); err != nil {
		t.Fatal(err)
	}
	checkMode(t, out, 0o600)
	cfg, err := kubeconfig.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "system:node:n1@kubelab" || cfg.Clusters[0].Cluster.Server != testServer {
		t.Errorf("context %q, server %q; want system:node:n1@kubelab at %s", cfg.CurrentContext, cfg.Clusters[0].Cluster.Server, testServer)
	}
	cert := verifyCert(t, loadTestCA(t, dir), cfg.Users[0].User.ClientCertificateData, x509.ExtKeyUsageClientAuth)
	checkSubject(t, cert, "system:node:n1", "system:nodes")
}

func TestIssueKubeletServing(t *testing.T) {
	dir := initTestDir(t)
	certFile, keyFile, err := IssueKubeletServing(dir, "n1", []string{"10.0.0.5", "n1.lab"})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "pki", "kubelet-n1.crt"); certFile != want {
		t.Errorf("certFile = %s, want %s", certFile, want)
	}
	checkMode(t, keyFile, 0o600)
	cert := verifyCert(t, loadTestCA(t, dir), readFile(t, dir, "pki/kubelet-n1.crt"), x509.ExtKeyUsageServerAuth)
	checkSubject(t, cert, "system:node:n1", "system:nodes")
	for _, h := range []string{"n1", "n1.lab", "10.0.0.5"} {
		if err := cert.VerifyHostname(h); err != nil {
			t.Errorf("not valid for %q: %v", h, err)
		}
	}
	key, err := ParseKey(readFile(t, dir, "pki/kubelet-n1.key"))
	if err != nil || !samePublicKey(cert.PublicKey, key.Public()) {
		t.Errorf("the key is not the certificate's (%v)", err)
	}
}

func TestBadNames(t *testing.T) {
	dir := initTestDir(t)
	out := filepath.Join(t.TempDir(), "config")
	for _, tc := range []struct {
		name    string
		call    func() error
		wantErr string
	}{
		{"empty user", func() error { return WriteUserKubeconfig(dir, testServer, "", nil, out) }, "user: must not be empty"},
		{"user with a slash", func() error { return WriteUserKubeconfig(dir, testServer, "a/b", nil, out) }, `user "a/b": must not contain '/'`},
		{"http server", func() error { return WriteUserKubeconfig(dir, "http://x", "u", nil, out) }, "https://"},
		{"empty node name", func() error { _, _, err := IssueKubeletServing(dir, "", nil); return err }, "node name: must not be empty"},
		{"node name with a slash", func() error { _, _, err := IssueKubeletServing(dir, "../x", nil); return err }, "node name \"../x\": must not contain '/'"},
		{"no CA", func() error { _, _, err := IssueKubeletServing(t.TempDir(), "n1", nil); return err }, "CA certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want one saying %q", err, tc.wantErr)
			}
		})
	}
}

func initTestDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := Init(dir, InitOptions{Server: testServer}); err != nil {
		t.Fatal(err)
	}
	return dir
}
