package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"slices"
	"testing"
	"time"
)

func TestIssue(t *testing.T) {
	ca := newTestCA(t)
	for _, tc := range []struct {
		name      string
		issue     func() ([]byte, []byte, error)
		usage     x509.ExtKeyUsage
		cn        string
		groups    []string
		dnsNames  []string
		ips       []string
		validity  time.Duration
		notUsages []x509.ExtKeyUsage
	}{
		{
			name: "serving",
			issue: func() ([]byte, []byte, error) {
				return ca.IssueServing("web", []string{"web.local", "10.0.0.1", "::1"}, 0)
			},
			usage:     x509.ExtKeyUsageServerAuth,
			cn:        "web",
			dnsNames:  []string{"web.local"},
			ips:       []string{"10.0.0.1", "::1"},
			validity:  LeafValidity,
			notUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		},
		{
			name:      "client",
			issue:     func() ([]byte, []byte, error) { return ca.IssueClient("alice", []string{"dev", "ops"}, time.Hour) },
			usage:     x509.ExtKeyUsageClientAuth,
			cn:        "alice",
			groups:    []string{"dev", "ops"},
			validity:  time.Hour,
			notUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			certPEM, keyPEM, err := tc.issue()
			if err != nil {
				t.Fatal(err)
			}
			cert := verifyCert(t, ca, certPEM, tc.usage)
			for _, u := range tc.notUsages {
				if _, err := cert.Verify(x509.VerifyOptions{Roots: pool(ca), KeyUsages: []x509.ExtKeyUsage{u}}); err == nil {
					t.Errorf("the certificate also verifies for usage %v", u)
				}
			}
			key, err := ParseKey(keyPEM)
			if err != nil || !samePublicKey(cert.PublicKey, key.Public()) {
				t.Errorf("the key is not the certificate's (%v)", err)
			}
			if cert.Subject.CommonName != tc.cn || !slices.Equal(cert.Subject.Organization, tc.groups) {
				t.Errorf("subject CN=%q O=%q, want CN=%q O=%q", cert.Subject.CommonName, cert.Subject.Organization, tc.cn, tc.groups)
			}
			if !slices.Equal(cert.DNSNames, tc.dnsNames) {
				t.Errorf("DNSNames = %q, want %q", cert.DNSNames, tc.dnsNames)
			}
			if got := ipStrings(cert.IPAddresses); !slices.Equal(got, tc.ips) {
				t.Errorf("IPAddresses = %q, want %q", got, tc.ips)
			}
			if cert.IsCA {
				t.Error("a leaf certificate is a CA")
			}
			if life := time.Until(cert.NotAfter); life < tc.validity-time.Minute || life > tc.validity {
				t.Errorf("valid for %v more, want %v", life, tc.validity)
			}
		})
	}
}

func TestSignRequest(t *testing.T) {
	ca := newTestCA(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.CertificateRequest{
		Subject:     pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes"}},
		DNSNames:    []string{"n1"},
		IPAddresses: []net.IP{net.ParseIP("192.168.1.5")},
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("signed", func(t *testing.T) {
		csr, err := x509.ParseCertificateRequest(der)
		if err != nil {
			t.Fatal(err)
		}
		certPEM, err := ca.SignRequest(csr, x509.ExtKeyUsageServerAuth, 0)
		if err != nil {
			t.Fatal(err)
		}
		cert := verifyCert(t, ca, certPEM, x509.ExtKeyUsageServerAuth)
		if !samePublicKey(cert.PublicKey, key.Public()) {
			t.Error("the certificate is not for the request's key")
		}
		if cert.Subject.CommonName != "system:node:n1" || !slices.Equal(cert.Subject.Organization, []string{"system:nodes"}) {
			t.Errorf("subject = %v, want the request's", cert.Subject)
		}
		if !slices.Equal(cert.DNSNames, []string{"n1"}) || !slices.Equal(ipStrings(cert.IPAddresses), []string{"192.168.1.5"}) {
			t.Errorf("SANs = %q %q, want the request's", cert.DNSNames, cert.IPAddresses)
		}
	})

	t.Run("bad signature", func(t *testing.T) {
		csr, err := x509.ParseCertificateRequest(der)
		if err != nil {
			t.Fatal(err)
		}
		// Someone else's key in a request signed with ours: the requester
		// does not hold the key it wants certified.
		other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		csr.PublicKey = other.Public()
		if _, err := ca.SignRequest(csr, x509.ExtKeyUsageServerAuth, 0); err == nil {
			t.Error("signed a request whose signature does not match its key")
		}
	})
}

// verifyCert parses certPEM and checks that ca signed it for usage.
func verifyCert(t *testing.T, ca *CA, certPEM []byte, usage x509.ExtKeyUsage) *x509.Certificate {
	t.Helper()
	cert, err := ParseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool(ca), KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		t.Fatalf("the certificate of %q does not verify for %v: %v", cert.Subject.CommonName, usage, err)
	}
	return cert
}

func pool(ca *CA) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

func ipStrings(ips []net.IP) []string {
	var out []string
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	return out
}
