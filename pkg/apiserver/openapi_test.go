package apiserver

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestOpenAPIV3(t *testing.T) {
	ts := newTestServer(t)
	var index struct {
		Paths map[string]struct {
			ServerRelativeURL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	r := ts.must(http.StatusOK, "GET", "/openapi/v3", nil)
	r.into(t, &index)
	if ct := r.headers.Get("Content-Type"); ct != "application/json" || r.headers.Get("Etag") == "" {
		t.Errorf("index Content-Type %q, Etag %q", ct, r.headers.Get("Etag"))
	}
	url := index.Paths["apis/apps/v1"].ServerRelativeURL
	hash, ok := strings.CutPrefix(url, "/openapi/v3/apis/apps/v1?hash=")
	if !ok || len(hash) != 128 {
		t.Fatalf("apps/v1 at %q", url)
	}

	doc := ts.must(http.StatusOK, "GET", url, nil)
	if cc := doc.headers.Get("Cache-Control"); cc != "public, immutable" || doc.headers.Get("Expires") == "" {
		t.Errorf("Cache-Control %q, Expires %q", cc, doc.headers.Get("Expires"))
	}
	if etag := doc.headers.Get("Etag"); etag != `"`+hash+`"` {
		t.Errorf("Etag %s, want the hash %s", etag, hash)
	}
	var body struct {
		OpenAPI    string `json:"openapi"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	doc.into(t, &body)
	if body.OpenAPI != "3.0.0" || body.Components.Schemas["io.k8s.api.apps.v1.Deployment"] == nil {
		t.Fatalf("apps/v1 document: openapi %q, %d schemas", body.OpenAPI, len(body.Components.Schemas))
	}

	// Without a hash: the document, but no promise that it never changes.
	plain := ts.must(http.StatusOK, "GET", "/openapi/v3/api/v1", nil)
	if plain.headers.Get("Cache-Control") == "public, immutable" {
		t.Error("a document asked for without its hash is marked immutable")
	}
	ts.must(http.StatusNotFound, "GET", "/openapi/v3/apis/networking.k8s.io/v1", nil)
	ts.must(http.StatusMethodNotAllowed, "POST", "/openapi/v3", "{}")
}

func TestOpenAPIStaleHashRedirects(t *testing.T) {
	ts := newTestServer(t)
	noRedirects := *ts.client // a copy: the admin's client is shared by every test
	noRedirects.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ts.client = &noRedirects
	r := ts.must(http.StatusMovedPermanently, "GET", "/openapi/v3/api/v1?hash=0123", nil)
	var index struct {
		Paths map[string]struct {
			ServerRelativeURL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	ts.must(http.StatusOK, "GET", "/openapi/v3", nil).into(t, &index)
	if loc := r.headers.Get("Location"); loc != index.Paths["api/v1"].ServerRelativeURL {
		t.Errorf("Location %q, want %q", loc, index.Paths["api/v1"].ServerRelativeURL)
	}
}

// TestOpenAPIConditional: a client that has the document revalidates it
// with its ETag and gets 304.
func TestOpenAPIConditional(t *testing.T) {
	ts := newTestServer(t)
	etag := ts.must(http.StatusOK, "GET", "/openapi/v2", nil).headers.Get("Etag")
	req, _ := http.NewRequest("GET", ts.http.URL+"/openapi/v2", nil)
	req.Header.Set("If-None-Match", etag)
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match %s: got %d, want 304", etag, resp.StatusCode)
	}
}

func TestOpenAPIV2Negotiation(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		name   string
		accept string
		code   int
	}{
		{"no Accept", "", http.StatusOK},
		{"json", "application/json", http.StatusOK},
		{"anything", "*/*", http.StatusOK},
		{"protobuf or json", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf, application/json", http.StatusOK},
		// what client-go's OpenAPISchema asks for: kubelab has no protobuf form
		{"protobuf only", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf", http.StatusNotAcceptable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.http.URL+"/openapi/v2", nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			resp, err := ts.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.code {
				t.Fatalf("got %d, want %d: %.200s", resp.StatusCode, tt.code, body)
			}
			if tt.code == http.StatusOK && !strings.HasPrefix(string(body), `{"swagger":"2.0"`) {
				t.Errorf("body %.100s", body)
			}
		})
	}
}

// TestOpenAPIReadableByEveryUser: kubectl fetches the documents as
// whoever it is (system:discovery lets every authenticated user).
func TestOpenAPIReadableByEveryUser(t *testing.T) {
	ts := newTestServer(t).as("alice", "students")
	ts.must(http.StatusOK, "GET", "/openapi/v3", nil)
	ts.must(http.StatusOK, "GET", "/openapi/v3/api/v1", nil)
	ts.must(http.StatusOK, "GET", "/openapi/v2", nil)
}
