package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewCA(t *testing.T) {
	ca := newTestCA(t)
	c := ca.Cert
	if !c.IsCA || !c.BasicConstraintsValid {
		t.Errorf("IsCA = %v, BasicConstraintsValid = %v; want both true", c.IsCA, c.BasicConstraintsValid)
	}
	wantUsage := x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign
	if c.KeyUsage != wantUsage {
		t.Errorf("KeyUsage = %b, want %b", c.KeyUsage, wantUsage)
	}
	if life := c.NotAfter.Sub(time.Now()); life < CAValidity-time.Hour || life > CAValidity {
		t.Errorf("the CA is valid for %v more, want about %v", life, CAValidity)
	}
	if n := c.SerialNumber.BitLen(); n < 64 || n > 129 {
		t.Errorf("serial number of %d bits, want a random one of about 128", n)
	}
	if len(c.SubjectKeyId) == 0 {
		t.Error("no SubjectKeyId")
	}
	if err := c.CheckSignatureFrom(c); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	if c.Subject.CommonName != "test-ca" {
		t.Errorf("CN = %q, want test-ca", c.Subject.CommonName)
	}
}

func TestCAFiles(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	ca := newTestCA(t)
	if err := ca.WriteFiles(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	checkMode(t, certFile, 0o644)
	checkMode(t, keyFile, 0o600)
	loaded, err := LoadCA(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.Cert.Equal(ca.Cert) || !samePublicKey(loaded.Key.Public(), ca.Key.Public()) {
		t.Error("LoadCA read back a different CA")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("%d files in the directory, want 2 (no temporary files left)", len(entries))
	}

	other := newTestCA(t)
	otherKey := filepath.Join(dir, "other.key")
	if err := other.WriteFiles(filepath.Join(dir, "other.crt"), otherKey); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCA(certFile, otherKey); err == nil || !strings.Contains(err.Error(), "other.key") {
		t.Errorf("LoadCA with another CA's key: err = %v, want one naming other.key", err)
	}
}

func TestCACertHash(t *testing.T) {
	ca := newTestCA(t)
	spki, err := x509.MarshalPKIXPublicKey(ca.Key.Public())
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("sha256:%x", sha256.Sum256(spki))
	if got := CACertHash(ca.Cert); got != want {
		t.Errorf("CACertHash = %s, want %s", got, want)
	}
}

func TestParseKey(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := EncodeKey(key)
	if err != nil {
		t.Fatal(err)
	}
	sec1DER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	// What `openssl ecparam -genkey` writes: the curve's parameters first.
	params := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}})
	sec1 := append(params, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1DER})...)
	for _, tc := range []struct {
		name    string
		data    []byte
		wantErr bool
	}{
		{name: "PKCS#8", data: pkcs8},
		{name: "SEC 1 after EC PARAMETERS", data: sec1},
		{name: "not PEM", data: []byte("hello"), wantErr: true},
		{name: "a certificate", data: newTestCA(t).CertPEM, wantErr: true},
		{name: "garbage in a key block", data: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}}), wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseKey(tc.data)
			if tc.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !samePublicKey(got.Public(), key.Public()) {
				t.Error("parsed a different key")
			}
		})
	}
}

func TestParseCert(t *testing.T) {
	ca := newTestCA(t)
	keyPEM, err := EncodeKey(ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseCert(append(keyPEM, ca.CertPEM...))
	if err != nil || !got.Equal(ca.Cert) {
		t.Errorf("ParseCert of a key then the certificate: %v", err)
	}
	if _, err := ParseCert(keyPEM); err == nil {
		t.Error("ParseCert of a key alone: no error")
	}
}

func newTestCA(t *testing.T) *CA {
	t.Helper()
	ca, err := NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", path, got, want)
	}
}
