package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"kubelab/pkg/api"
)

// requestInfo is what the URL says about a request.
type requestInfo struct {
	resource    api.Resource
	namespace   string // "" for cluster-scoped resources or a list across namespaces
	name        string
	subresource string
	verb        string // get, list, watch, create, update, patch, delete, deletecollection
}

// requestInfoOf is what serveAPI, and the filters in front of it, make
// of a request: all read the path the same way, so the filters judge
// exactly the request the handler will serve. withRequestInfo has parsed
// it already, for a request served by Handler.
func requestInfoOf(r *http.Request) (requestInfo, *api.Status) {
	if p, ok := r.Context().Value(requestInfoKey{}).(*parsedRequest); ok {
		return p.info, p.st
	}
	return parsePath(r.Method, strings.TrimSuffix(r.URL.Path, "/"), r.URL.Query())
}

type requestInfoKey struct{}

// parsedRequest is what parsePath made of a request.
type parsedRequest struct {
	info requestInfo
	st   *api.Status
}

// withRequestInfo parses the request's path once for every filter and
// handler after it, as Kubernetes' WithRequestInfo does: four of them ask
// (deadlines, in-flight limit, authorization, the handler), and parsing
// the path and the query each time was 3% of a create's CPU time.
func withRequestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, st := parsePath(r.Method, strings.TrimSuffix(r.URL.Path, "/"), r.URL.Query())
		ctx := context.WithValue(r.Context(), requestInfoKey{}, &parsedRequest{info, st})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// parsePath splits /api/v1/namespaces/{ns}/{resource}/{name}/{sub} and
// /apis/{group}/{version}/… into a requestInfo, and refuses what the path
// does not serve: 404 for a path that names nothing, 405 for a verb the
// resource or subresource does not take.
func parsePath(method, path string, query map[string][]string) (requestInfo, *api.Status) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	var group, version string
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		version, parts = parts[1], parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		group, version, parts = parts[1], parts[2], parts[3:]
	default:
		return requestInfo{}, notFoundPath(path)
	}
	var info requestInfo
	namespaceSub := len(parts) == 3 && parts[0] == "namespaces" && (parts[2] == "status" || parts[2] == "finalize")
	if parts[0] == "namespaces" && len(parts) >= 3 && !namespaceSub {
		info.namespace, parts = parts[1], parts[2:]
	}
	r, ok := api.ForGroupResource(group, version, parts[0])
	if !ok {
		return requestInfo{}, notFoundPath(path)
	}
	info.resource = r
	if len(parts) > 1 {
		info.name = parts[1]
	}
	if len(parts) > 2 {
		info.subresource = parts[2]
		if !r.HasSubresource(info.subresource) {
			return requestInfo{}, notFoundPath(path)
		}
	}
	if len(parts) > 3 {
		return requestInfo{}, notFoundPath(path)
	}
	// /api/v1/namespaces/x is the namespace x itself, not a namespace scope.
	if r.Name == "namespaces" && info.namespace != "" && info.name == "" {
		info.name, info.namespace = info.namespace, ""
	}
	if r.Namespaced && info.name != "" && info.namespace == "" {
		return requestInfo{}, badRequest("a namespaced resource needs a namespace in its path")
	}
	if !r.Namespaced && info.namespace != "" && r.Name != "namespaces" {
		return requestInfo{}, notFoundPath(path)
	}
	var st *api.Status
	if info.verb, st = verbOf(method, info, query); st != nil {
		return requestInfo{}, st
	}
	return info, allowed(info)
}

// verbOf names what a method does on the path, as Kubernetes' RBAC names it.
func verbOf(method string, info requestInfo, query map[string][]string) (string, *api.Status) {
	watch := len(query["watch"]) > 0 && (query["watch"][0] == "true" || query["watch"][0] == "1")
	collection := info.name == ""
	switch method {
	case http.MethodGet:
		switch {
		case watch:
			return "watch", nil
		case collection:
			return "list", nil
		}
		return "get", nil
	case http.MethodPost:
		return "create", nil
	case http.MethodPut:
		return "update", nil
	case http.MethodPatch:
		return "patch", nil
	case http.MethodDelete:
		if collection {
			return "deletecollection", nil
		}
		return "delete", nil
	}
	return "", methodNotAllowed("")
}

// allowed refuses, with 405, a verb the path does not serve. Each
// subresource serves a few verbs (subresourceAPI), so that DELETE
// pods/p1/status cannot delete the pod; a collection takes list, watch,
// create and deletecollection, an object the others; and the path of a
// namespaced resource without a namespace (/api/v1/pods) only lists and
// watches across namespaces, as in Kubernetes, so that nothing is created
// in a namespace the path does not name.
func allowed(info requestInfo) *api.Status {
	res, verb := info.resource, info.verb
	if info.subresource != "" {
		verbs := subresourceAPI[info.subresource].verbs
		if !slices.Contains(verbs, verb) {
			return methodNotAllowed(fmt.Sprintf("%s/%s takes %s", res.Name, info.subresource, strings.Join(verbs, ", ")))
		}
		return nil
	}
	collection := info.name == ""
	switch {
	case !slices.Contains(res.Verbs, verb):
		return methodNotAllowed(fmt.Sprintf("%s takes %s", res.Name, strings.Join(res.Verbs, ", ")))
	case collection && (verb == "update" || verb == "patch"):
		return methodNotAllowed("")
	case !collection && verb == "create":
		return methodNotAllowed("POST goes to the collection, not to an object")
	case res.Namespaced && info.namespace == "" && verb != "list" && verb != "watch":
		return methodNotAllowed(fmt.Sprintf("%s across all namespaces takes list and watch; name a namespace: %s",
			res.Name, res.Path("NAMESPACE", "")))
	}
	return nil
}
