package openapi

import (
	"strings"

	"kubelab/pkg/api"
)

// Each resource gets the paths and operations a Kubernetes apiserver
// documents for it. kubectl reads two things from them: a PATCH operation
// of the kind that accepts application/strategic-merge-patch+json (then
// kubectl apply sends a strategic merge patch computed from the schema)
// and that lists the fieldValidation query parameter (then kubectl sends
// fieldValidation=Strict and leaves validation to the server); and
// kubectl explain finds a resource's kind on its paths. Subresources other
// than status (log, exec, binding, scale, …) are served but not described.

// PathItem is the operations on one path.
type PathItem struct {
	Parameters []*Parameter `json:"parameters,omitempty"` // shared by the operations: name, namespace
	Get        *Operation   `json:"get,omitempty"`
	Put        *Operation   `json:"put,omitempty"`
	Post       *Operation   `json:"post,omitempty"`
	Delete     *Operation   `json:"delete,omitempty"`
	Patch      *Operation   `json:"patch,omitempty"`
}

// Operation is one verb on one path.
type Operation struct {
	Tags        []string             `json:"tags"`
	Description string               `json:"description"`
	OperationID string               `json:"operationId"`
	Parameters  []*Parameter         `json:"parameters,omitempty"`
	RequestBody *RequestBody         `json:"requestBody,omitempty"`
	Responses   map[string]*Response `json:"responses"`
	Action      string               `json:"x-kubernetes-action"`
	GVK         GVK                  `json:"x-kubernetes-group-version-kind"`
}

// Parameter is a path or query parameter.
type Parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"` // path or query
	Description string  `json:"description"`
	Required    bool    `json:"required,omitempty"`
	Schema      *Schema `json:"schema"`
}

// RequestBody is what a write sends, by media type.
type RequestBody struct {
	Content  map[string]MediaType `json:"content"`
	Required bool                 `json:"required"`
}

// Response is one answer of an operation.
type Response struct {
	Description string               `json:"description"`
	Content     map[string]MediaType `json:"content,omitempty"`
}

// MediaType holds the schema of a body in one media type.
type MediaType struct {
	Schema *Schema `json:"schema"`
}

// Media types kubelab takes: objects as JSON or YAML, patches of the three
// kinds of pkg/apiserver's patch.go (not server-side apply).
var (
	objectMediaTypes = []string{"application/json", "application/yaml"}
	patchMediaTypes  = []string{"application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"}
)

func stringParam(name, in, description string) *Parameter {
	return &Parameter{Name: name, In: in, Description: description, Required: in == "path",
		Schema: &Schema{Type: "string", UniqueItems: true}}
}

func typedParam(name, typ, description string) *Parameter {
	return &Parameter{Name: name, In: "query", Description: description, Schema: &Schema{Type: typ, UniqueItems: true}}
}

