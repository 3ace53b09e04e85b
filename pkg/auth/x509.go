package auth

import (
	"errors"
	"net/http"
)

// X509Authenticator reads the user from a client certificate, as
// Kubernetes' x509 authenticator does: the certificate's Common Name is
// the user, its Organizations are the groups. So the admin's certificate
// has O=system:masters, and a kubelet's CN=system:node:<name>,
// O=system:nodes.
//
// It trusts the TLS layer: the server must ask for client certificates
// with ClientAuth VerifyClientCertIfGiven and the cluster CA as ClientCAs,
// so that a certificate reaches here only after the handshake has checked
// it. A request whose certificate was not verified has no VerifiedChains
// and is passed over.
type X509Authenticator struct{}

var _ Authenticator = X509Authenticator{}

// AuthenticateRequest returns the user of the verified client
// certificate; ok is false when the request came without one.
func (X509Authenticator) AuthenticateRequest(r *http.Request) (*User, bool, error) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return nil, false, nil
	}
	subject := r.TLS.VerifiedChains[0][0].Subject
	if subject.CommonName == "" {
		return nil, false, errors.New("x509: the client certificate has no Common Name, so it names no user")
	}
	groups := append([]string(nil), subject.Organization...)
	return &User{Name: subject.CommonName, Groups: groups}, true, nil
}
