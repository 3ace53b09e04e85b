package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"

	"kubelab/pkg/api"
)

// Patch types, sent as the Content-Type of a PATCH.
const (
	MergePatch          = "application/merge-patch+json"           // RFC 7386: fields replace, null deletes
	StrategicMergePatch = "application/strategic-merge-patch+json" // like MergePatch, but lists such as containers merge by name
	JSONPatch           = "application/json-patch+json"            // RFC 6902: a list of operations
)

// ResourceClient reads and writes one resource, in one namespace or in all.
//
// A namespaced resource with no namespace set lists and watches across all
// namespaces. Calls about one object take the namespace of the client, else
// the object's own, else "default", as kubectl does.
type ResourceClient struct {
	c   *Client
	res api.Resource
	ns  string
	err error // set by For when the object's kind is unknown
}

// ListOptions narrow a list or a watch, with Kubernetes' query parameters.
type ListOptions struct {
	LabelSelector       string // "app=kubia,tier!=db"
	FieldSelector       string // "spec.nodeName=node1"
	ResourceVersion     string // for a watch: send events after this version
	TimeoutSeconds      int64  // the server ends a watch after this long
	AllowWatchBookmarks bool   // ask for BOOKMARK events that only carry a resourceVersion
	Limit               int64  // page size: List fetches page after page until done
}

func (o ListOptions) query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("labelSelector", o.LabelSelector)
	set("fieldSelector", o.FieldSelector)
	set("resourceVersion", o.ResourceVersion)
	if o.TimeoutSeconds > 0 {
		q.Set("timeoutSeconds", strconv.FormatInt(o.TimeoutSeconds, 10))
	}
	if o.AllowWatchBookmarks {
		q.Set("allowWatchBookmarks", "true")
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.FormatInt(o.Limit, 10))
	}
	return q
}

// Namespace returns a copy of rc that works in namespace ns.
func (rc *ResourceClient) Namespace(ns string) *ResourceClient {
	cp := *rc
	cp.ns = ns
	return &cp
}

// Create posts obj and returns the object as the server stored it.
func (rc *ResourceClient) Create(ctx context.Context, obj api.Object) (api.Object, error) {
	if rc.err != nil {
		return nil, rc.err
	}
	body, err := rc.encode(obj)
	if err != nil {
		return nil, err
	}
	b, err := rc.c.Do(ctx, http.MethodPost, rc.res.Path(rc.namespaceFor(obj), ""), body, "")
	if err != nil {
		return nil, err
	}
	return rc.decode(b)
}

// Get reads one object.
func (rc *ResourceClient) Get(ctx context.Context, name string) (api.Object, error) {
	b, err := rc.one(ctx, http.MethodGet, name, "", nil, "")
	if err != nil {
		return nil, err
	}
	return rc.decode(b)
}

// List returns the objects and the resourceVersion the list was read at,
// which is where a watch should start. Items get apiVersion and kind filled
// in (the server leaves them out of list items). With opts.Limit set, List
// follows the server's continue tokens until it has every page.
func (rc *ResourceClient) List(ctx context.Context, opts ListOptions) ([]api.Object, string, error) {
	if rc.err != nil {
		return nil, "", rc.err
	}
	var items []api.Object
	q := opts.query()
	for {
		b, err := rc.c.Do(ctx, http.MethodGet, withQuery(rc.res.Path(rc.ns, ""), q), nil, "")
		if err != nil {
			return nil, "", err
		}
		var list api.List[json.RawMessage]
		if err := json.Unmarshal(b, &list); err != nil {
			return nil, "", fmt.Errorf("decoding the %s list: %w", rc.res.Name, err)
		}
		for _, raw := range list.Items {
			obj, err := rc.decode(raw)
			if err != nil {
				return nil, "", err
			}
			items = append(items, obj)
		}
		if list.Metadata.Continue == "" {
			return items, list.Metadata.ResourceVersion, nil
		}
		// The next page continues the same snapshot; the token carries
		// the version, and the server refuses both together.
		q.Set("continue", list.Metadata.Continue)
		q.Del("resourceVersion")
	}
}

// Update replaces obj with a PUT. The server answers 409 Conflict if obj's
// resourceVersion is no longer the current one.
func (rc *ResourceClient) Update(ctx context.Context, obj api.Object) (api.Object, error) {
	return rc.put(ctx, obj, "")
}

// UpdateStatus replaces only obj's status, through the status subresource.
func (rc *ResourceClient) UpdateStatus(ctx context.Context, obj api.Object) (api.Object, error) {
	return rc.put(ctx, obj, "status")
}

func (rc *ResourceClient) put(ctx context.Context, obj api.Object, sub string) (api.Object, error) {
	if rc.err != nil {
		return nil, rc.err
	}
	body, err := rc.encode(obj)
	if err != nil {
		return nil, err
	}
	name := obj.GetObjectMeta().Name
	if name == "" {
		return nil, fmt.Errorf("%s: cannot update an object with no name", rc.res.Name)
	}
	path := rc.res.Path(rc.namespaceFor(obj), name)
	if sub != "" {
		path += "/" + sub
	}
	b, err := rc.c.Do(ctx, http.MethodPut, path, body, "")
	if err != nil {
		return nil, err
	}
	return rc.decode(b)
}

