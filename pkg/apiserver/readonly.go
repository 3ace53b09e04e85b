package apiserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
)

// The read-only port exists because the apiserver has no authentication
// yet. The kubernetes Service sends pods to the API (the cluster DNS lists
// and watches Services and Endpoints through it), and an API that takes
// any write from anyone would let any pod create a hostNetwork pod,
// rewrite Endpoints or register a Node. So the Service leads pods to a
// second port that serves the same handler behind readOnly: reads only,
// and not the reads that hand out credentials (Secrets) or reach into
// containers and nodes (pod log and exec; attach, port-forward and proxy
// if they come).
//
// Kubernetes did the same before pods could authenticate: a read-only
// port (--read-only-port, 7080) behind a kubernetes-ro Service, removed
// once service accounts came. This file goes the same way: once the
// apiserver has authentication and RBAC, pods reach the main port with
// their service account's token, and authorization decides what each one
// may do.

// readOnlyRefusal tells a refused client what the port serves and where to
// go instead.
const readOnlyRefusal = "the read-only port serves GET of everything but secrets and pod log/exec; use the apiserver's main port"

// intoContainers are the subresources that go through the apiserver into
// a container or a node. kubelab serves pods/log and pods/exec; the others
// are Kubernetes' (pods/attach, pods/portforward, {pods,services,nodes}/proxy),
// refused by name so that one added later is refused from its first day.
var intoContainers = []string{"log", "exec", "attach", "portforward", "proxy"}

// ServeReadOnly serves the read-only view of the API on ln until ctx is
// cancelled, as Serve does the API.
func (s *Server) ServeReadOnly(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s.readOnly(s.Handler()), "serving the read-only API")
}

// readOnly lets through what readOnlyAllows and answers everything else
// with a 403 Forbidden Status.
func (s *Server) readOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !readOnlyAllows(r) {
			s.metrics.readOnlyRefused.Inc()
			writeStatus(w, statusErr(http.StatusForbidden, "Forbidden",
				fmt.Sprintf("%s %s is forbidden: %s", r.Method, r.URL.Path, readOnlyRefusal)))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// readOnlyAllows reports whether the read-only port serves r: a GET or
// HEAD (list, get and watch are GETs), unless it is of secrets or of a
// subresource into containers.
func readOnlyAllows(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	info, st := requestInfoOf(r)
	if st != nil {
		// Not a resource path (discovery, /version, /healthz, /metrics),
		// or one the handler refuses with this same error: it parses with
		// requestInfoOf too, so what passes here reaches no resource.
		return true
	}
	return info.resource.Name != "secrets" && !slices.Contains(intoContainers, info.subresource)
}
