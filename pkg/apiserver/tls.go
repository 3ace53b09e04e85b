package apiserver

import (
	"crypto/tls"
	"errors"
	"fmt"

	"kubelab/pkg/auth"
	"kubelab/pkg/pki"
)

// ServingTLS is the API's TLS configuration: the serving certificate, and
// client certificates checked against the cluster CA when a client
// presents one (a client with a token presents none). A certificate the
// CA did not sign fails the handshake.
func ServingTLS(certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" || clientCAFile == "" {
		return nil, errors.New("--tls-cert-file, --tls-private-key-file and --client-ca-file are required: the API is served over HTTPS only (kubeadm init writes them)")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert-file/--tls-private-key-file: %w (kubeadm init writes them)", err)
	}
	pool, err := pki.CertPoolFile("--client-ca-file", clientCAFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    pool,
	}, nil
}

// KubeletClientTLS is how the apiserver reaches kubelets: its client
// certificate (in system:masters, which kubelets require), and the CA that
// signs their serving certificates.
func KubeletClientTLS(certFile, keyFile, caFile string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" || caFile == "" {
		return nil, errors.New("--kubelet-client-certificate, --kubelet-client-key and --kubelet-certificate-authority are required: kubelets serve logs and exec over TLS only (kubeadm init writes them)")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("--kubelet-client-certificate/--kubelet-client-key: %w", err)
	}
	pool, err := pki.CertPoolFile("--kubelet-certificate-authority", caFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, RootCAs: pool}, nil
}

// authenticatorFor is the apiserver's authenticators: client
// certificates, then the static tokens of tokenFile if given.
func authenticatorFor(tokenFile string) (auth.Authenticator, error) {
	auths := []auth.Authenticator{auth.X509Authenticator{}}
	if tokenFile != "" {
		tf, err := auth.LoadTokenFile(tokenFile)
		if err != nil {
			return nil, fmt.Errorf("--token-auth-file: %w", err)
		}
		auths = append(auths, tf)
	}
	return auth.Union(auths...), nil
}
