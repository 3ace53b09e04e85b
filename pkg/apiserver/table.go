package apiserver

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/printers"
)

// A client that prints asks for a Table instead of objects, by its
// Accept header, as kubectl get does:
//
//	Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json
//
// The server then renders the rows with pkg/printers (the columns of
// `kubectl get`, ages measured now) and the client only lines the cells
// up. The first media type the server can answer in wins; one whose
// `as=` it does not know is passed over, and a header that only has such
// types gets 406. Each row carries its object's metadata
// (PartialObjectMetadata), or the whole object with includeObject=Object,
// or nothing with includeObject=None.
//
// A client that needs only metadata (client-go's metadata informers) asks
// for as=PartialObjectMetadataList on a list and as=PartialObjectMetadata
// on a get or a watch.

// Kinds a client may ask a GET's answer to be turned into.
const (
	asTable       = "Table"
	asPartial     = "PartialObjectMetadata"
	asPartialList = "PartialObjectMetadataList"
)

// responseForm is the form of a GET's answer: the objects as they are
// (as ""), or turned into a Table or into metadata of apiVersion version.
type responseForm struct {
	as            string
	version       string
	includeObject string // of a Table
}

// negotiate reads the form the client asks for. list says the answer is
// a list (as=PartialObjectMetadataList), not one object or a watch's
// events (as=PartialObjectMetadata).
func negotiate(r *http.Request, list bool) (responseForm, *api.Status) {
	header := strings.Join(r.Header.Values("Accept"), ",")
	if strings.TrimSpace(header) == "" {
		return responseForm{}, nil
	}
	partial := asPartial
	if list {
		partial = asPartialList
	}
	for _, accept := range strings.Split(header, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(accept))
		if err != nil {
			continue
		}
		as, ok := params["as"]
		if !ok {
			return responseForm{}, nil // JSON, or a type kubelab answers in JSON anyway
		}
		version := params["v"]
		if mt != mediaJSON || params["g"] != "meta.k8s.io" || (version != "v1" && version != "v1beta1") ||
			(as != asTable && as != partial) {
			continue
		}
		form := responseForm{as: as, version: "meta.k8s.io/" + version}
		if as == asTable {
			form.includeObject = r.URL.Query().Get("includeObject")
			switch form.includeObject {
			case "", printers.IncludeMetadata, printers.IncludeObject, printers.IncludeNone:
			default:
				return form, badRequest(fmt.Sprintf("unrecognized includeObject value: %q", form.includeObject))
			}
		}
		return form, nil
	}
	return responseForm{}, statusErr(http.StatusNotAcceptable, "NotAcceptable",
		"only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf")
}

// writeRead answers a get (v an object) or a list (v a listResponse) of
// res in the form the client asked for.
func writeRead(w http.ResponseWriter, r *http.Request, res api.Resource, v any) {
	_, list := v.(listResponse)
	form, st := negotiate(r, list)
	if st == nil && form.as != "" {
		v, st = form.render(res, v, time.Now())
	}
	if st != nil {
		writeStatus(w, st)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// partialList is a list reduced to its items' metadata.
type partialList struct {
	api.TypeMeta `json:",inline"`
	Metadata     listMeta                         `json:"metadata"`
	Items        []printers.PartialObjectMetadata `json:"items"`
}

// render turns an object or a listResponse into the form.
func (f responseForm) render(res api.Resource, v any, now time.Time) (any, *api.Status) {
	objs, meta := []api.Object(nil), printers.ListMeta{}
	switch v := v.(type) {
	case listResponse:
		objs = v.Items
		meta = printers.ListMeta{ResourceVersion: v.Metadata.ResourceVersion, Continue: v.Metadata.Continue,
			RemainingItemCount: v.Metadata.RemainingItemCount}
	case api.Object:
		if f.as == asPartial {
			return printers.Partial(v, f.version), nil
		}
		objs = []api.Object{v}
		meta.ResourceVersion = v.GetObjectMeta().ResourceVersion
	}
	if f.as == asPartialList {
		out := partialList{TypeMeta: api.TypeMeta{APIVersion: f.version, Kind: asPartialList}, Items: []printers.PartialObjectMetadata{},
			Metadata: listMeta{ResourceVersion: meta.ResourceVersion, Continue: meta.Continue, RemainingItemCount: meta.RemainingItemCount}}
		for _, obj := range objs {
			out.Items = append(out.Items, printers.Partial(obj, f.version))
		}
		return out, nil
	}
	t, err := printers.NewTable(res.Kind, objs, now, printers.Options{APIVersion: f.version, IncludeObject: f.includeObject})
	if err != nil {
		return nil, internalError(err)
	}
	t.Metadata = meta
	return t, nil
}

// watchForm returns how a watch sends the objects of its events in the
// form: each a Table of one row (the column definitions in the first
// only, as Kubernetes does: the client keeps them), or its metadata.
// A bookmark's Table has no rows, only the resourceVersion. nil sends
// objects as they are.
func watchForm(f responseForm, res api.Resource) func(typ string, obj any) (any, error) {
	if f.as == "" {
		return nil
	}
	headed := false
	return func(typ string, obj any) (any, error) {
		o, ok := obj.(api.Object)
		switch {
		case !ok:
			return obj, nil
		case f.as == asPartial:
			return printers.Partial(o, f.version), nil
		case typ == api.Bookmark:
			return &printers.Table{TypeMeta: api.TypeMeta{APIVersion: f.version, Kind: asTable}, Rows: []printers.Row{},
				Metadata: printers.ListMeta{ResourceVersion: o.GetObjectMeta().ResourceVersion}}, nil
		}
		t, err := printers.NewTable(res.Kind, []api.Object{o}, time.Now(),
			printers.Options{APIVersion: f.version, NoHeaders: headed, IncludeObject: f.includeObject})
		if err != nil {
			return nil, err
		}
		headed = true
		t.Metadata.ResourceVersion = o.GetObjectMeta().ResourceVersion
		return t, nil
	}
}
