// Package apiserver serves kubelab's REST API over etcd: the only component
// that talks to the store. Every other component reads and writes API
// objects through it.
//
// A request goes through the same few steps whatever its kind:
//
//	route (path → resource, namespace, name, subresource, verb)
//	decode (JSON or YAML; unknown fields become Warning headers)
//	admission (defaults, generateName, uid, ClusterIP / NodePort / pod CIDR allocation)
//	validation (422 Invalid naming each bad field)
//	store (one etcd transaction: the object and the addresses it claims)
//
// Besides answering requests, the apiserver keeps the objects every
// cluster has: the namespaces default, kube-system and kube-public
// (Bootstrap), and the kubernetes Service with its Endpoints, which tell
// pods where the API is (RunKubernetesService, after Bootstrap). Until
// there is authentication, that is a second port serving a read-only view
// of the API (readonly.go): Run serves both.
//
// The server keeps no state that etcd does not have, so any number of
// apiservers can share one etcd, and one can be killed at any moment
// without losing an acknowledged write: a write is acknowledged only after
// its etcd transaction committed.
package apiserver
