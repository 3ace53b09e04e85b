package apiserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// serveResource answers one request on a resource path.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, info requestInfo) {
	ctx := r.Context()
	switch info.subresource {
	case "binding":
		s.serveBinding(w, r, info)
		return
	case "scale":
		s.serveScale(w, r, info)
		return
	case "log", "exec":
		s.serveNodeProxy(w, r, info)
		return
	case "finalize":
		s.serveFinalize(w, r, info)
		return
	}
	switch info.verb {
	case "get":
		obj, _, st := s.load(ctx, info.resource, info.namespace, info.name)
		if st != nil {
			writeStatus(w, st)
			return
		}
		writeJSON(w, http.StatusOK, obj)
	case "list":
		s.serveList(w, r, info)
	case "watch":
		s.serveWatch(w, r, info)
	case "create":
		obj, st := s.readObject(w, r, info.resource)
		if st == nil {
			obj, st = s.create(ctx, info, obj)
		}
		if st != nil {
			writeStatus(w, st)
			return
		}
		writeJSON(w, http.StatusCreated, obj)
	case "update":
		obj, st := s.readObject(w, r, info.resource)
		if st == nil {
			obj, st = s.update(ctx, info, func(api.Object) (api.Object, *api.Status) { return obj, nil })
		}
		if st != nil {
			writeStatus(w, st)
			return
		}
		writeJSON(w, http.StatusOK, obj)
	case "patch":
		s.servePatch(w, r, info)
	case "delete":
		s.serveDelete(w, r, info)
	case "deletecollection":
		s.serveDeleteCollection(w, r, info)
	}
}

// readBody reads a request body, bounded in size.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *api.Status) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, statusErr(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			fmt.Sprintf("the request body is larger than %d bytes", s.maxBody))
	}
	if err != nil {
		return nil, badRequest("read the request body: " + err.Error())
	}
	return body, nil
}

// readObject decodes a request body (JSON or YAML) into an object of the
// resource's kind. Unknown fields become Warning headers.
func (s *Server) readObject(w http.ResponseWriter, r *http.Request, res api.Resource) (api.Object, *api.Status) {
	body, st := s.readBody(w, r)
	if st != nil {
		return nil, st
	}
	return decodeBody(w, body, res)
}

func decodeBody(w http.ResponseWriter, body []byte, res api.Resource) (api.Object, *api.Status) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, badRequest("the request body is empty; send a " + res.Kind + " object")
	}
	obj := res.New()
	warnings, err := api.DecodeInto(body, obj)
	if err != nil {
		return nil, badRequest(fmt.Sprintf("the body is not a valid %s: %v", res.Kind, err))
	}
	tm := obj.GetTypeMeta()
	if tm.Kind != "" && tm.Kind != res.Kind {
		return nil, badRequest(fmt.Sprintf("the body's kind %q does not match the resource %q (expected kind %q)", tm.Kind, res.Name, res.Kind))
	}
	if tm.APIVersion != "" && tm.APIVersion != res.APIVersion() {
		return nil, badRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", tm.APIVersion, res.APIVersion()))
	}
	api.SetTypeMeta(obj)
	for _, warn := range warnings {
		w.Header().Add("Warning", `299 - "`+strings.ReplaceAll(warn, `"`, `\"`)+`"`)
	}
	return obj, nil
}

// listOptions are the query parameters of list and watch.
type listOptions struct {
	labels          api.Selector
	fields          api.FieldSelector
	resourceVersion string
	timeoutSeconds  int64
	bookmarks       bool
	initialEvents   bool
}

func parseListOptions(r *http.Request, res api.Resource) (listOptions, *api.Status) {
	q := r.URL.Query()
	var opts listOptions
	var err error
	if opts.labels, err = api.ParseSelector(q.Get("labelSelector")); err != nil {
		return opts, badRequest("unable to parse requirement: labelSelector: " + err.Error())
	}
	if opts.fields, err = api.ParseFieldSelector(q.Get("fieldSelector")); err != nil {
		return opts, badRequest("fieldSelector: " + err.Error())
	}
	if err := api.ValidateFieldSelector(res.Name, opts.fields); err != nil {
		return opts, badRequest(err.Error())
	}
	opts.resourceVersion = q.Get("resourceVersion")
	if opts.resourceVersion != "" {
		if _, err := strconv.ParseInt(opts.resourceVersion, 10, 64); err != nil {
			return opts, badRequest(fmt.Sprintf("resourceVersion %q: must be an integer", opts.resourceVersion))
		}
	}
	if t := q.Get("timeoutSeconds"); t != "" {
		if opts.timeoutSeconds, err = strconv.ParseInt(t, 10, 64); err != nil || opts.timeoutSeconds < 0 {
			return opts, badRequest(fmt.Sprintf("timeoutSeconds %q: must be a non-negative integer", t))
		}
	}
	opts.bookmarks = q.Get("allowWatchBookmarks") == "true"
	opts.initialEvents = q.Get("sendInitialEvents") == "true"
	return opts, nil
}

// matches applies the label and field selectors of a list or watch.
func (o listOptions) matches(obj api.Object) bool {
	if !o.labels.Empty() && !o.labels.Matches(obj.GetObjectMeta().Labels) {
		return false
	}
	return o.fields.Empty() || o.fields.Matches(api.FieldsOf(obj))
}

// listObjects reads every object of a resource in a namespace ("" for all)
// that the selectors match, and the revision the read was made at.
func (s *Server) listObjects(ctx context.Context, res api.Resource, namespace string, opts listOptions) ([]api.Object, int64, error) {
	kvs, rev, err := s.store.List(ctx, store.Prefix(res.Name, namespace))
	if err != nil {
		return nil, 0, err
	}
	out := make([]api.Object, 0, len(kvs))
	for _, kv := range kvs {
		obj, err := decodeStored(res, kv)
		if err != nil {
			return nil, 0, err
		}
		if opts.matches(obj) {
			out = append(out, obj)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].GetObjectMeta(), out[j].GetObjectMeta()
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return out, rev, nil
}

func (s *Server) serveList(w http.ResponseWriter, r *http.Request, info requestInfo) {
	opts, st := parseListOptions(r, info.resource)
	if st != nil {
		writeStatus(w, st)
		return
	}
	items, rev, err := s.listObjects(r.Context(), info.resource, info.namespace, opts)
	if err != nil {
		writeStatus(w, internalError(err))
		return
	}
	writeJSON(w, http.StatusOK, api.List[api.Object]{
		TypeMeta: api.TypeMeta{APIVersion: info.resource.APIVersion(), Kind: info.resource.Kind + "List"},
		Metadata: api.ListMeta{ResourceVersion: strconv.FormatInt(rev, 10)},
		Items:    items,
	})
}
