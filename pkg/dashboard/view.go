package dashboard

import (
	"net/url"
	"slices"
)

// A view is one page of the dashboard seen as fragments: elements with an
// id, each rendered on its own by the template of the same name, once in
// the page and again, pushed over the page's event stream, whenever a
// change touches what it shows. The root fragment holds the whole view;
// rendering it is always correct, and the smaller ones only save work.
//
//	view       fragments
//	map        map (root), lane-pending, node-<name>
//	workloads  workloads (root)
//	services   services (root)
//	events     events (root)
//	pod        pod (root: status, containers, scheduling, events), pod-events
//
// The pod page's logs are outside its root: they stream on their own
// (logs.go), and a re-render would lose them.
type view struct {
	name      string // map, workloads, services, events, pod
	namespace string // "" for every namespace
	pod       string // the pod view's pod
	kind      string // the events view's kind filter; "" for all
}

// Names of views.
const (
	viewMap       = "map"
	viewWorkloads = "workloads"
	viewServices  = "services"
	viewEvents    = "events"
	viewPod       = "pod"
)

// Fragments that are not the root of their view.
const (
	fragPending   = "lane-pending"
	fragPodEvents = "pod-events"
)

// nodeFragment is the id of a node's column in the cluster map.
func nodeFragment(node string) string { return "node-" + node }

// root is the id of the fragment holding the whole view.
func (v view) root() string { return v.name }

// query is the view as the parameters of its event stream's URL.
func (v view) query() url.Values {
	q := url.Values{"view": {v.name}, "ns": {v.namespace}}
	if v.pod != "" {
		q.Set("pod", v.pod)
	}
	if v.kind != "" {
		q.Set("kind", v.kind)
	}
	return q
}

// path is the address of the view's page.
func (v view) path() string {
	if v.name == viewPod {
		return podURL(v.namespace, v.pod)
	}
	p := "/" + v.name
	if v.name == viewMap {
		p = "/"
	}
	q := url.Values{"ns": {v.namespace}}
	if v.kind != "" {
		q.Set("kind", v.kind)
	}
	return p + "?" + q.Encode()
}

// viewFromQuery is the inverse of query; ok is false for an unknown view.
func viewFromQuery(q url.Values) (view, bool) {
	v := view{name: q.Get("view"), namespace: q.Get("ns"), pod: q.Get("pod"), kind: q.Get("kind")}
	switch v.name {
	case viewMap, viewWorkloads, viewServices, viewEvents:
		return v, true
	case viewPod:
		return v, v.namespace != "" && v.pod != ""
	}
	return v, false
}

// inNamespace reports whether the view shows objects of namespace ns.
func (v view) inNamespace(ns string) bool { return v.namespace == "" || v.namespace == ns }

// workloadKinds are the kinds the workloads view shows, with the pods they
// own.
var workloadKinds = []string{"Pod", "ReplicaSet", "ReplicationController", "Deployment", "DaemonSet", "StatefulSet", "Job"}

// affected returns the fragments of the view that c may change, in the
// order they should be rendered. Namespaces are read by every page's
// selector but change seldom; a page shows new ones when reloaded.
func (v view) affected(c change) []string {
	switch v.name {
	case viewMap:
		switch c.kind {
		case "Node":
			if c.op == opModified {
				return []string{nodeFragment(c.name)}
			}
			return []string{v.root()} // a column comes or goes
		case "Pod":
			// Every pod counts in its node's allocated resources, so its
			// node's column changes whatever the namespace shown.
			var ids []string
			for _, n := range c.nodes {
				id := fragPending
				if n != "" {
					id = nodeFragment(n)
				}
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
			return ids
		}
	case viewWorkloads:
		if slices.Contains(workloadKinds, c.kind) && v.inNamespace(c.namespace) {
			return []string{v.root()}
		}
	case viewServices:
		switch c.kind {
		case "Service", "Endpoints", "Pod":
			if v.inNamespace(c.namespace) {
				return []string{v.root()}
			}
		}
	case viewEvents:
		if c.kind == "Event" && v.inNamespace(c.namespace) {
			return []string{v.root()}
		}
	case viewPod:
		switch {
		case c.kind == "Pod" && c.namespace == v.namespace && c.name == v.pod:
			return []string{v.root()}
		case c.kind == "Event" && c.involved == "Pod/"+v.namespace+"/"+v.pod:
			return []string{fragPodEvents}
		}
	}
	return nil
}

// merge adds the fragments of one more change to ids; once the root is
// among them it is the only one needed.
func (v view) merge(ids []string, more []string) []string {
	for _, id := range more {
		switch {
		case slices.Contains(ids, v.root()):
			return ids
		case id == v.root():
			return []string{id}
		case !slices.Contains(ids, id):
			ids = append(ids, id)
		}
	}
	return ids
}