var (
	paramDryRun = stringParam("dryRun", "query", "When present, indicates that modifications should not be persisted. "+
		"The only valid value is All: the request runs every stage (admission, defaults, validation) and stores nothing.")
	paramFieldManager = stringParam("fieldManager", "query", "The name of the actor making the change.")
	// paramFieldValidation is what kubectl looks for to leave validation
	// to the server.
	paramFieldValidation = stringParam("fieldValidation", "query", "How the server treats fields the object does not have, "+
		"and duplicate fields: Ignore drops them silently, Warn (the default) drops them with a Warning header for each, "+
		"Strict fails the request with 400 BadRequest naming them.")
	paramForce             = typedParam("force", "boolean", "Force is meaningful only for server-side apply, which kubelab does not serve.")
	paramGracePeriod       = typedParam("gracePeriodSeconds", "integer", "The seconds before the object is deleted; 0 deletes it at once.")
	paramPropagationPolicy = stringParam("propagationPolicy", "query", "Whether and how dependents are deleted: Orphan, Background or Foreground.")
	paramPretty            = stringParam("pretty", "query", "If 'true', then the output is pretty printed.")
	listParams             = []*Parameter{
		typedParam("allowWatchBookmarks", "boolean", "With watch, asks for BOOKMARK events."),
		stringParam("continue", "query", "The continue token of the previous page of a paged list."),
		stringParam("fieldSelector", "query", "Restricts the list to objects whose fields match, such as spec.nodeName=n1."),
		stringParam("labelSelector", "query", "Restricts the list to objects whose labels match, such as app=web,tier in (front)."),
		typedParam("limit", "integer", "The most objects one page of the list holds."),
		stringParam("resourceVersion", "query", "The revision to list or watch at, or from."),
		stringParam("resourceVersionMatch", "query", "How resourceVersion applies to a list: Exact or NotOlderThan."),
		typedParam("sendInitialEvents", "boolean", "With watch, starts with ADDED events for the objects that exist."),
		typedParam("timeoutSeconds", "integer", "Ends the list or watch after this many seconds."),
		typedParam("watch", "boolean", "Watch for changes instead of listing."),
	}
)

// kindPaths returns the paths of resource r, whose kind's definition is
// kindDef and whose list's is listDef.
func kindPaths(r api.Resource, kindDef, listDef string) map[string]*PathItem {
	gvk := GVK{Group: r.Group, Version: r.Version, Kind: r.Kind}
	op := operations{r: r, gvk: gvk, kind: ref(kindDef), listOf: ref(listDef)}
	can := map[string]bool{}
	for _, v := range r.Verbs {
		can[v] = true
	}
	scope := ""
	var pathParams []*Parameter
	if r.Namespaced {
		scope = "Namespaced"
		pathParams = []*Parameter{stringParam("namespace", "path", "object name and auth scope, such as for teams and projects")}
	}
	nameParam := stringParam("name", "path", "name of the "+r.Kind)

	collection := &PathItem{Parameters: append(append([]*Parameter(nil), pathParams...), paramPretty)}
	item := &PathItem{Parameters: append(append([]*Parameter{nameParam}, pathParams...), paramPretty)}
	if can["list"] {
		collection.Get = op.list(scope, "", "list or watch objects of kind "+r.Kind)
	}
	if can["create"] {
		collection.Post = op.write("post", "create", scope, "", "create a "+r.Kind)
	}
	if can["deletecollection"] {
		collection.Delete = op.deleteCollection(scope)
	}
	if can["get"] {
		item.Get = op.read(scope, "", "read the specified "+r.Kind)
	}
	if can["update"] {
		item.Put = op.write("put", "replace", scope, "", "replace the specified "+r.Kind)
	}
	if can["patch"] {
		item.Patch = op.patch(scope, "", "partially update the specified "+r.Kind)
	}
	if can["delete"] {
		item.Delete = op.delete(scope, "delete a "+r.Kind)
	}
	ns := ""
	if r.Namespaced {
		ns = "{namespace}"
	}
	paths := map[string]*PathItem{
		r.Path(ns, ""):       collection,
		r.Path(ns, "{name}"): item,
	}
	if r.HasSubresource("status") {
		status := &PathItem{Parameters: item.Parameters}
		status.Get = op.read(scope, "Status", "read status of the specified "+r.Kind)
		if can["update"] {
			status.Put = op.write("put", "replace", scope, "Status", "replace status of the specified "+r.Kind)
		}
		if can["patch"] {
			status.Patch = op.patch(scope, "Status", "partially update status of the specified "+r.Kind)
		}
		paths[r.Path(ns, "{name}")+"/status"] = status
	}
	if r.Namespaced && can["list"] {
		paths[r.Path("", "")] = &PathItem{Parameters: []*Parameter{paramPretty},
			Get: op.list("", "ForAllNamespaces", "list or watch objects of kind "+r.Kind)}
	}
	return paths
}

