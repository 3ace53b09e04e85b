package apiserver

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/apiserver/wire"
)

// A request body is read only if its Content-Type is one the request
// takes: an object as JSON, YAML or protobuf, a patch as one of the patch
// types. Besides telling a client what went wrong, this is what keeps a
// web page from writing to a cluster on the user's machine: a browser
// sends a cross-site POST without asking the server first only with
// text/plain, multipart/form-data or application/x-www-form-urlencoded,
// all refused here with 415 (origin.go is the other half of that
// defence). An object sent with no Content-Type at all is read as JSON,
// as Kubernetes reads it: client-go's scale client sends its PUTs so.
//
// The type is compared without its parameters, so
// "application/json; charset=utf-8" is JSON.
//
// client-go sends objects as protobuf by default: readBody turns such a
// body into JSON at once (package wire), so that every handler reads
// JSON or YAML only. Server-side apply is refused with a 415 that says
// what to do instead.

// Media types of request bodies.
const (
	mediaJSON      = "application/json"
	mediaYAML      = "application/yaml"
	mergePatch     = "application/merge-patch+json"
	strategicPatch = "application/strategic-merge-patch+json"
	jsonPatch      = "application/json-patch+json"
	mediaProtobuf  = wire.MediaType
)

var (
	// objectTypes are what create, update, delete options, bindings and
	// scales are sent as, in the order Kubernetes lists them.
	objectTypes = []string{mediaJSON, mediaYAML, mediaProtobuf}
	// patchTypes are the patches kubelab applies (patch.go). Server-side
	// apply (application/apply-patch+yaml) is not one of them.
	patchTypes = []string{jsonPatch, mergePatch, strategicPatch}
)

// mediaTypeOf returns the media type of r's body if it is one of
// accepted, and "" when r has no Content-Type (see readBody).
func mediaTypeOf(r *http.Request, accepted []string) (string, *api.Status) {
	header := r.Header.Get("Content-Type")
	if header == "" {
		return "", nil
	}
	mt, _, err := mime.ParseMediaType(header)
	if err == nil && strings.HasPrefix(mt, "application/apply-patch+") { // +yaml, +cbor
		return "", serverSideApply(mt, accepted)
	}
	if err != nil || !slices.Contains(accepted, mt) {
		return "", unsupportedMediaType(header, accepted)
	}
	return mt, nil
}

// readBody reads a request body of one of the accepted media types,
// bounded in size, and returns it with its media type.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, accepted []string) ([]byte, string, *api.Status) {
	mt, st := mediaTypeOf(r, accepted)
	if st != nil {
		return nil, "", st
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var big *http.MaxBytesError
	if errors.As(err, &big) {
		return nil, "", tooLarge(fmt.Sprintf("limit is %d bytes for a request body", s.maxBody))
	}
	if err != nil {
		return nil, "", badRequest("read the request body: " + err.Error())
	}
	if len(body) > 0 && mt == "" {
		if !slices.Contains(accepted, mediaJSON) {
			return nil, "", unsupportedMediaType("", accepted)
		}
		mt = mediaJSON
	}
	if mt == mediaProtobuf {
		return fromProtobuf(body)
	}
	return body, mt, nil
}

// fromProtobuf returns a protobuf body as JSON. A kind Kubernetes' types
// do not define has no protobuf form: like Kubernetes for a kind served
// only as JSON (a custom resource), the answer is 415.
func fromProtobuf(body []byte) ([]byte, string, *api.Status) {
	if len(body) == 0 {
		return nil, mediaJSON, nil
	}
	j, err := wire.ToJSON(body)
	var unknown *wire.UnknownKindError
	if errors.As(err, &unknown) {
		return nil, "", unsupportedMediaType(mediaProtobuf, []string{mediaJSON, mediaYAML})
	}
	if err != nil {
		return nil, "", badRequest("the body is not a valid protobuf object: " + err.Error())
	}
	return j, mediaJSON, nil
}

// serverSideApply is the 415 for kubectl apply --server-side: kubelab
// keeps no managed fields to merge an applied configuration with.
func serverSideApply(mt string, accepted []string) *api.Status {
	st := unsupportedMediaType(mt, accepted)
	st.Message += "; server-side apply is not supported: use client-side apply (kubectl apply without --server-side)"
	return st
}
