// Package pki makes the certificates and keys of a kubelab cluster, laid
// out as kubeadm lays them out, so that the apiserver, the components and
// the real kubectl can use them unchanged.
//
// # One CA, and names in certificates
//
// A cluster trusts one certificate authority. Everything that talks to the
// apiserver proves who it is with a client certificate the CA signed, and
// the apiserver proves who it is with a serving certificate the CA signed.
// Kubernetes reads a client certificate's subject as an identity: the
// Common Name is the user, each Organization a group. So "kubernetes-admin"
// in the group "system:masters" may do everything, and a kubelet is
// "system:node:<node>" in "system:nodes".
//
// # Layout
//
// Init writes, under a directory (.kubelab for `make up`):
//
//	pki/ca.crt, pki/ca.key                  the cluster CA
//	pki/apiserver.crt, .key                 the apiserver's serving certificate
//	pki/apiserver-kubelet-client.crt, .key  what the apiserver shows kubelets
//	pki/sa.key, pki/sa.pub                  signs ServiceAccount tokens
//	admin.conf                              kubeconfig of kubernetes-admin
//	controller-manager.conf, scheduler.conf, proxy.conf
//
// The file names are the constants in files.go. Keys and kubeconfigs are
// readable by their owner only.
//
// # Running it again
//
// Init is idempotent, like `make up`: it keeps the CA it finds and every
// file that is still good (signed by that CA, for the right name, not
// expiring within 30 days), and writes only what is missing or stale. A
// new --server rewrites the kubeconfigs; a new SAN re-issues the serving
// certificate; nothing else changes, so running processes keep working.
//
//	res, err := pki.Init(".kubelab", pki.InitOptions{Server: "https://127.0.0.1:6443"})
//	// res.Files: what was written this time; res.CAHash: for joining nodes
//
// # Nodes
//
// Each kubelet gets its own kubeconfig (WriteUserKubeconfig, user
// system:node:<name>, group system:nodes) and, for its own HTTPS port, a
// serving certificate (IssueKubeletServing). CACertHash gives the pin a
// joining node checks the CA against, in kubeadm's
// --discovery-token-ca-cert-hash format.
//
// Kubernetes does more: separate CAs for etcd and the front proxy,
// certificate rotation by the kubelet, and `kubeadm certs renew`.
package pki
