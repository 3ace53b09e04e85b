package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"time"
)

// Validities: a leaf is re-issued often (Init renews it 30 days before it
// expires); the CA outlives them all, since replacing it means
// redistributing it to every client. Kubernetes uses the same two.
const (
	LeafValidity = 365 * 24 * time.Hour
	CAValidity   = 10 * 365 * 24 * time.Hour
)

// clockSkew backdates every certificate a little, so that a machine whose
// clock is slightly behind the issuer's still accepts it.
const clockSkew = 5 * time.Minute

// CA is a certificate authority: its certificate, as parsed and as PEM,
// and its private key.
type CA struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte
}

// NewCA makes a self-signed CA with a new ECDSA P-256 key, valid for
// CAValidity.
func NewCA(commonName string) (*CA, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	ski, err := keyID(key.Public())
	if err != nil {
		return nil, err
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(CAValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		SubjectKeyId:          ski,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("signing the CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key, CertPEM: encodeCert(der)}, nil
}

// LoadCA reads a CA from its certificate and key files and checks that
// they belong together.
func LoadCA(certFile, keyFile string) (*CA, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("reading the CA certificate: %w", err)
	}
	cert, err := ParseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", certFile, err)
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("%s: not a CA certificate (basic constraints say CA:FALSE)", certFile)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("reading the CA key: %w", err)
	}
	key, err := ParseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyFile, err)
	}
	if !samePublicKey(cert.PublicKey, key.Public()) {
		return nil, fmt.Errorf("%s is not the key of the certificate %s", keyFile, certFile)
	}
	return &CA{Cert: cert, Key: key, CertPEM: certPEM}, nil
}

// WriteFiles saves the CA: the certificate readable by all (every client
// needs it), the key by its owner only. Each file is replaced atomically.
func (ca *CA) WriteFiles(certFile, keyFile string) error {
	keyPEM, err := EncodeKey(ca.Key)
	if err != nil {
		return err
	}
	if err := writeFile(keyFile, keyPEM, 0o600); err != nil {
		return err
	}
	return writeFile(certFile, ca.CertPEM, 0o644)
}

// CACertHash is the pin of a CA that a joining node checks the CA it is
// handed against: the SHA-256 of the certificate's public key, in the
// format of kubeadm's --discovery-token-ca-cert-hash. It pins the key, not
// the certificate, so a CA re-signed with the same key keeps its hash.
func CACertHash(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func newKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating a key: %w", err)
	}
	return key, nil
}

// randomSerial returns a random 128-bit serial number, never zero: serial
// numbers must be unique per CA, and random ones need no bookkeeping.
func randomSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, fmt.Errorf("generating a serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

// keyID is a Subject Key Identifier: the SHA-256 of the public key's bits,
// cut to 160 bits (RFC 7093, method 1). Certificates the CA signs name it
// by this in their Authority Key Identifier.
func keyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
