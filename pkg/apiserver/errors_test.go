package apiserver

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// An error names a long value by its start and its length; a client that
// sends a 1 MB label value does not get it back twice (in the message and
// in its cause).
func TestLongValuesAreNotEchoed(t *testing.T) {
	ts := newTestServer(t)
	value := strings.Repeat("v", 1<<20)
	tests := []struct {
		name, method, path, body, contentType string
		code                                  int
	}{
		{"label value", "POST", "/api/v1/namespaces/default/configmaps",
			fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","labels":{"a":%q}}}`, value), "", http.StatusUnprocessableEntity},
		{"name", "POST", "/api/v1/namespaces/default/configmaps",
			fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q}}`, value), "", http.StatusUnprocessableEntity},
		{"name that differs from the URL", "PUT", "/api/v1/namespaces/default/configmaps/x",
			fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q}}`, value), "", http.StatusNotFound},
		{"kind", "POST", "/api/v1/namespaces/default/configmaps",
			fmt.Sprintf(`{"apiVersion":"v1","kind":%q,"metadata":{"name":"x"}}`, value), "", http.StatusBadRequest},
		{"content type", "POST", "/api/v1/namespaces/default/configmaps", `{}`, "application/" + strings.Repeat("x", 4000), http.StatusUnsupportedMediaType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct := tc.contentType
			if ct == "" {
				ct = "application/json"
			}
			r := ts.do(tc.method, tc.path, tc.body, ct)
			if r.code != tc.code {
				t.Fatalf("got %d %.300s, want %d", r.code, r.body, tc.code)
			}
			if len(r.body) > 2000 {
				t.Fatalf("the answer is %d bytes: %.300s…", len(r.body), r.body)
			}
		})
	}
}
