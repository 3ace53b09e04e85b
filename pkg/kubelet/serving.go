package kubelet

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"kubelab/pkg/pki"
)

// The kubelet's port runs commands in containers and reads their logs, so
// only the cluster's own may use it, as Kubernetes locks its kubelets
// down (--anonymous-auth=false, --client-ca-file):
//
//   - it serves HTTPS with a certificate the cluster CA signed for
//     system:node:<name>: the apiserver checks that name before it
//     forwards a request, so a Node pointed at someone else's address
//     reaches nothing;
//   - a caller must present a client certificate the same CA signed, in
//     the group system:masters: the apiserver's kubelet client
//     certificate, or the admin's. Everyone else gets 401 or 403;
//   - /healthz answers anyone, for probes and scripts.
//
// (Kubernetes asks the apiserver, with a SubjectAccessReview, whether the
// caller may get nodes/proxy; kubelab's rule is the group.)

// groupMasters may use the kubelet's API.
const groupMasters = "system:masters"

// servingTLS is the kubelet's TLS configuration, or nil without a
// certificate. The callers' CA is clientCAFile, else clusterCAs.
func servingTLS(certFile, keyFile, clientCAFile string, clusterCAs *x509.CertPool) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, errors.New("--tls-cert-file and --tls-private-key-file go together")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert-file/--tls-private-key-file: %w (kubeadm certs kubelet issues them)", err)
	}
	pool := clusterCAs
	if clientCAFile != "" {
		if pool, err = pki.CertPoolFile("--client-ca-file", clientCAFile); err != nil {
			return nil, err
		}
	}
	if pool == nil {
		return nil, errors.New("--client-ca-file is required when the kubeconfig names no CA: the kubelet must know whose client certificates to accept")
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert},
		ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: pool}, nil
}

// authorizeCallers lets /healthz through, and everything else only to a
// verified client certificate in system:masters; without TLS, only
// /healthz and /metrics, and pods' logs and exec never.
func authorizeCallers(next http.Handler, secure bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		if !secure {
			if r.URL.Path == "/metrics" {
				next.ServeHTTP(w, r)
				return
			}
			writeStatus(w, http.StatusForbidden, "this kubelet has no serving certificate (--tls-cert-file): it serves no logs or exec")
			return
		}
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
			writeStatus(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		leaf := r.TLS.VerifiedChains[0][0]
		if !slices.Contains(leaf.Subject.Organization, groupMasters) {
			writeStatus(w, http.StatusForbidden, fmt.Sprintf("user %q (groups=[%s]) may not use the kubelet's API",
				leaf.Subject.CommonName, strings.Join(leaf.Subject.Organization, " ")))
			return
		}
		next.ServeHTTP(w, r)
	})
}
