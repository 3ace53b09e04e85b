// Package apiserver serves kubelab's REST API over etcd: the only component
// that talks to the store. Every other component reads and writes API
// objects through it.
//
// A request goes through the same few steps whatever its kind:
//
//	route (path → resource, namespace, name, subresource, verb; 405 for a verb the path does not serve)
//	decode (JSON, YAML or protobuf, else 415; unknown and duplicate fields warn, or 400 with ?fieldValidation=Strict
//	        for a field Kubernetes itself lacks: one it has and kubelab does not is a warning)
//	admission (defaults, generateName, uid, ClusterIP / NodePort / pod CIDR allocation)
//	validation (422 Invalid naming each bad field)
//	pod security (403 for a pod its namespace's level forbids, podsecurity.go)
//	store (one etcd transaction: the object and the addresses it claims)
//
// A write with ?dryRun=All takes every one of these steps, and its
// transaction is only checked, not committed: the request's context is
// marked (store.WithDryRun), and nothing else tells a dry run apart
// (dryrun.go). A list with ?limit=N is read in pages at the revision of
// the first, joined by Kubernetes' continue tokens (pagination.go).
//
// Protobuf bodies, client-go's default, are turned into JSON at the edge
// by Kubernetes' own types (package wire, the only importer of k8s.io
// modules), so every later step reads JSON; answers are always JSON
// (mediatypes.go, fieldvalidation.go).
//
// A GET may ask, by its Accept header, for a Table instead of objects, as
// kubectl get does: the server renders kubectl's columns with package
// printers, for one object, a list or each event of a watch; or for
// the objects' metadata alone (table.go).
//
// Besides answering requests, the apiserver keeps the objects every
// cluster has: the namespaces default, kube-system and kube-public
// (Bootstrap), and the kubernetes Service with its Endpoints, which tell
// pods where the API is (RunKubernetesService, after Bootstrap).
//
// Every request but the health checks is authenticated (a client
// certificate of the cluster CA or a token) and authorized:
// system:masters, then the Node authorizer, then RBAC (Handler lists the
// filters).
//
// A pod's log, exec, attach and port-forward are the kubelet's to answer:
// the apiserver forwards them to the address the pod's Node publishes,
// with none of the caller's headers, passing an upgraded connection
// through (streams.go), and a failed dial tells the caller nothing more
// than that (nodeproxy.go).
//
// The server keeps no state that etcd does not have, so any number of
// apiservers can share one etcd, and one can be killed at any moment
// without losing an acknowledged write: a write is acknowledged only after
// its etcd transaction committed.
//
// What a client can make the server hold is bounded (Limits): requests
// in flight (429 beyond), the time to send a request and to take the
// answer, open connections, and how far a watcher may fall behind before
// it is closed; watchers share one etcd watch per resource
// (store.Broadcaster). A handler that panics costs one request a 500, not
// the process. /readyz says when etcd refuses writes (a NOSPACE alarm).
//
// What the server does for every watcher of an event, it does once: the
// event's object is decoded once, its fields worked out once for the
// field selectors, its JSON line encoded once for the watchers that take
// objects as they are (store.Shared), and a watch with a selector, such
// as a kubelet's of its node's pods, is not even woken for the events it
// does not match (store.WatchMatching). With a hundred nodes that is most
// of the apiserver's work under load (hack/bench/controlplane.sh). A
// request's path is read once (withRequestInfo), and a body with nothing
// to warn about is decoded in one pass (api.DecodeInto). With
// Config.Profiling the server serves Go's profiler to the users RBAC
// allows (profiling.go).
package apiserver
