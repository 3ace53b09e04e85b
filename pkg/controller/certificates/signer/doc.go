// Package signer issues the certificates of approved
// CertificateSigningRequests with the cluster CA, as Kubernetes'
// csrsigning controller (pkg/controller/certificates/signer/signer.go)
// does for its built-in signers:
//
//	kubernetes.io/kube-apiserver-client-kubelet  a kubelet's client certificate   client auth
//	kubernetes.io/kubelet-serving                a kubelet's serving certificate  server auth
//	kubernetes.io/kube-apiserver-client          anyone's client certificate      client auth
//
// # The loop
//
// The queue holds request names. Sync reads the request from the cache
// and acts on it only if it is for one of these signers, Approved, not
// Denied, not Failed and not yet signed. It checks the request as the
// signer requires (api.ValidateKubeletRequest for the kubelet signers:
// system:node:<name> in system:nodes; client usages only for
// kube-apiserver-client) and signs it for min(spec.expirationSeconds,
// the signing duration). One write, through the status subresource:
// status.certificate, or a Failed condition saying why it cannot be
// signed. Whether the requester should have the certificate was the
// approver's decision, not the signer's.
//
// Kubernetes reloads the CA files when they change and can use a CA per
// signer; kubelab's signer uses the one CA it is given.
//
// # Wiring
//
//	ca, err := pki.LoadCA(certFile, keyFile)
//	s := signer.New(csrs, ca, duration, writer, log)
//	csrs.AddHandler(s.CSRHandler())
//	// start the informers, wait for them to sync, then
//	s.Run(ctx, workers)
package signer