// operations builds the operations of one resource.
type operations struct {
	r            api.Resource
	gvk          GVK
	kind, listOf *Schema
}

// id is Kubernetes' operation id: verb, group, version, scope, kind and
// suffix: patchCoreV1NamespacedPod, listAppsV1DeploymentForAllNamespaces,
// deleteCoreV1CollectionNamespacedPod, readCoreV1NodeStatus.
func (o operations) id(verb, scope, suffix string) string {
	return verb + operationGroup(o.r.Group) + strings.ToUpper(o.r.Version[:1]) + o.r.Version[1:] +
		scope + o.r.Kind + suffix
}

// start begins an operation; id is verb, scope and suffix (see id).
func (o operations) start(action, description string, id ...string) *Operation {
	id = append(id, "", "", "")
	return &Operation{Tags: []string{tag(o.r.Group, o.r.Version)}, Description: description,
		OperationID: o.id(id[0], id[1], id[2]), Action: action, GVK: o.gvk,
		Responses: map[string]*Response{"401": {Description: "Unauthorized"}}}
}

func answer(code, description string, s *Schema) map[string]*Response {
	return map[string]*Response{code: {Description: description, Content: content(objectMediaTypes, s)}}
}

func content(types []string, s *Schema) map[string]MediaType {
	c := map[string]MediaType{}
	for _, t := range types {
		c[t] = MediaType{Schema: s}
	}
	return c
}

func (o operations) read(scope, suffix, description string) *Operation {
	op := o.start("get", description, "read", scope, suffix)
	op.Responses["200"] = answer("200", "OK", o.kind)["200"]
	return op
}

func (o operations) list(scope, suffix, description string) *Operation {
	op := o.start("list", description, "list", scope, suffix)
	op.Parameters = listParams
	op.Responses["200"] = answer("200", "OK", o.listOf)["200"]
	return op
}

// write is create (post) or replace (put).
func (o operations) write(action, verb, scope, suffix, description string) *Operation {
	op := o.start(action, description, verb, scope, suffix)
	op.Parameters = []*Parameter{paramDryRun, paramFieldManager, paramFieldValidation}
	op.RequestBody = &RequestBody{Content: content(objectMediaTypes, o.kind), Required: true}
	op.Responses["200"] = answer("200", "OK", o.kind)["200"]
	op.Responses["201"] = answer("201", "Created", o.kind)["201"]
	return op
}

func (o operations) patch(scope, suffix, description string) *Operation {
	op := o.start("patch", description, "patch", scope, suffix)
	op.Parameters = []*Parameter{paramDryRun, paramFieldManager, paramFieldValidation, paramForce}
	op.RequestBody = &RequestBody{Content: content(patchMediaTypes, ref(metaPackage+".Patch")), Required: true}
	op.Responses["200"] = answer("200", "OK", o.kind)["200"]
	return op
}

func (o operations) delete(scope, description string) *Operation {
	op := o.start("delete", description, "delete", scope)
	op.Parameters = []*Parameter{paramDryRun, paramGracePeriod, paramPropagationPolicy}
	op.RequestBody = &RequestBody{Content: content(objectMediaTypes, ref(metaPackage+".DeleteOptions"))}
	op.Responses["200"] = answer("200", "OK", o.kind)["200"]
	op.Responses["202"] = answer("202", "Accepted", o.kind)["202"]
	return op
}

func (o operations) deleteCollection(scope string) *Operation {
	op := o.start("deletecollection", "delete collection of "+o.r.Kind, "delete", "Collection"+scope)
	op.Parameters = append([]*Parameter{paramDryRun, paramGracePeriod, paramPropagationPolicy}, listParams...)
	op.RequestBody = &RequestBody{Content: content(objectMediaTypes, ref(metaPackage+".DeleteOptions"))}
	op.Responses["200"] = answer("200", "OK", ref(metaPackage+".Status"))["200"]
	return op
}
