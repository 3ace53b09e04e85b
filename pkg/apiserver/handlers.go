package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// serveResource answers one request on a resource path.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, info requestInfo) {
	r = r.WithContext(withWarnings(r.Context(), w.Header())) // admission's warnings (warn)
	if st := checkOrigin(r); st != nil {
		writeStatus(w, st)
		return
	}
	r, st := withDryRun(r, info) // dryrun.go: ?dryRun=All writes nothing
	if st != nil {
		writeStatus(w, st)
		return
	}
	ctx := r.Context()
	switch info.subresource {
	case "binding":
		s.serveBinding(w, r, info)
		return
	case "scale":
		s.serveScale(w, r, info)
		return
	case "log", "exec", "attach", "portforward":
		s.serveNodeProxy(w, r, info)
		return
	case "finalize":
		s.serveFinalize(w, r, info)
		return
	case "token":
		s.serveTokenRequest(w, r, info)
		return
	}
	switch info.verb {
	case "get":
		obj, _, st := s.load(ctx, info.resource, info.namespace, info.name)
		if st != nil {
			writeStatus(w, st)
			return
		}
		writeRead(w, r, info.resource, obj) // as it is, or a Table (table.go)
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
			obj, st = s.update(ctx, info, func(api.Object) (api.Object, *api.Status) { return api.DeepCopy(obj), nil })
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

// readObject decodes a request body (JSON, YAML or protobuf) into an
// object of the resource's kind. Unknown and duplicate fields become
// Warning headers, or a refusal (fieldvalidation.go).
func (s *Server) readObject(w http.ResponseWriter, r *http.Request, res api.Resource) (api.Object, *api.Status) {
	body, _, st := s.readBody(w, r, objectTypes)
	if st != nil {
		return nil, st
	}
	validation, st := readFieldValidation(r)
	if st != nil {
		return nil, st
	}
	obj, found, st := decodeBody(body, res)
	validation.warn(w.Header(), found)
	if err := validation.strict(found); err != nil && st == nil {
		st = cannotHandle(res, err)
	}
	return obj, st
}

// decodeBody decodes one object of the resource's kind, and returns the
// unknown and duplicate fields for the caller to act on once.
func decodeBody(body []byte, res api.Resource) (api.Object, []string, *api.Status) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, nil, badRequest("the request body is empty; send a " + res.Kind + " object")
	}
	obj := res.New()
	warnings, err := api.DecodeInto(body, obj)
	if err != nil {
		return nil, warnings, badRequest(fmt.Sprintf("the body is not a valid %s: %v", res.Kind, err))
	}
	api.SetTypeMeta(obj)
	return obj, warnings, nil
}

// listOptions are the query parameters of list and watch.
type listOptions struct {
	labels          api.Selector
	fields          api.FieldSelector
	resourceVersion string
	// resourceVersionMatch is "", Exact or NotOlderThan (resourceversion.go).
	resourceVersionMatch string
	timeoutSeconds       int64
	bookmarks            bool
	initialEvents        bool
	// limit and continueToken page a list (pagination.go).
	limit         int64
	continueToken string
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
	var st *api.Status
	if opts.resourceVersion, opts.resourceVersionMatch, st = parseResourceVersion(q); st != nil {
		return opts, st
	}
	if t := q.Get("timeoutSeconds"); t != "" {
		if opts.timeoutSeconds, err = strconv.ParseInt(t, 10, 64); err != nil || opts.timeoutSeconds < 0 {
			return opts, badRequest(fmt.Sprintf("timeoutSeconds %q: must be a non-negative integer", t))
		}
	}
	opts.bookmarks = q.Get("allowWatchBookmarks") == "true"
	opts.initialEvents = q.Get("sendInitialEvents") == "true"
	return opts, parsePaging(q, &opts)
}

// everything reports that there is no selector: every object matches.
func (o listOptions) everything() bool { return o.labels.Empty() && o.fields.Empty() }

// matches applies the label and field selectors of a list or watch.
func (o listOptions) matches(obj api.Object) bool {
	return o.matchesWith(obj, func() map[string]string { return api.FieldsOf(obj) })
}

// matchesWith is matches with obj's fields from fields, asked for only
// when there is a field selector.
func (o listOptions) matchesWith(obj api.Object, fields func() map[string]string) bool {
	if !o.labels.Empty() && !o.labels.Matches(obj.GetObjectMeta().Labels) {
		return false
	}
	return o.fields.Empty() || o.fields.Matches(fields())
}

// listObjects reads every object of a resource in a namespace ("" for all)
// that the selectors match, and the revision the read was made at.
func (s *Server) listObjects(ctx context.Context, res api.Resource, namespace string, opts listOptions) ([]api.Object, int64, error) {
	kvs, rev, err := s.listKVs(ctx, store.Prefix(res.Name, namespace), opts)
	if err != nil {
		return nil, 0, err
	}
	out := make([]api.Object, 0, len(kvs))
	for _, kv := range kvs {
		obj, err := s.decodeStored(res, kv)
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
	items, meta, st := s.listPage(r.Context(), info.resource, info.namespace, opts) // pagination.go
	if st != nil {
		writeStatus(w, st)
		return
	}
	writeRead(w, r, info.resource, listResponse{
		TypeMeta: api.TypeMeta{APIVersion: info.resource.APIVersion(), Kind: info.resource.Kind + "List"},
		Metadata: meta,
		Items:    items,
	})
}
