package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"time"
)

// IssueServing issues a serving certificate, with a new key, for a server
// reachable at hosts: DNS names or IP addresses, which a client checks the
// name it dialed against. A validity of 0 means LeafValidity.
func (ca *CA) IssueServing(commonName string, hosts []string, validity time.Duration) (certPEM, keyPEM []byte, err error) {
	return ca.issue(pkix.Name{CommonName: commonName}, hosts, x509.ExtKeyUsageServerAuth, validity)
}

// IssueClient issues a client certificate, with a new key, for the user
// commonName in groups: Kubernetes reads the Common Name as the user name
// and each Organization as a group. A validity of 0 means LeafValidity.
func (ca *CA) IssueClient(commonName string, groups []string, validity time.Duration) (certPEM, keyPEM []byte, err error) {
	return ca.issue(pkix.Name{CommonName: commonName, Organization: groups}, nil, x509.ExtKeyUsageClientAuth, validity)
}

// SignRequest signs a certificate signing request, whose key stays with
// the requester: it checks that the requester holds the key (the CSR's
// signature), then certifies the subject and SANs it asked for, for usage.
// Whether the requester may have that name is the caller's decision, as
// it is the CertificateSigningRequest approver's in Kubernetes.
func (ca *CA) SignRequest(csr *x509.CertificateRequest, usage x509.ExtKeyUsage, validity time.Duration) (certPEM []byte, err error) {
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("the certificate request's signature is not valid: %w", err)
	}
	tmpl := &x509.Certificate{
		Subject:     csr.Subject,
		DNSNames:    csr.DNSNames,
		IPAddresses: csr.IPAddresses,
		ExtKeyUsage: []x509.ExtKeyUsage{usage},
	}
	return ca.sign(tmpl, csr.PublicKey, validity)
}

// issue makes a new key and a certificate for it.
func (ca *CA) issue(subject pkix.Name, hosts []string, usage x509.ExtKeyUsage, validity time.Duration) (certPEM, keyPEM []byte, err error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{Subject: subject, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	if certPEM, err = ca.sign(tmpl, key.Public(), validity); err != nil {
		return nil, nil, err
	}
	if keyPEM, err = EncodeKey(key); err != nil {
		return nil, nil, err
	}
	return certPEM, keyPEM, nil
}

// sign fills in what every leaf certificate has (a serial, the validity,
// a key usage, no CA rights) and signs tmpl for pub.
func (ca *CA) sign(tmpl *x509.Certificate, pub crypto.PublicKey, validity time.Duration) ([]byte, error) {
	if validity <= 0 {
		validity = LeafValidity
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl.SerialNumber = serial
	tmpl.NotBefore = now.Add(-clockSkew)
	tmpl.NotAfter = now.Add(validity)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.BasicConstraintsValid = true
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("signing the certificate for %q: %w", tmpl.Subject.CommonName, err)
	}
	return encodeCert(der), nil
}
