package signer

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/controller/controllertest"
	"kubelab/pkg/pki"
)

func request(t *testing.T, subject pkix.Name, ips ...string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.CertificateRequest{Subject: subject}
	for _, ip := range ips {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

var node1 = pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes"}}

func csr(t *testing.T, signer string, subject pkix.Name, usages []string, conds ...string) *api.CertificateSigningRequest {
	c := &api.CertificateSigningRequest{
		ObjectMeta: api.ObjectMeta{Name: "csr-1"},
		Spec:       api.CertificateSigningRequestSpec{Request: request(t, subject), SignerName: signer, Usages: usages},
	}
	for _, typ := range conds {
		c.Status.Conditions = append(c.Status.Conditions, api.CertificateSigningRequestCondition{Type: typ, Status: api.ConditionTrue})
	}
	return c
}

var (
	clientUsages  = []string{api.UsageDigitalSignature, api.UsageClientAuth}
	servingUsages = []string{api.UsageDigitalSignature, api.UsageKeyEncipherment, api.UsageServerAuth}
)

func TestSync(t *testing.T) {
	ca, err := pki.NewCA("kubelab-test-ca")
	if err != nil {
		t.Fatal(err)
	}
	hour := int32(3600)
	tests := []struct {
		name       string
		csr        *api.CertificateSigningRequest
		duration   time.Duration
		fail       error
		wantWrites []string
		wantErr    bool
		// what the certificate must be: usage and validity; or the
		// Failed condition's reason and message.
		wantUsage    x509.ExtKeyUsage
		wantValidity time.Duration
		wantFailed   string
	}{
		{name: "an approved kubelet client request is signed for client auth",
			csr:        csr(t, api.SignerKubeletClient, node1, clientUsages, api.CertificateApproved),
			wantWrites: []string{"updateStatus certificatesigningrequests csr-1"}, wantUsage: x509.ExtKeyUsageClientAuth, wantValidity: DefaultDuration},
		{name: "an approved kubelet serving request is signed for server auth",
			csr: func() *api.CertificateSigningRequest {
				c := csr(t, api.SignerKubeletServing, node1, servingUsages, api.CertificateApproved)
				c.Spec.Request = request(t, node1, "10.0.0.11")
				return c
			}(),
			wantWrites: []string{"updateStatus certificatesigningrequests csr-1"}, wantUsage: x509.ExtKeyUsageServerAuth, wantValidity: DefaultDuration},
		{name: "an approved client request for anyone is signed",
			csr:        csr(t, api.SignerClient, pkix.Name{CommonName: "jane", Organization: []string{"devs"}}, []string{api.UsageClientAuth}, api.CertificateApproved),
			wantWrites: []string{"updateStatus certificatesigningrequests csr-1"}, wantUsage: x509.ExtKeyUsageClientAuth, wantValidity: DefaultDuration},
		{name: "expirationSeconds shortens the certificate",
			csr: func() *api.CertificateSigningRequest {
				c := csr(t, api.SignerKubeletClient, node1, clientUsages, api.CertificateApproved)
				c.Spec.ExpirationSeconds = &hour
				return c
			}(),
			wantWrites: []string{"updateStatus certificatesigningrequests csr-1"}, wantUsage: x509.ExtKeyUsageClientAuth, wantValidity: time.Hour},
		{name: "the signing duration caps it",
			csr:        csr(t, api.SignerKubeletClient, node1, clientUsages, api.CertificateApproved),
			duration:   30 * time.Minute,
			wantWrites: []string{"updateStatus certificatesigningrequests csr-1"}, wantUsage: x509.ExtKeyUsageClientAuth, wantValidity: 30 * time.Minute},

		{name: "a pending request is not signed", csr: csr(t, api.SignerKubeletClient, node1, clientUsages)},
		{name: "a denied request is not signed", csr: csr(t, api.SignerKubeletClient, node1, clientUsages, api.CertificateDenied)},
		{name: "a failed request is not signed again", csr: csr(t, api.SignerKubeletClient, node1, clientUsages, api.CertificateApproved, api.CertificateFailed)},
		{name: "a signed request is not signed again",
			csr: func() *api.CertificateSigningRequest {
				c := csr(t, api.SignerKubeletClient, node1, clientUsages, api.CertificateApproved)
				c.Status.Certificate = []byte("-----BEGIN CERTIFICATE-----\n...")
				return c
			}()},
		{name: "another signer's request is not ours", csr: csr(t, "example.com/my-signer", node1, clientUsages, api.CertificateApproved)},

		{name: "an approved kubelet request for a user's name fails",
			csr:        csr(t, api.SignerKubeletClient, pkix.Name{CommonName: "jane", Organization: []string{"system:nodes"}}, clientUsages, api.CertificateApproved),
			wantWrites: []string{"updateStatus certificatesigningrequests csr-1"},
			wantFailed: `SignerValidationFailure spec.request: Invalid value: "jane": subject common name must be system:node:<node name>`},
		{name: "an approved client request for server auth fails",
			csr:        csr(t, api.SignerClient, pkix.Name{CommonName: "jane"}, []string{api.UsageServerAuth}, api.CertificateApproved),
			wantWrites: []string{"updateStatus certificatesigningrequests csr-1"},
			wantFailed: "SignerValidationFailure invalid usage for client certificate: server auth"},
		{name: "an approved request that does not parse fails",
			csr: func() *api.CertificateSigningRequest {
				c := csr(t, api.SignerKubeletClient, node1, clientUsages, api.CertificateApproved)
				c.Spec.Request = []byte("not PEM")
				return c
			}(),
			wantWrites: []string{"updateStatus certificatesigningrequests csr-1"},
			wantFailed: "SignerValidationFailure PEM block type must be CERTIFICATE REQUEST"},
		{name: "a failed write is returned, to be retried",
			csr:        csr(t, api.SignerKubeletClient, node1, clientUsages, api.CertificateApproved),
			fail:       errors.New("connection refused"),
			wantWrites: []string{"updateStatus certificatesigningrequests csr-1"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &controllertest.Writer{}
			if tt.fail != nil {
				w.Fail = map[string]error{"updateStatus certificatesigningrequests": tt.fail}
			}
			before := api.DeepCopy(tt.csr)
			start := time.Now()
			err := New(controllertest.NewLister(tt.csr), ca, tt.duration, w, nil).Sync(context.Background(), tt.csr.Name)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Sync error = %v, want error %v", err, tt.wantErr)
			}
			if got := w.Strings(); !slices.Equal(got, tt.wantWrites) {
				t.Fatalf("writes = %q, want %q", got, tt.wantWrites)
			}
			if len(tt.csr.Status.Conditions) != len(before.Status.Conditions) || len(tt.csr.Status.Certificate) != len(before.Status.Certificate) {
				t.Error("the cached request was changed; copy before changing")
			}
			if len(w.Actions) == 0 || tt.wantErr {
				return
			}
			out := w.Actions[0].Object.(*api.CertificateSigningRequest)
			if tt.wantFailed != "" {
				checkFailed(t, out, tt.wantFailed)
				return
			}
			checkCertificate(t, ca, tt.csr, out, tt.wantUsage, start.Add(tt.wantValidity))
		})
	}
}

// checkFailed: no certificate, and a Failed condition "Reason Message".
func checkFailed(t *testing.T, out *api.CertificateSigningRequest, want string) {
	t.Helper()
	if len(out.Status.Certificate) > 0 {
		t.Error("a failed request got a certificate")
	}
	last := out.Status.Conditions[len(out.Status.Conditions)-1]
	if last.Type != api.CertificateFailed || last.Status != api.ConditionTrue || !strings.HasPrefix(last.Reason+" "+last.Message, want) {
		t.Errorf("last condition = %+v, want Failed %q", last, want)
	}
}

// checkCertificate: the certificate verifies against the CA for usage,
// certifies the request's key, subject and SANs, and ends at notAfter
// (within the second the test took).
func checkCertificate(t *testing.T, ca *pki.CA, in, out *api.CertificateSigningRequest, usage x509.ExtKeyUsage, notAfter time.Time) {
	t.Helper()
	if errs := api.ValidateUpdate(out, in); len(errs) > 0 {
		t.Errorf("the apiserver would refuse the status: %v", errs)
	}
	cert, err := pki.ParseCert(out.Status.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		t.Errorf("the certificate does not verify for usage %v: %v", usage, err)
	}
	req, _ := api.ParseCertificateRequest(in.Spec.Request)
	if cert.Subject.CommonName != req.Subject.CommonName || !slices.Equal(cert.Subject.Organization, req.Subject.Organization) {
		t.Errorf("subject = %v, want %v", cert.Subject, req.Subject)
	}
	if !slices.EqualFunc(cert.IPAddresses, req.IPAddresses, net.IP.Equal) {
		t.Errorf("IP SANs = %v, want %v", cert.IPAddresses, req.IPAddresses)
	}
	if !cert.PublicKey.(*ecdsa.PublicKey).Equal(req.PublicKey) {
		t.Error("the certificate is not for the request's key")
	}
	if d := cert.NotAfter.Sub(notAfter); d < -time.Second || d > 2*time.Second {
		t.Errorf("notAfter = %v, want about %v", cert.NotAfter, notAfter)
	}
}

func TestCSRHandler(t *testing.T) {
	c := New(controllertest.NewLister(), nil, 0, &controllertest.Writer{}, nil)
	r := csr(t, api.SignerKubeletClient, node1, clientUsages)
	c.CSRHandler().OnAdd(r)
	c.CSRHandler().OnUpdate(r, r)
	if got := controllertest.Drain(c.Queue()); !slices.Equal(got, []string{"csr-1"}) {
		t.Errorf("queued %q, want [csr-1]", got)
	}
}
