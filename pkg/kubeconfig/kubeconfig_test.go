package kubeconfig

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteLoadResolve(t *testing.T) {
	dir := t.TempDir()
	c := New("kubelab", "http://127.0.0.1:6443", nil, "jane", AuthInfo{Token: "abc"})
	c.Contexts[0].Context.Namespace = "ns1"
	path := filepath.Join(dir, "admin.conf")
	if err := c.Write(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v (%v), want 0600", fi.Mode(), err)
	}
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := loaded.Resolve("")
	if err != nil {
		t.Fatal(err)
	}
	if r.Server != "http://127.0.0.1:6443" || r.Token != "abc" || r.Namespace != "ns1" || r.TLS != nil || r.Context != "jane@kubelab" {
		t.Fatalf("resolved %+v", r)
	}
}

// Relative file paths are relative to the kubeconfig's directory, and a
// missing file is named in the error.
func TestRelativePaths(t *testing.T) {
	dir := t.TempDir()
	body := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443", certificate-authority: pki/ca.crt}
users:
- name: u
  user: {tokenFile: token}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Resolve("")
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "pki", "ca.crt")) {
		t.Fatalf("Resolve = %v, want an error naming %s", err, filepath.Join(dir, "pki", "ca.crt"))
	}
}

func TestResolveErrors(t *testing.T) {
	c := New("kubelab", "https://127.0.0.1:6443", nil, "jane", AuthInfo{})
	for name, tc := range map[string]struct {
		mutate func(*Config)
		want   string
	}{
		"unknown context": {func(c *Config) { c.CurrentContext = "nope" }, `context "nope" is not in the kubeconfig`},
		"no context":      {func(c *Config) { c.CurrentContext = "" }, "no current-context"},
		"unknown cluster": {func(c *Config) { c.Clusters[0].Name = "other" }, `cluster "kubelab" is not in the kubeconfig`},
		"unknown user":    {func(c *Config) { c.Users[0].Name = "other" }, `user "jane" is not in the kubeconfig`},
		"cert, no key":    {func(c *Config) { c.Users[0].User.ClientCertificateData = []byte("x") }, "without its client-key"},
		"bad CA":          {func(c *Config) { c.Clusters[0].Cluster.CertificateAuthorityData = []byte("x") }, "no PEM certificate"},
	} {
		cp := *c
		cp.Clusters = append([]NamedCluster(nil), c.Clusters...)
		cp.Users = append([]NamedUser(nil), c.Users...)
		tc.mutate(&cp)
		if _, err := cp.Resolve(""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Resolve = %v, want %q", name, err, tc.want)
		}
	}
}

// The cluster's CA comes back as PEM, from the kubeconfig's data or from
// the file it names, for whoever must hand it on (the controller manager
// publishes it in every namespace).
func TestResolveCAData(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubelab-ca"}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	inline := New("kubelab", "https://127.0.0.1:6443", caPEM, "u", AuthInfo{})
	fromFile := New("kubelab", "https://127.0.0.1:6443", nil, "u", AuthInfo{})
	fromFile.Clusters[0].Cluster.CertificateAuthority = "ca.crt"
	fromFile.dir = dir
	plain := New("kubelab", "http://127.0.0.1:6443", caPEM, "u", AuthInfo{})
	for name, tt := range map[string]struct {
		c    *Config
		want []byte
	}{"data": {inline, caPEM}, "file": {fromFile, caPEM}, "http": {plain, nil}} {
		r, err := tt.c.Resolve("")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(r.CAData, tt.want) {
			t.Errorf("%s: CAData %q, want %q", name, r.CAData, tt.want)
		}
	}
}