// Patch changes part of an object. patchType is MergePatch,
// StrategicMergePatch or JSONPatch (MergePatch if empty); subresource is ""
// or e.g. "status".
func (rc *ResourceClient) Patch(ctx context.Context, name, patchType string, data []byte, subresource string) (api.Object, error) {
	if patchType == "" {
		patchType = MergePatch
	}
	b, err := rc.one(ctx, http.MethodPatch, name, subresource, data, patchType)
	if err != nil {
		return nil, err
	}
	return rc.decode(b)
}

// Delete deletes one object. opts may say how (grace period, propagation
// policy) or be nil.
func (rc *ResourceClient) Delete(ctx context.Context, name string, opts *api.DeleteOptions) error {
	var body []byte
	if opts != nil {
		o := *opts
		if o.Kind == "" {
			o.APIVersion, o.Kind = "v1", "DeleteOptions"
		}
		var err error
		if body, err = json.Marshal(o); err != nil {
			return err
		}
	}
	_, err := rc.one(ctx, http.MethodDelete, name, "", body, "")
	return err
}

// Watch opens a watch on the collection. Start it from the resourceVersion
// of a List, or events between the two are lost.
func (rc *ResourceClient) Watch(ctx context.Context, opts ListOptions) (*Watcher, error) {
	if rc.err != nil {
		return nil, rc.err
	}
	q := opts.query()
	q.Set("watch", "true")
	ctx, cancel := context.WithCancel(ctx)
	resp, err := rc.c.send(ctx, http.MethodGet, withQuery(rc.res.Path(rc.ns, ""), q), nil, "")
	if err != nil {
		cancel()
		return nil, err
	}
	return newWatcher(ctx, cancel, resp.Body, rc.decode), nil
}

// Subresource sends body as JSON to an object's subresource and decodes the
// answer into out; body and out may be nil. For example
//
//	pods.Subresource(ctx, "POST", "kubia", "binding", &api.Binding{…}, nil)
//	rs.Subresource(ctx, "GET", "frontend", "scale", nil, &scale)
func (rc *ResourceClient) Subresource(ctx context.Context, method, name, sub string, body any, out any) error {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return err
		}
	}
	b, err := rc.one(ctx, method, name, sub, data, "")
	if err != nil {
		return err
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("decoding %s/%s/%s: %w", rc.res.Name, name, sub, err)
		}
	}
	return nil
}

// Raw sends any request about the collection (name "") or one object, with
// an optional subresource and query, and returns the body as it came, e.g.
// GET pods/kubia/log?container=app.
func (rc *ResourceClient) Raw(ctx context.Context, method, name, sub string, query url.Values, body []byte, contentType string) ([]byte, error) {
	if rc.err != nil {
		return nil, rc.err
	}
	ns := rc.ns
	if name != "" {
		ns = rc.namespaceFor(nil)
	}
	path := rc.res.Path(ns, name)
	if sub != "" {
		path += "/" + sub
	}
	return rc.c.Do(ctx, method, withQuery(path, query), body, contentType)
}

// one is Raw for calls about one object: an empty name must not turn a
// GET or DELETE of an object into one of the whole collection.
func (rc *ResourceClient) one(ctx context.Context, method, name, sub string, body []byte, contentType string) ([]byte, error) {
	if name == "" {
		return nil, fmt.Errorf("%s: a name is required", rc.res.Name)
	}
	return rc.Raw(ctx, method, name, sub, nil, body, contentType)
}

// namespaceFor picks the namespace of a call about one object.
func (rc *ResourceClient) namespaceFor(obj api.Object) string {
	if !rc.res.Namespaced {
		return ""
	}
	if rc.ns != "" {
		return rc.ns
	}
	if obj != nil && obj.GetObjectMeta().Namespace != "" {
		return obj.GetObjectMeta().Namespace
	}
	return "default"
}

// encode marshals obj with apiVersion and kind set, as the server expects.
// If they are missing it fills them in a shallow copy, never in obj itself:
// obj may be shared with an informer's cache.
func (rc *ResourceClient) encode(obj api.Object) ([]byte, error) {
	if tm := obj.GetTypeMeta(); tm.APIVersion == "" || tm.Kind == "" {
		cp := reflect.New(reflect.TypeOf(obj).Elem())
		cp.Elem().Set(reflect.ValueOf(obj).Elem())
		obj = cp.Interface().(api.Object)
		obj.GetTypeMeta().APIVersion, obj.GetTypeMeta().Kind = rc.res.APIVersion(), rc.res.Kind
	}
	return json.Marshal(obj)
}

// decode makes a fresh object of rc's kind from JSON.
func (rc *ResourceClient) decode(b []byte) (api.Object, error) {
	obj := rc.res.New()
	if err := json.Unmarshal(b, obj); err != nil {
		return nil, fmt.Errorf("decoding a %s: %w", rc.res.Kind, err)
	}
	tm := obj.GetTypeMeta()
	tm.APIVersion, tm.Kind = rc.res.APIVersion(), rc.res.Kind
	return obj, nil
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
