package apiserver

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/openapi"
)

// The OpenAPI documents (pkg/openapi) are served where kubectl looks for
// them, with the caching Kubernetes' kube-openapi handlers give them:
//
//	/openapi/v3                      the index: each group-version's document and its hash
//	/openapi/v3/apis/apps/v1?hash=H  one document; with the current hash it never changes,
//	                                 so it is cacheable for a year (Cache-Control: public, immutable);
//	                                 with an old hash, a 301 to the current one
//	/openapi/v2                      the whole API as Swagger 2.0, JSON only: a client asking
//	                                 only for protobuf (client-go's OpenAPISchema) gets 406
//
// Every answer carries an ETag, so a client revalidating gets 304. The
// paths are readable by every authenticated user (system:discovery in
// pkg/auth/policy.go).

// openAPIDocuments are built once, on first use: they depend only on the
// types compiled into the binary, so every Server shares them.
var openAPIDocuments = sync.OnceValues(func() (*openAPIServed, error) {
	v := versionInfo()
	docs, err := openapi.Build("v" + v.Major + "." + v.Minor + ".0")
	return &openAPIServed{Documents: docs, built: time.Now()}, err
})

type openAPIServed struct {
	*openapi.Documents
	built time.Time // Last-Modified
}

// registerOpenAPI adds the OpenAPI paths to mux.
func (s *Server) registerOpenAPI(mux *http.ServeMux) {
	mux.HandleFunc("/openapi/v2", s.serveOpenAPI)
	mux.HandleFunc("/openapi/v3", s.serveOpenAPI)
	mux.HandleFunc("/openapi/v3/", s.serveOpenAPI)
}

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeStatus(w, methodNotAllowed(""))
		return
	}
	docs, err := openAPIDocuments()
	if err != nil {
		s.log.Error("building the OpenAPI documents", zap.Error(err))
		writeStatus(w, statusErr(http.StatusInternalServerError, "InternalError", "the OpenAPI documents could not be built: "+err.Error()))
		return
	}
	w.Header().Add("Vary", "Accept")
	switch path := strings.TrimSuffix(r.URL.Path, "/"); {
	case path == "/openapi/v2":
		serveDocument(w, r, docs.V2, docs.built)
	case path == "/openapi/v3":
		serveDocument(w, r, docs.V3Index, docs.built)
	default:
		gv := strings.TrimPrefix(path, "/openapi/v3/")
		doc, ok := docs.V3[gv]
		if !ok {
			writeStatus(w, notFoundPath(r.URL.Path))
			return
		}
		hash := docs.V3Hashes[gv]
		if h := r.URL.Query().Get("hash"); h != "" {
			if h != hash {
				http.Redirect(w, r, "/openapi/v3/"+gv+"?hash="+hash, http.StatusMovedPermanently)
				return
			}
			w.Header().Set("Cache-Control", "public, immutable")
			w.Header().Set("Expires", time.Now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat))
		}
		serveDocument(w, r, doc, docs.built)
	}
}

// serveDocument answers with doc as JSON, or 406 when the client takes
// no JSON (the protobuf forms are not served).
func serveDocument(w http.ResponseWriter, r *http.Request, doc []byte, built time.Time) {
	if !acceptsJSON(r.Header.Get("Accept")) {
		writeStatus(w, statusErr(http.StatusNotAcceptable, "NotAcceptable",
			"the OpenAPI documents are served only as application/json"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Etag", strconv.Quote(openapi.Hash(doc)))
	http.ServeContent(w, r, "", built, bytes.NewReader(doc))
}

// acceptsJSON reports whether an Accept header admits application/json.
func acceptsJSON(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, clause := range strings.Split(accept, ",") {
		mediaRange, _, _ := strings.Cut(clause, ";")
		switch strings.TrimSpace(mediaRange) {
		case "application/json", "application/*", "*/*":
			return true
		}
	}
	return false
}
