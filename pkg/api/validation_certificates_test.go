package api

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

// requestPEM makes a real PKCS#10 request for tmpl, with a new key.
func requestPEM(t *testing.T, tmpl *x509.CertificateRequest) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// certificatePEM makes a self-signed certificate, standing for an issued one.
func certificatePEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "system:node:n1"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func nodeSubject(name string) pkix.Name {
	return pkix.Name{CommonName: "system:node:" + name, Organization: []string{"system:nodes"}}
}

// validCSR is a kubelet's first client certificate request, as a
// bootstrapping kubelet sends it.
func validCSR(t *testing.T) *CertificateSigningRequest {
	return &CertificateSigningRequest{
		ObjectMeta: ObjectMeta{Name: "node-csr-abc"},
		Spec: CertificateSigningRequestSpec{
			Request:    requestPEM(t, &x509.CertificateRequest{Subject: nodeSubject("n1")}),
			SignerName: SignerKubeletClient,
			Usages:     []string{UsageDigitalSignature, UsageClientAuth},
			Username:   "system:bootstrap:abcdef",
			Groups:     []string{"system:bootstrappers", "system:authenticated"},
		},
	}
}

func approved(reason string) CertificateSigningRequestCondition {
	return CertificateSigningRequestCondition{Type: CertificateApproved, Status: ConditionTrue, Reason: reason}
}

