package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/apiserver/wire"
)

// Field validation decides what a body's fields that its kind does not
// have, or that it gives twice, do to a create, an update or a patch
// (?fieldValidation=, as in Kubernetes):
//
//	Strict  refused: 400 `Pod in version "v1" cannot be handled as a Pod:
//	        strict decoding error: unknown field "spec.foo"` (422 for a patch)
//	Warn    accepted, each field named in a Warning header (the default)
//	Ignore  accepted silently
//
// kubectl sends Strict (its --validate=strict default) once the server's
// OpenAPI document lists the parameter. The decoder finds the fields
// (api.DecodeInto's warnings); this file only acts on them.
//
// kubelab's types have only some of Kubernetes' fields, and a manifest
// written for Kubernetes must still apply. So Strict refuses what a
// Kubernetes apiserver refuses, the fields Kubernetes' own type lacks
// (wire.KnownField) and those given twice; a field Kubernetes knows and
// kubelab does not implement is accepted and dropped with the same
// warning Warn gives, as the manifest would apply on a real cluster.

// fieldValidation is the directive of one request, with the resource
// whose Kubernetes type judges the fields under Strict.
type fieldValidation struct {
	directive string // Strict, Warn or Ignore
	resource  api.Resource
}

const (
	validationStrict = "Strict"
	validationWarn   = "Warn"
	validationIgnore = "Ignore"
)

// readFieldValidation reads the directive of r, Warn when absent. Any
// other value is refused as Kubernetes refuses it: a 422 about the
// request's options (CreateOptions for a POST, and so on). The resource
// is the one r's path names, which is the kind every caller decodes.
func readFieldValidation(r *http.Request) (fieldValidation, *api.Status) {
	v := r.URL.Query().Get("fieldValidation")
	switch v {
	case "":
		v = validationWarn
	case validationStrict, validationWarn, validationIgnore:
	default:
		kind := map[string]string{http.MethodPost: "CreateOptions", http.MethodPut: "UpdateOptions", http.MethodPatch: "PatchOptions"}[r.Method]
		e := &api.FieldError{Type: api.ErrorTypeNotSupported, Field: "fieldValidation", BadValue: v,
			Detail: `supported values: "", "Ignore", "Strict", "Warn"`}
		st := statusErr(http.StatusUnprocessableEntity, "Invalid", fmt.Sprintf("%s.meta.k8s.io \"\" is invalid: %s", kind, e.Error()))
		st.Details = &api.StatusDetails{Group: "meta.k8s.io", Kind: kind,
			Causes: []api.StatusCause{{Type: "FieldValueNotSupported", Message: strings.TrimPrefix(e.Error(), e.Field+": "), Field: e.Field}}}
		return fieldValidation{}, st
	}
	info, st := requestInfoOf(r) // served already: it parses
	if st != nil {
		return fieldValidation{}, st
	}
	return fieldValidation{directive: v, resource: info.resource}, nil
}

// warn adds to h, as warnings, the fields found that v accepts: all of
// them under Warn, those Kubernetes knows under Strict.
func (v fieldValidation) warn(h http.Header, found []string) {
	switch v.directive {
	case validationWarn:
		addWarnings(h, found)
	case validationStrict:
		addWarnings(h, slices.DeleteFunc(slices.Clone(found), func(f string) bool { return !v.kubernetesKnows(f) }))
	}
}

// strict returns the fields found that v refuses as one strict decoding
// error: `strict decoding error: unknown field "a", duplicate field "b"`.
func (v fieldValidation) strict(found []string) error {
	if v.directive != validationStrict {
		return nil
	}
	refused := slices.DeleteFunc(slices.Clone(found), v.kubernetesKnows)
	if len(refused) == 0 {
		return nil
	}
	return fmt.Errorf("strict decoding error: %s", strings.Join(refused, ", "))
}

// kubernetesKnows reports whether f, one of the decoder's findings
// (`unknown field "spec.containers[0].securityContext"`), is a field of
// Kubernetes' type for v's resource, which kubelab merely does not
// implement. A duplicate field is a mistake in any cluster.
func (v fieldValidation) kubernetesKnows(f string) bool {
	quoted, ok := strings.CutPrefix(f, "unknown field ")
	if !ok {
		return false
	}
	path, err := strconv.Unquote(quoted)
	return err == nil && wire.KnownField(v.resource.APIVersion(), v.resource.Kind, path)
}

// cannotHandle is the 400 of a create or update that Strict refuses.
func cannotHandle(res api.Resource, err error) *api.Status {
	return badRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", res.Kind, res.Version, res.Kind, err))
}

// strictPatchInvalid is the 422 of a patch that Strict refuses. Like
// Kubernetes, it shows a strategic merge patch as the patch it read,
// and any other patch as the object it made; the error names no kind.
func strictPatchInvalid(patchType string, patch, patched []byte, err error) *api.Status {
	value := string(patched)
	if patchType == strategicPatch {
		var m map[string]any
		json.Unmarshal(patch, &m) // applyPatch read it already
		value = fmt.Sprintf("%+v", m)
	}
	e := &api.FieldError{Type: api.ErrorTypeInvalid, Field: "patch", BadValue: value, Detail: err.Error()}
	st := statusErr(http.StatusUnprocessableEntity, "Invalid", ` "" is invalid: `+e.Error())
	st.Details = &api.StatusDetails{
		Causes: []api.StatusCause{{Type: "FieldValueInvalid", Message: strings.TrimPrefix(e.Error(), e.Field+": "), Field: e.Field}}}
	return st
}
