package apiserver

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"

	"kubelab/pkg/api"
)

// A request body is read only if its Content-Type is one the request
// takes: an object as JSON or YAML, a patch as one of the patch types.
// Besides telling a client what went wrong, this is what keeps a web page
// from writing to a cluster on the user's machine: a browser sends a
// cross-site POST without asking the server first only with text/plain,
// multipart/form-data or application/x-www-form-urlencoded, all refused
// here with 415 (origin.go is the other half of that defence).
//
// The type is compared without its parameters, so
// "application/json; charset=utf-8" is JSON.

// Media types of request bodies.
const (
	mediaJSON      = "application/json"
	mediaYAML      = "application/yaml"
	mergePatch     = "application/merge-patch+json"
	strategicPatch = "application/strategic-merge-patch+json"
	jsonPatch      = "application/json-patch+json"
)

var (
	// objectTypes are what create, update, delete options, bindings and
	// scales are sent as.
	objectTypes = []string{mediaJSON, mediaYAML}
	// patchTypes are the patches kubelab applies (patch.go). Server-side
	// apply (application/apply-patch+yaml) is not one of them.
	patchTypes = []string{jsonPatch, mergePatch, strategicPatch}
)

// mediaTypeOf returns the media type of r's body if it is one of
// accepted, and "" when r has no Content-Type (then the body must be
// empty: see readBody).
func mediaTypeOf(r *http.Request, accepted []string) (string, *api.Status) {
	header := r.Header.Get("Content-Type")
	if header == "" {
		return "", nil
	}
	mt, _, err := mime.ParseMediaType(header)
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
		return nil, "", unsupportedMediaType("", accepted)
	}
	return body, mt, nil
}
