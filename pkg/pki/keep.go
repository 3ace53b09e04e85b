package pki

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"sigs.k8s.io/yaml"

	"kubelab/pkg/kubeconfig"
)

// renewBefore is how long before a certificate expires Init replaces it,
// as `kubeadm certs check-expiration` warns 30 days ahead.
const renewBefore = 30 * 24 * time.Hour

// leaf is a certificate Init wants: whom it names, what it is for and,
// for a server, the names it is reached by.
type leaf struct {
	cn     string
	groups []string
	usage  x509.ExtKeyUsage
	hosts  []string
}

// fits tells whether certPEM and keyPEM are a pair that ca signed for
// want and that stays valid for renewBefore. A certificate may name more
// hosts than wanted: dropping a SAN is no reason to disturb a server.
func (ca *CA) fits(certPEM, keyPEM []byte, want leaf) bool {
	cert, err := ParseCert(certPEM)
	if err != nil {
		return false
	}
	key, err := ParseKey(keyPEM)
	if err != nil || !samePublicKey(cert.PublicKey, key.Public()) {
		return false
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	opts := x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{want.usage}}
	if _, err := cert.Verify(opts); err != nil || time.Until(cert.NotAfter) < renewBefore {
		return false
	}
	if cert.Subject.CommonName != want.cn || !slices.Equal(cert.Subject.Organization, want.groups) {
		return false
	}
	for _, h := range want.hosts {
		if cert.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

// writer writes files under dir, keeping those that are still good, and
// remembers what it wrote.
type writer struct {
	dir     string
	written []string
}

func (w *writer) path(name string) string { return filepath.Join(w.dir, name) }

func (w *writer) wrote(paths ...string) { w.written = append(w.written, paths...) }

// ca loads the CA under w.dir, or makes one if there is none. A
// certificate without its key is an error, not a reason for a new CA: a
// new CA would silently invalidate every certificate and kubeconfig
// handed out.
func (w *writer) ca() (*CA, error) {
	certFile, keyFile := w.path(CACertFile), w.path(CAKeyFile)
	_, err := os.Stat(certFile)
	if err == nil {
		if _, err := os.Stat(keyFile); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s is missing while the CA certificate %s exists: restore it, or remove the certificate to start a new CA", keyFile, certFile)
		}
		return LoadCA(certFile, keyFile)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	ca, err := NewCA(CACommonName)
	if err != nil {
		return nil, err
	}
	if err := ca.WriteFiles(certFile, keyFile); err != nil {
		return nil, err
	}
	w.wrote(certFile, keyFile)
	return ca, nil
}

// pair issues a certificate and key for want unless the files hold a
// pair that fits.
func (w *writer) pair(ca *CA, certName, keyName string, want leaf) error {
	certFile, keyFile := w.path(certName), w.path(keyName)
	oldCert, _ := os.ReadFile(certFile) // a file that cannot be read is replaced
	oldKey, _ := os.ReadFile(keyFile)
	if ca.fits(oldCert, oldKey, want) {
		return nil
	}
	certPEM, keyPEM, err := ca.issue(pkix.Name{CommonName: want.cn, Organization: want.groups}, want.hosts, want.usage, LeafValidity)
	if err != nil {
		return err
	}
	if err := writeFile(keyFile, keyPEM, 0o600); err != nil {
		return err
	}
	if err := writeFile(certFile, certPEM, 0o644); err != nil {
		return err
	}
	w.wrote(certFile, keyFile)
	return nil
}

// serviceAccountKey makes the key pair that signs ServiceAccount tokens,
// unless there is one: a new key would invalidate every token issued.
func (w *writer) serviceAccountKey() error {
	keyFile, pubFile := w.path(ServiceAccountKeyFile), w.path(ServiceAccountPublicKeyFile)
	data, _ := os.ReadFile(keyFile)
	key, err := ParseKey(data)
	if err != nil {
		if key, err = newKey(); err != nil {
			return err
		}
		keyPEM, err := EncodeKey(key)
		if err != nil {
			return err
		}
		if err := writeFile(keyFile, keyPEM, 0o600); err != nil {
			return err
		}
		w.wrote(keyFile)
	}
	pubPEM, err := encodePublicKey(key.Public())
	if err != nil {
		return err
	}
	if old, _ := os.ReadFile(pubFile); bytes.Equal(old, pubPEM) {
		return nil
	}
	if err := writeFile(pubFile, pubPEM, 0o600); err != nil {
		return err
	}
	w.wrote(pubFile)
	return nil
}

// kubeconfig writes a kubeconfig for want unless the file already says
// exactly that. Credentials that still fit are kept, so a new server or
// cluster name rewrites the file without issuing a certificate.
func (w *writer) kubeconfig(ca *CA, name string, o InitOptions, want leaf) error {
	path := w.path(name)
	var creds kubeconfig.AuthInfo
	if old, err := kubeconfig.Load(path); err == nil {
		for _, u := range old.Users {
			if u.Name == want.cn && ca.fits(u.User.ClientCertificateData, u.User.ClientKeyData, want) {
				creds = kubeconfig.AuthInfo{ClientCertificateData: u.User.ClientCertificateData, ClientKeyData: u.User.ClientKeyData}
			}
		}
	}
	if creds.ClientCertificateData == nil {
		certPEM, keyPEM, err := ca.IssueClient(want.cn, want.groups, LeafValidity)
		if err != nil {
			return err
		}
		creds = kubeconfig.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM}
	}
	cfg := kubeconfig.New(o.ClusterName, o.Server, ca.CertPEM, want.cn, creds)
	data, err := yaml.Marshal(cfg) // as Write would write it
	if err != nil {
		return err
	}
	if old, _ := os.ReadFile(path); bytes.Equal(old, data) {
		return nil
	}
	if err := cfg.Write(path); err != nil {
		return err
	}
	w.wrote(path)
	return nil
}
