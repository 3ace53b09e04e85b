package apiserver

import (
	"net/http"
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

// requestInfoOf is what serveAPI, and the read-only filter in front of
// it, make of a request: both read the path the same way, so the filter
// judges exactly the request the handler will serve.
func requestInfoOf(r *http.Request) (requestInfo, *api.Status) {
	return parsePath(r.Method, strings.TrimSuffix(r.URL.Path, "/"), r.URL.Query())
}

// parsePath splits /api/v1/namespaces/{ns}/{resource}/{name}/{sub} and
// /apis/{group}/{version}/… into a requestInfo. The boolean is false for
// paths that are not resource paths (discovery, health, metrics).
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
	watch := len(query["watch"]) > 0 && (query["watch"][0] == "true" || query["watch"][0] == "1")
	switch method {
	case http.MethodGet:
		switch {
		case watch:
			info.verb = "watch"
		case info.name == "":
			info.verb = "list"
		default:
			info.verb = "get"
		}
	case http.MethodPost:
		info.verb = "create"
	case http.MethodPut:
		info.verb = "update"
	case http.MethodPatch:
		info.verb = "patch"
	case http.MethodDelete:
		info.verb = "delete"
		if info.name == "" {
			info.verb = "deletecollection"
		}
	default:
		return requestInfo{}, &api.Status{Status: "Failure", Code: http.StatusMethodNotAllowed,
			Reason: "MethodNotAllowed", Message: "the server does not allow this method on the requested resource"}
	}
	if info.name == "" && (info.verb == "update" || info.verb == "patch") {
		return requestInfo{}, &api.Status{Status: "Failure", Code: http.StatusMethodNotAllowed,
			Reason: "MethodNotAllowed", Message: "the server does not allow this method on the requested resource"}
	}
	if info.name != "" && info.verb == "create" && info.subresource == "" {
		return requestInfo{}, &api.Status{Status: "Failure", Code: http.StatusMethodNotAllowed,
			Reason: "MethodNotAllowed", Message: "POST goes to the collection, not to an object"}
	}
	return info, nil
}
