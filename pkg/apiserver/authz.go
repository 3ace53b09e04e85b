package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
)

// Authorization: once a request says who sent it, the authorizers decide
// whether that user may do it, in Kubernetes' order (--authorization-mode
// Node,RBAC, with system:masters allowed everything before either):
//
//	system:masters   the admin group; allowed everything, whatever the roles say
//	Node             kubelets (system:node:<name>) on their own node, pods and the objects their pods use (pkg/auth/node.go)
//	RBAC             Roles, ClusterRoles and their bindings (pkg/auth/rbac.go)
//
// The first to allow wins; if none does, 403 Forbidden. The Node
// authorizer and RBAC read their objects from caches the apiserver keeps
// of its own store (authcache.go).

// mastersAuthorizer allows everything to system:masters, as Kubernetes'
// privileged-group authorizer does: the admin cannot lock itself out by
// deleting a binding.
type mastersAuthorizer struct{}

func (mastersAuthorizer) Authorize(_ context.Context, a auth.Attributes) (auth.Decision, string, error) {
	if a.User != nil && a.User.InGroup(auth.GroupMasters) {
		return auth.Allow, "system:masters may do everything", nil
	}
	return auth.NoOpinion, "", nil
}

// authorizers is the chain; the first decision other than NoOpinion
// stands. Its reasons are joined for a refused request.
type authorizers []auth.Authorizer

func (c authorizers) Authorize(ctx context.Context, a auth.Attributes) (auth.Decision, string, error) {
	var reasons []string
	var errs []error
	for _, z := range c {
		d, reason, err := z.Authorize(ctx, a)
		if err != nil {
			errs = append(errs, err)
		}
		if d != auth.NoOpinion {
			return d, reason, nil
		}
		if reason != "" {
			reasons = append(reasons, reason)
		}
	}
	if len(errs) > 0 {
		return auth.NoOpinion, strings.Join(reasons, "; "), fmt.Errorf("%v", errs)
	}
	return auth.NoOpinion, strings.Join(reasons, "; "), nil
}

// attributesOf is what the authorizers judge of r: a resource request as
// the API path names it (the same parse serveAPI makes), or a path such
// as /api or /metrics. A path that names no resource is judged as a path,
// as Kubernetes does: a user may learn that it is 404 only if allowed to
// get it.
func attributesOf(r *http.Request, u *auth.User) auth.Attributes {
	if rr, ok := reviewOf(r.URL.Path); ok {
		return auth.Attributes{User: u, Verb: "create", ResourceRequest: true, APIGroup: rr.group, Resource: rr.name}
	}
	if info, st := requestInfoOf(r); st == nil {
		ns := info.namespace
		if info.resource.Name == "namespaces" {
			ns = info.name // a namespace is in itself: a RoleBinding in x may grant reading x
		}
		return auth.Attributes{User: u, Verb: info.verb, ResourceRequest: true, APIGroup: info.resource.Group,
			Resource: info.resource.Name, Subresource: info.subresource, Namespace: ns, Name: info.name}
	}
	verb := strings.ToLower(r.Method)
	if r.Method == http.MethodHead {
		verb = "get"
	}
	return auth.Attributes{User: u, Verb: verb, Path: r.URL.Path}
}

// authorize answers 403 unless an authorizer allows the request.
func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := userFrom(r.Context())
		if u == nil { // a public path, unauthenticated (authn.go)
			next.ServeHTTP(w, r)
			return
		}
		if !s.cachesReady(r.Context()) {
			writeStatus(w, statusErr(http.StatusServiceUnavailable, "ServiceUnavailable", "the authorizers' caches are still loading; try again in a moment"))
			return
		}
		a := attributesOf(r, u)
		d, reason, err := s.authz.Authorize(r.Context(), a)
		if d != auth.Allow {
			d, reason, err = s.authorizeNodeAfresh(r.Context(), a, d, reason, err)
		}
		if err != nil {
			s.log.Warn("authorizer error", zap.String("user", u.Name), zap.String("path", r.URL.Path), zap.Error(err))
		}
		if d != auth.Allow {
			s.metrics.forbidden.Inc()
			writeStatus(w, forbiddenFor(a, reason))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// forbiddenFor is Kubernetes' 403 text:
//
//	pods "p1" is forbidden: User "jane" cannot delete resource "pods" in API group "" in the namespace "default"
//	forbidden: User "jane" cannot get path "/metrics"
func forbiddenFor(a auth.Attributes, reason string) *api.Status {
	var msg string
	if !a.ResourceRequest {
		msg = fmt.Sprintf("forbidden: User %q cannot %s path %q", a.User.Name, a.Verb, a.Path)
	} else {
		resource := a.Resource
		if a.Subresource != "" {
			resource += "/" + a.Subresource
		}
		// The subject is the resource qualified by its group, without the
		// subresource, as Kubernetes' NewForbidden words it:
		// pods "web" is forbidden: … cannot create resource "pods/exec".
		subject := a.Resource
		if a.APIGroup != "" {
			subject += "." + a.APIGroup
		}
		if a.Name != "" {
			subject = fmt.Sprintf("%s %q", subject, a.Name)
		}
		msg = fmt.Sprintf("%s is forbidden: User %q cannot %s resource %q in API group %q", subject, a.User.Name, a.Verb, resource, a.APIGroup)
		if a.Namespace != "" {
			msg += fmt.Sprintf(" in the namespace %q", a.Namespace)
		} else if a.Name == "" || a.Resource != "namespaces" {
			msg += " at the cluster scope"
		}
	}
	if reason != "" {
		msg += ": " + reason
	}
	st := statusErr(http.StatusForbidden, "Forbidden", msg)
	if a.ResourceRequest {
		st.Details = &api.StatusDetails{Name: a.Name, Group: a.APIGroup, Kind: a.Resource}
	}
	return st
}
