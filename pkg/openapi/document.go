package openapi

import (
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"kubelab/pkg/api"
)

// Document is an OpenAPI v3 document: one group-version's paths and the
// schemas they use.
type Document struct {
	OpenAPI    string               `json:"openapi"`
	Info       Info                 `json:"info"`
	Paths      map[string]*PathItem `json:"paths"`
	Components Components           `json:"components"`
}

// Info names the API and its version.
type Info struct {
	Title   string `json:"title"`
	Version string `json:"version"`
}

// Components holds the schemas, by definition name.
type Components struct {
	Schemas         map[string]*Schema        `json:"schemas"`
	SecuritySchemes map[string]securityScheme `json:"securitySchemes"`
}

type securityScheme struct {
	Type        string `json:"type"`
	Description string `json:"description"`
	Name        string `json:"name"`
	In          string `json:"in"`
}

// Documents are the serialized documents the apiserver serves.
type Documents struct {
	// V3 holds each group-version's document, by the path the index
	// names it with: "api/v1", "apis/apps/v1".
	V3 map[string][]byte
	// V3Hashes holds each document's hash (SHA-512, upper-case hex), the
	// ETag and the ?hash= of its URL.
	V3Hashes map[string]string
	// V3Index is /openapi/v3: where each group-version's document is.
	V3Index []byte
	// V2 is /openapi/v2: the whole API in one Swagger 2.0 document.
	V2 []byte
}

// Index is the shape of /openapi/v3.
type Index struct {
	Paths map[string]IndexEntry `json:"paths"`
}

// IndexEntry points at one group-version's document; the hash in the URL
// changes with the document, so a client may cache it for ever.
type IndexEntry struct {
	ServerRelativeURL string `json:"serverRelativeURL"`
}

// Build makes every document from pkg/api's registry and types.
// version is the Kubernetes version the server reports (v1.30.0).
func Build(version string) (*Documents, error) {
	defs, byGV, err := buildDefinitions()
	if err != nil {
		return nil, err
	}
	info := Info{Title: "Kubernetes", Version: version}
	docs := &Documents{V3: map[string][]byte{}, V3Hashes: map[string]string{}}
	index := Index{Paths: map[string]IndexEntry{}}
	all := &Document{Paths: map[string]*PathItem{}}
	for gv, kinds := range byGV {
		doc := &Document{OpenAPI: "3.0.0", Info: info, Paths: map[string]*PathItem{},
			Components: Components{Schemas: map[string]*Schema{}, SecuritySchemes: bearerToken}}
		roots := []string{metaPackage + ".Status", metaPackage + ".DeleteOptions", metaPackage + ".Patch"}
		for _, k := range kinds {
			for p, item := range kindPaths(k.resource, k.def, k.def+"List") {
				doc.Paths[p] = item
				all.Paths[p] = item
			}
			roots = append(roots, k.def, k.def+"List")
		}
		for _, name := range defs.closure(roots) {
			doc.Components.Schemas[name] = defs.schemas[name]
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		hash := Hash(raw)
		docs.V3[gv], docs.V3Hashes[gv] = raw, hash
		index.Paths[gv] = IndexEntry{ServerRelativeURL: "/openapi/v3/" + gv + "?hash=" + hash}
	}
	if docs.V3Index, err = json.Marshal(index); err != nil {
		return nil, err
	}
	if docs.V2, err = json.Marshal(toV2(info, all.Paths, defs.schemas)); err != nil {
		return nil, err
	}
	return docs, nil
}

var bearerToken = map[string]securityScheme{"BearerToken": {Type: "apiKey", Name: "authorization", In: "header",
	Description: "Bearer Token authentication"}}

// Hash is a document's hash as Kubernetes computes it: SHA-512 in
// upper-case hex. It is the document's ETag and its URL's ?hash=.
func Hash(doc []byte) string { return fmt.Sprintf("%X", sha512.Sum512(doc)) }

// kindDef is one served kind and the name of its definition.
type kindDef struct {
	resource api.Resource
	def      string
}

// buildDefinitions defines every registered kind with its list, and the
// meta/v1 types the operations use, and groups the kinds by the index
// path of their group-version.
func buildDefinitions() (*definitions, map[string][]kindDef, error) {
	d := newDefinitions()
	byGV := map[string][]kindDef{}
	for _, r := range api.Resources() {
		t := reflect.TypeOf(r.New()).Elem()
		name, err := d.define(t, r.Group, r.Version)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", r.Kind, err)
		}
		gvk := GVK{Group: r.Group, Version: r.Version, Kind: r.Kind}
		d.schemas[name].GVK = append(d.schemas[name].GVK, gvk)
		d.defineList(name, gvk)
		gv := "api/" + r.Version
		if r.Group != "" {
			gv = "apis/" + r.Group + "/" + r.Version
		}
		byGV[gv] = append(byGV[gv], kindDef{resource: r, def: name})
	}
	for _, t := range []reflect.Type{reflect.TypeFor[api.Status](), reflect.TypeFor[api.DeleteOptions]()} {
		if _, err := d.define(t, "", "v1"); err != nil {
			return nil, nil, err
		}
	}
	d.schemas[metaPackage+".Patch"] = &Schema{Type: "object",
		Description: "Patch is the body of a PATCH request: a JSON patch, a merge patch or a strategic merge patch, as its Content-Type says."}
	return d, byGV, nil
}

// defineList defines the list of kind (PodList): apiVersion, kind,
// metadata and items.
func (d *definitions) defineList(kind string, gvk GVK) {
	listMeta, _ := d.define(reflect.TypeFor[api.ListMeta](), "", "v1")
	typeMeta := reflect.TypeFor[api.TypeMeta]()
	list := &Schema{Type: "object", Description: gvk.Kind + "List is a list of " + gvk.Kind + " objects.",
		Required: []string{"items"},
		Properties: map[string]*Schema{
			"apiVersion": {Type: "string", Description: fieldDocs[typeMeta.Name()+".APIVersion"]},
			"kind":       {Type: "string", Description: fieldDocs[typeMeta.Name()+".Kind"]},
			"metadata":   described(ref(listMeta), "Standard list metadata."),
			"items":      {Type: "array", Items: ref(kind), Description: "The " + gvk.Kind + " objects."},
		},
		GVK: []GVK{{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind + "List"}}}
	d.schemas[kind+"List"] = list
	d.refs[kind+"List"] = []string{listMeta, kind}
}

// closure returns the definitions roots refer to, directly or not, sorted.
func (d *definitions) closure(roots []string) []string {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if seen[n] || d.schemas[n] == nil {
			return
		}
		seen[n] = true
		for _, r := range d.refs[n] {
			visit(r)
		}
	}
	for _, r := range roots {
		visit(r)
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
