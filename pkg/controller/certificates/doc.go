// Package certificates is where a node's certificates come from: three
// reconcilers, each in its own package, that together do what kubeadm
// join and Kubernetes' certificate controllers do for a new node.
//
//	kubeadm token create    a bootstrap token: a Secret in kube-system (pkg/auth/bootstrap.go)
//	kubelet, first start    authenticates with the token as system:bootstrap:<id>
//	                        in system:bootstrappers, makes a key, sends a
//	                        CertificateSigningRequest for CN system:node:<name>,
//	                        O system:nodes, signer kube-apiserver-client-kubelet
//	approver                approves it: a bootstrapper asked for a node's
//	                        client certificate (approval subresource)
//	signer                  signs it with the cluster CA (status subresource)
//	kubelet                 reads status.certificate, and from then on is
//	                        system:node:<name>; later it asks for a serving
//	                        certificate (signer kubelet-serving) the same way,
//	                        and renews its client certificate as itself
//	tokencleaner            deletes the token's Secret once it expires
//
// The approver is Kubernetes' csrapproving controller
// (pkg/controller/certificates/approver), the signer its csrsigning
// controller (pkg/controller/certificates/signer), the token cleaner its
// tokencleaner (pkg/controller/bootstrap). kubelab's approver also
// approves kubelet serving certificates for the node's own names and
// addresses, which Kubernetes leaves to a separate approver.
//
// # Wiring
//
// The controller manager (pkg/controller/manager) runs all three; the
// signer only when it can read the cluster CA's certificate and key
// (--cluster-signing-cert-file, --cluster-signing-key-file).
package certificates