func TestValidateCertificateSigningRequest(t *testing.T) {
	expiry := func(s int32) *int32 { return &s }
	otherKey := validCSR(t).Spec.Request
	tampered := func(c *CertificateSigningRequest) {
		// The subject of one request with the signature of another: the
		// sender does not hold the key it asks to have certified.
		block, _ := pem.Decode(c.Spec.Request)
		req, _ := x509.ParseCertificateRequest(block.Bytes)
		other, _ := pem.Decode(otherKey)
		otherReq, _ := x509.ParseCertificateRequest(other.Bytes)
		der := append([]byte(nil), block.Bytes...)
		copy(der[len(der)-len(req.Signature):], otherReq.Signature[:min(len(req.Signature), len(otherReq.Signature))])
		c.Spec.Request = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
	}
	clientFor := func(tmpl *x509.CertificateRequest) func(*CertificateSigningRequest) {
		return func(c *CertificateSigningRequest) { c.Spec.Request = requestPEM(t, tmpl) }
	}
	serving := func(tmpl *x509.CertificateRequest, usages ...string) func(*CertificateSigningRequest) {
		return func(c *CertificateSigningRequest) {
			c.Spec.SignerName, c.Spec.Request, c.Spec.Usages = SignerKubeletServing, requestPEM(t, tmpl), usages
		}
	}
	const (
		signer  = `for signer "kubernetes.io/kube-apiserver-client-kubelet"`
		servSig = `for signer "kubernetes.io/kubelet-serving"`
	)
	tests := []struct {
		name   string
		mutate func(*CertificateSigningRequest)
		want   []string
	}{
		{"valid", func(*CertificateSigningRequest) {}, nil},
		{"with key encipherment, as an RSA key needs", func(c *CertificateSigningRequest) {
			c.Spec.Usages = []string{UsageDigitalSignature, UsageKeyEncipherment, UsageClientAuth}
		}, nil},
		{"a name with colons", func(c *CertificateSigningRequest) { c.Name = "csr:node:n1" }, nil},
		{"a name with a slash", func(c *CertificateSigningRequest) { c.Name = "a/b" },
			[]string{`metadata.name: Invalid value: "a/b": may not contain '/'`}},
		{"no request", func(c *CertificateSigningRequest) { c.Spec.Request = nil }, []string{"spec.request: Required value"}},
		{"not PEM", func(c *CertificateSigningRequest) { c.Spec.Request = []byte("hello") },
			[]string{`spec.request: Invalid value: "<request data>": PEM block type must be CERTIFICATE REQUEST`}},
		{"a certificate, not a request", func(c *CertificateSigningRequest) { c.Spec.Request = certificatePEM(t) },
			[]string{`spec.request: Invalid value: "<request data>": PEM block type must be CERTIFICATE REQUEST`}},
		{"a request that does not parse", func(c *CertificateSigningRequest) {
			c.Spec.Request = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte{0x30, 0x01}})
		}, []string{`spec.request: Invalid value: "<request data>": asn1: syntax error: data truncated`}},
		{"a signature that does not check", tampered,
			[]string{`spec.request: Invalid value: "<request data>": x509: ECDSA verification failure`}},
		{"no signer", func(c *CertificateSigningRequest) { c.Spec.SignerName = "" }, []string{"spec.signerName: Required value"}},
		{"another signer's request is not a kubelet's", func(c *CertificateSigningRequest) {
			c.Spec.SignerName, c.Spec.Request = "example.com/my-signer", requestPEM(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "jane"}})
		}, nil},
		{"a signer without a path", func(c *CertificateSigningRequest) { c.Spec.SignerName = "example.com" },
			[]string{`spec.signerName: Invalid value: "example.com": must be a fully qualified domain and path of the form 'example.com/signer-name'`}},
		{"a signer with two slashes", func(c *CertificateSigningRequest) { c.Spec.SignerName = "example.com/a/b" },
			[]string{`spec.signerName: Invalid value: "example.com/a/b": must be a fully qualified domain and path of the form 'example.com/signer-name'`}},
		{"a signer whose domain has one segment", func(c *CertificateSigningRequest) { c.Spec.SignerName = "example/signer" },
			[]string{`spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots`}},
		{"a signer with a bad domain label", func(c *CertificateSigningRequest) { c.Spec.SignerName = "Example.com/signer" },
			[]string{`spec.signerName: Invalid value: "Example.com": validating label "Example": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`}},
		{"a signer with a bad path", func(c *CertificateSigningRequest) { c.Spec.SignerName = "example.com/My_Signer" },
			[]string{`spec.signerName: Invalid value: "My_Signer": validating path: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}},
		{"ten minutes", func(c *CertificateSigningRequest) { c.Spec.ExpirationSeconds = expiry(600) }, nil},
		{"less than ten minutes", func(c *CertificateSigningRequest) { c.Spec.ExpirationSeconds = expiry(599) },
			[]string{"spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)"}},
		{"no usages", func(c *CertificateSigningRequest) { c.Spec.SignerName, c.Spec.Usages = "example.com/s", nil },
			[]string{"spec.usages: Required value"}},
		{"an unknown usage", func(c *CertificateSigningRequest) {
			c.Spec.SignerName, c.Spec.Usages = "example.com/s", []string{UsageClientAuth, "clientauth"}
		}, []string{`spec.usages[1]: Unsupported value: "clientauth": supported values: "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing", "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc"`}},
		{"a usage twice", func(c *CertificateSigningRequest) {
			c.Spec.SignerName, c.Spec.Usages = "example.com/s", []string{UsageClientAuth, "s/mime", UsageClientAuth}
		}, []string{`spec.usages[2]: Duplicate value: "client auth"`}},

		// kube-apiserver-client-kubelet: exactly a node's client certificate.
		{"client: a CN of another form", clientFor(&x509.CertificateRequest{Subject: pkix.Name{CommonName: "n1", Organization: []string{"system:nodes"}}}),
			[]string{`spec.request: Invalid value: "n1": subject common name must be system:node:<node name> ` + signer}},
		{"client: no node name", clientFor(&x509.CertificateRequest{Subject: nodeSubject("")}),
			[]string{`spec.request: Invalid value: "system:node:": subject common name must be system:node:<node name> ` + signer}},
		{"client: system:masters too", clientFor(&x509.CertificateRequest{Subject: pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes", "system:masters"}}}),
			[]string{`spec.request: Invalid value: []string{"system:nodes", "system:masters"}: subject organization must be exactly [system:nodes] ` + signer}},
		{"client: no organization", clientFor(&x509.CertificateRequest{Subject: pkix.Name{CommonName: "system:node:n1"}}),
			[]string{`spec.request: Invalid value: []string(nil): subject organization must be exactly [system:nodes] ` + signer}},
		{"client: SANs", clientFor(&x509.CertificateRequest{Subject: nodeSubject("n1"), DNSNames: []string{"n1"}, IPAddresses: []net.IP{net.ParseIP("10.0.0.1")}}),
			[]string{"spec.request: Forbidden: DNS subjectAltNames are not allowed " + signer, "spec.request: Forbidden: IP subjectAltNames are not allowed " + signer}},
		{"client: server auth", func(c *CertificateSigningRequest) { c.Spec.Usages = []string{UsageDigitalSignature, UsageServerAuth} },
			[]string{`spec.usages: Invalid value: []string{"digital signature", "server auth"}: must be "digital signature" and "client auth", optionally with "key encipherment", ` + signer}},
		{"client: client auth alone", func(c *CertificateSigningRequest) { c.Spec.Usages = []string{UsageClientAuth} },
			[]string{`spec.usages: Invalid value: []string{"client auth"}: must be "digital signature" and "client auth", optionally with "key encipherment", ` + signer}},

		// kubelet-serving: a node's serving certificate, for its names and addresses.
		{"serving", serving(&x509.CertificateRequest{Subject: nodeSubject("n1"), DNSNames: []string{"n1"}, IPAddresses: []net.IP{net.ParseIP("10.0.0.1")}},
			UsageDigitalSignature, UsageKeyEncipherment, UsageServerAuth), nil},
		{"serving: no SANs", serving(&x509.CertificateRequest{Subject: nodeSubject("n1")}, UsageDigitalSignature, UsageServerAuth),
			[]string{"spec.request: Required value: at least one DNS or IP subjectAltName is required " + servSig}},
		{"serving: an email or URI SAN", serving(&x509.CertificateRequest{Subject: nodeSubject("n1"), DNSNames: []string{"n1"},
			EmailAddresses: []string{"n1@example.com"}, URIs: []*url.URL{{Scheme: "spiffe", Host: "n1"}}}, UsageDigitalSignature, UsageServerAuth),
			[]string{"spec.request: Forbidden: email subjectAltNames are not allowed " + servSig, "spec.request: Forbidden: URI subjectAltNames are not allowed " + servSig}},
		{"serving: client auth", serving(&x509.CertificateRequest{Subject: nodeSubject("n1"), DNSNames: []string{"n1"}}, UsageDigitalSignature, UsageClientAuth),
			[]string{`spec.usages: Invalid value: []string{"digital signature", "client auth"}: must be "digital signature" and "server auth", optionally with "key encipherment", ` + servSig}},

		// Conditions.
		{"approved", func(c *CertificateSigningRequest) {
			c.Status.Conditions = []CertificateSigningRequestCondition{approved("AutoApproved")}
		}, nil},
		{"approved, then failed", func(c *CertificateSigningRequest) {
			c.Status.Conditions = []CertificateSigningRequestCondition{approved("AutoApproved"), {Type: CertificateFailed, Status: ConditionTrue, Reason: "SignerValidationFailure"}}
		}, nil},
		{"an unknown condition", func(c *CertificateSigningRequest) {
			c.Status.Conditions = []CertificateSigningRequestCondition{{Type: "Signed", Status: ConditionTrue}}
		}, []string{`status.conditions[0].type: Unsupported value: "Signed": supported values: "Approved", "Denied", "Failed"`}},
		{"a condition without type or status", func(c *CertificateSigningRequest) {
			c.Status.Conditions = []CertificateSigningRequestCondition{{}}
		}, []string{"status.conditions[0].type: Required value", "status.conditions[0].status: Required value"}},
		{"approved and denied", func(c *CertificateSigningRequest) {
			c.Status.Conditions = []CertificateSigningRequestCondition{approved("ByHand"), {Type: CertificateDenied, Status: ConditionTrue}}
		}, []string{`status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive`}},
		{"approved twice", func(c *CertificateSigningRequest) {
			c.Status.Conditions = []CertificateSigningRequestCondition{approved("ByHand"), approved("AutoApproved")}
		}, []string{`status.conditions[1].type: Duplicate value: "Approved"`}},
		{"approved False", func(c *CertificateSigningRequest) {
			c.Status.Conditions = []CertificateSigningRequestCondition{{Type: CertificateApproved, Status: ConditionFalse}}
		}, []string{`status.conditions[0].status: Unsupported value: "False": supported values: "True"`}},
		{"failed Maybe", func(c *CertificateSigningRequest) {
			c.Status.Conditions = []CertificateSigningRequestCondition{{Type: CertificateFailed, Status: "Maybe"}}
		}, []string{`status.conditions[0].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"`}},

		// The certificate.
		{"a certificate on an approved request", func(c *CertificateSigningRequest) {
			c.Status.Conditions = []CertificateSigningRequestCondition{approved("AutoApproved")}
			c.Status.Certificate = append([]byte("issued by kubelab\n"), certificatePEM(t)...)
		}, nil},
		{"a certificate on a request not approved", func(c *CertificateSigningRequest) { c.Status.Certificate = certificatePEM(t) },
			[]string{"status.certificate: Forbidden: may only be set on a request that is Approved and not Failed"}},
		{"a certificate that is a request", func(c *CertificateSigningRequest) {
			c.Status.Conditions = []CertificateSigningRequestCondition{approved("AutoApproved")}
			c.Status.Certificate = c.Spec.Request
		}, []string{`status.certificate: Invalid value: "<certificate data>": only CERTIFICATE PEM blocks are allowed, found "CERTIFICATE REQUEST"`}},
		{"a certificate that is not PEM", func(c *CertificateSigningRequest) {
			c.Status.Conditions = []CertificateSigningRequestCondition{approved("AutoApproved")}
			c.Status.Certificate = []byte("MIIB...")
		}, []string{`status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validCSR(t)
			tt.mutate(c)
			checkErrors(t, Validate(c), tt.want)
		})
	}
}

func TestValidateCertificateSigningRequestUpdate(t *testing.T) {
	stored := validCSR(t)
	stored.Status.Conditions = []CertificateSigningRequestCondition{approved("AutoApproved")}
	stored.Status.Certificate = certificatePEM(t)
	expiry := int32(3600)
	tests := []struct {
		name   string
		old    func(*CertificateSigningRequest)
		mutate func(*CertificateSigningRequest)
		want   []string
	}{
		{"unchanged", nil, func(*CertificateSigningRequest) {}, nil},
		{"a label added", nil, func(c *CertificateSigningRequest) { c.Labels = map[string]string{"a": "b"} }, nil},
		{"approve", func(o *CertificateSigningRequest) { o.Status = CertificateSigningRequestStatus{} },
			func(c *CertificateSigningRequest) { c.Status.Certificate = nil }, nil},
		{"issue", func(o *CertificateSigningRequest) { o.Status.Certificate = nil }, func(*CertificateSigningRequest) {}, nil},
		{"fail", func(o *CertificateSigningRequest) { o.Status.Certificate = nil }, func(c *CertificateSigningRequest) {
			c.Status.Certificate = nil
			c.Status.Conditions = append(c.Status.Conditions, CertificateSigningRequestCondition{Type: CertificateFailed, Status: ConditionTrue})
		}, nil},
		{"another request", nil, func(c *CertificateSigningRequest) { c.Spec.Request = validCSR(t).Spec.Request },
			[]string{`spec.request: Invalid value: "<request data>": field is immutable`}},
		{"another signer and more time", nil, func(c *CertificateSigningRequest) {
			c.Spec.SignerName, c.Spec.ExpirationSeconds = "example.com/s", &expiry
		}, []string{`spec.signerName: Invalid value: "example.com/s": field is immutable`, "spec.expirationSeconds: Invalid value: 3600: field is immutable"}},
		{"another requester", nil, func(c *CertificateSigningRequest) {
			c.Spec.Username, c.Spec.Groups = "system:node:n1", []string{"system:nodes"}
		}, []string{`spec.username: Invalid value: "system:node:n1": field is immutable`, `spec.groups: Invalid value: []string{"system:nodes"}: field is immutable`}},
		{"more usages", nil, func(c *CertificateSigningRequest) {
			c.Spec.Usages = append(c.Spec.Usages, UsageKeyEncipherment)
		}, []string{`spec.usages: Invalid value: []string{"digital signature", "client auth", "key encipherment"}: field is immutable`}},
		{"approval taken back", func(o *CertificateSigningRequest) { o.Status.Certificate = nil },
			func(c *CertificateSigningRequest) { c.Status.Conditions = nil },
			[]string{`status.conditions: Forbidden: updates may not remove a condition of type "Approved"`}},
		{"approval turned into denial", func(o *CertificateSigningRequest) { o.Status.Certificate = nil }, func(c *CertificateSigningRequest) {
			c.Status.Conditions, c.Status.Certificate = []CertificateSigningRequestCondition{{Type: CertificateDenied, Status: ConditionTrue}}, nil
		}, []string{`status.conditions: Forbidden: updates may not remove a condition of type "Approved"`}},
		{"failure taken back", func(o *CertificateSigningRequest) {
			o.Status.Certificate = nil
			o.Status.Conditions = append(o.Status.Conditions, CertificateSigningRequestCondition{Type: CertificateFailed, Status: ConditionTrue})
		}, func(c *CertificateSigningRequest) {
			c.Status.Conditions, c.Status.Certificate = c.Status.Conditions[:1], nil
		}, []string{`status.conditions: Forbidden: updates may not remove a condition of type "Failed"`}},
		{"another certificate", nil, func(c *CertificateSigningRequest) { c.Status.Certificate = certificatePEM(t) },
			[]string{`status.certificate: Invalid value: "<certificate data>": updates may not modify existing certificate content`}},
		{"the certificate removed", nil, func(c *CertificateSigningRequest) { c.Status.Certificate = nil },
			[]string{`status.certificate: Invalid value: "<certificate data>": updates may not modify existing certificate content`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := DeepCopy(stored)
			if tt.old != nil {
				tt.old(old)
			}
			c := DeepCopy(old)
			tt.mutate(c)
			checkErrors(t, ValidateUpdate(c, old), tt.want)
		})
	}
}

// The kubelet checks are exported for the approver and the signer, which
// need the node's name.
func TestValidateKubeletRequest(t *testing.T) {
	parse := func(tmpl *x509.CertificateRequest) *x509.CertificateRequest {
		req, err := ParseCertificateRequest(requestPEM(t, tmpl))
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	tests := []struct {
		name, signer string
		req          *x509.CertificateRequest
		usages       []string
		wantNode     string
		wantErr      string
	}{
		{"a node's client certificate", SignerKubeletClient, parse(&x509.CertificateRequest{Subject: nodeSubject("worker-1")}),
			[]string{UsageClientAuth, UsageDigitalSignature}, "worker-1", ""},
		{"a node's serving certificate", SignerKubeletServing, parse(&x509.CertificateRequest{Subject: nodeSubject("worker-1"), DNSNames: []string{"worker-1"}}),
			[]string{UsageServerAuth, UsageDigitalSignature}, "worker-1", ""},
		{"another signer: not checked, no node", SignerClient, parse(&x509.CertificateRequest{Subject: nodeSubject("worker-1")}),
			[]string{UsageClientAuth}, "", ""},
		{"a user's certificate to the kubelet signer", SignerKubeletClient, parse(&x509.CertificateRequest{Subject: pkix.Name{CommonName: "jane"}}),
			[]string{UsageClientAuth, UsageDigitalSignature}, "", "subject common name must be system:node:<node name>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node, errs := ValidateKubeletRequest(tt.signer, tt.req, tt.usages)
			if node != tt.wantNode || (tt.wantErr == "") != (len(errs) == 0) || !strings.Contains(errs.Error(), tt.wantErr) {
				t.Errorf("ValidateKubeletRequest = %q, %v; want %q, %q", node, errs, tt.wantNode, tt.wantErr)
			}
		})
	}
}
