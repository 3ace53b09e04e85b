// Package dashboard is kubelab's web UI: a live picture of the cluster at
// work, served by a program that is a client of the API like any other
// component. It never reads etcd; it lists and watches through the
// apiserver, as the scheduler and the controllers do.
//
// # What it shows
//
//	/                        the cluster map: nodes as columns (conditions, capacity,
//	                         what their pods request), pods as cards grouped by owner and
//	                         coloured by phase and readiness, a Pending lane with the
//	                         scheduler's reason
//	/pods/{ns}/{name}        a pod: describe's fields, the scheduler's table (each node's
//	                         filter result and score), containers, events as a timeline,
//	                         and its logs when it runs on a real node
//	/workloads               Deployments with their ReplicaSets, ReplicaSets,
//	                         DaemonSets, StatefulSets, Jobs: counts and owned pods
//	/services                each Service's addresses and endpoints, ready or not
//	/events                  the cluster's events, by namespace and kind
//	/apply                   a manifest pasted in, applied as kctl apply -f
//
// Every page takes ?ns= (all namespaces when empty; default when absent).
//
// # How a page stays live
//
// Pages are rendered on the server with html/template; the templates, the
// style sheet and the one small script are embedded in the binary, and
// the pages load nothing from anywhere else. The dashboard runs one
// informer per resource (cache.go). Each change an informer sees goes to
// a hub (hub.go), which hands it to every open page's event stream
// (Server-Sent Events, live.go). A stream works out which parts of its
// page the change touches (view.go: a node's column, the Pending lane, a
// pod's events), renders them again from the caches, and sends them; the
// script swaps them in. So a pod created through the API appears on the
// map as fast as the apiserver's watch delivers it, the browser never
// polls, and a thousand open pages cost the apiserver nothing more than
// one: the informers' watches serve them all.
//
// A stream that falls behind by more than maxPending changes, or that
// reconnects, gets its whole view again: correct whatever it missed, and
// memory stays bounded. A browser opens at most six connections to one
// address over HTTP/1.1 and each open page holds one, so a page closes
// its stream when it is hidden (the back/forward cache keeps it) and
// opens it again when shown; a seventh tab still waits for one to close.
//
// # Who does what
//
// The dashboard reads as its own identity: a client certificate of its
// own (make up writes .kubelab/dashboard.conf) bound to the ClusterRole
// kubelab-dashboard, which may get, list and watch what the pages show,
// and nothing else (rbac.yaml; `dashboard rbac | kctl apply -f -`).
// Whoever reaches its address sees what that role reads; that is why it
// listens on 127.0.0.1 unless told otherwise.
//
// Actions (scale, delete a pod, cordon a node, apply) never use that
// identity. The viewer signs in with a bearer token of their own (kctl
// create token NAME for a ServiceAccount, or one the admin hands out);
// the dashboard checks it with a SelfSubjectReview, keeps it in an
// HttpOnly, SameSite=Strict cookie, and sends each action to the
// apiserver with it, over TLS checked with the cluster's CA and without
// the dashboard's client certificate. The apiserver authenticates the
// token and RBAC decides: a viewer bound to edit in a namespace may scale
// there and gets the apiserver's 403, shown as it is, for a node. Without
// a token, actions are refused with a message that says how to sign in.
//
// Every POST must carry the CSRF token of its page's cookie and, when the
// browser sends one, an Origin that is the dashboard's own; the Host of
// every request must be an IP address, localhost or a name given with
// --allowed-host, so that another site cannot reach it through a name of
// its own (DNS rebinding). Pages forbid scripts, styles and frames from
// anywhere else (Content-Security-Policy).
//
// The dashboard is no place for secrets: the token lives in a cookie on
// the viewer's machine, over plain HTTP on loopback. Serving it to other
// machines wants TLS in front of it.
//
// # Running it
//
// Run is the program (cmd/dashboard); Options.Listener lets a test or a
// benchmark serve it in its own process on a free port.
package dashboard
