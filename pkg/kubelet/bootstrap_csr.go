package kubelet

// A kubelet gets its certificates as any client of the certificates API
// does: it makes a key, sends a certificate request (PKCS#10) signed with
// it in a CertificateSigningRequest, and waits until a controller has
// approved the request and another has written the certificate into its
// status. The key never leaves the node. Kubernetes' kubelet watches the
// request (client-go's certificate/csr.WaitForCertificate); kubelab's
// polls it, which needs no field selector and reads as a loop.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/pki"
)

// csrClient asks for certificates with CertificateSigningRequests.
type csrClient struct {
	c       *client.Client
	poll    time.Duration // between looks at the request
	timeout time.Duration // for it to be signed
	log     *zap.Logger
}

// request makes a new ECDSA P-256 key, asks signer for a certificate of
// tmpl's subject and SANs, for usages, and waits for it. It returns the
// certificate and the key, as PEM.
func (r csrClient) request(ctx context.Context, signer string, tmpl *x509.CertificateRequest, usages []string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return nil, nil, fmt.Errorf("make the certificate request: %w", err)
	}
	csr := &api.CertificateSigningRequest{
		ObjectMeta: api.ObjectMeta{Name: "node-csr-" + strings.ToLower(rand.Text()[:12])},
		Spec: api.CertificateSigningRequestSpec{SignerName: signer, Usages: usages,
			Request: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})},
	}
	if _, err := r.c.Resource(csrResource()).Create(ctx, csr); err != nil {
		if st, ok := client.StatusOf(err); ok && st.Code == http.StatusUnauthorized {
			return nil, nil, fmt.Errorf("create the CertificateSigningRequest: %w (the credentials were refused: "+
				"a bootstrap token that is wrong, expired or deleted; make join-token prints a new one)", err)
		}
		return nil, nil, fmt.Errorf("create the CertificateSigningRequest: %w", err)
	}
	if certPEM, err = r.wait(ctx, csr.Name); err != nil {
		return nil, nil, err
	}
	if err := sameKey(certPEM, key); err != nil {
		return nil, nil, fmt.Errorf("CertificateSigningRequest %s: %w", csr.Name, err)
	}
	keyPEM, err = pki.EncodeKey(key)
	return certPEM, keyPEM, err
}

func csrResource() api.Resource {
	r, _ := api.Lookup("certificatesigningrequests")
	return r
}

// csrWaitLog is how often a wait for the apiserver says it still waits.
const csrWaitLog = 15 * time.Second

// wait polls the request until it has a certificate, is denied or failed,
// or the timeout is over. An error of the apiserver other than a transient
// one (the request is gone, the caller may not read it) ends the wait.
func (r csrClient) wait(ctx context.Context, name string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	var logged time.Time
	approved := false
	for {
		obj, err := r.c.Resource(csrResource()).Get(ctx, name)
		if s, ok := client.StatusOf(err); ok && s.Code >= 400 && s.Code < 500 && s.Code != http.StatusTooManyRequests {
			return nil, fmt.Errorf("read CertificateSigningRequest %s: %w", name, err)
		}
		if err == nil {
			csr := obj.(*api.CertificateSigningRequest)
			for _, typ := range []string{api.CertificateDenied, api.CertificateFailed} {
				if c := csrCondition(csr, typ); c != nil {
					return nil, fmt.Errorf("CertificateSigningRequest %s was %s: %s: %s", name, strings.ToLower(typ), c.Reason, c.Message)
				}
			}
			if len(csr.Status.Certificate) > 0 {
				return csr.Status.Certificate, nil
			}
			approved = csr.HasCondition(api.CertificateApproved)
		}
		if time.Since(logged) >= csrWaitLog {
			waitingFor := "approval (the certificates controller approves a node's own request)"
			if approved {
				waitingFor = "its certificate (approved; the signer writes it into the status)"
			}
			r.log.Info("waiting for CertificateSigningRequest", zap.String("csr", name), zap.String("for", waitingFor), zap.Error(err))
			logged = time.Now()
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				state := "not approved"
				if approved {
					state = "approved but not signed"
				}
				return nil, fmt.Errorf("CertificateSigningRequest %s is still %s after %s: are the controllers running? (kctl get csr %s)",
					name, state, r.timeout, name)
			}
			return nil, ctx.Err()
		case <-time.After(r.poll):
		}
	}
}

// csrCondition is the request's condition typ when it is True.
func csrCondition(csr *api.CertificateSigningRequest, typ string) *api.CertificateSigningRequestCondition {
	for i, c := range csr.Status.Conditions {
		if c.Type == typ && c.Status == api.ConditionTrue {
			return &csr.Status.Conditions[i]
		}
	}
	return nil
}

// sameKey checks that the signed certificate is for key.
func sameKey(certPEM []byte, key crypto.Signer) error {
	cert, err := pki.ParseCert(certPEM)
	if err != nil {
		return fmt.Errorf("the signed certificate: %w", err)
	}
	if pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(key.Public()) {
		return errors.New("the signed certificate is not for the key this kubelet made")
	}
	return nil
}
