package kctl

import (
	"net/http"
	"strings"
	"testing"
)

// TestGetChunkSize: get lists in pages of --chunk-size (500 by default,
// as kubectl), and all at once with 0.
func TestGetChunkSize(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantLimit string // the limit parameter of the list; "" for none
	}{
		{"default", []string{"get", "pods", "-o", "name"}, "500"},
		{"set", []string{"get", "pods", "-o", "name", "--chunk-size=2"}, "2"},
		{"disabled", []string{"get", "pods", "-o", "name", "--chunk-size=0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			if _, errOut, code := kctl(t, server, "", tt.args...); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			list := fake.last(http.MethodGet)
			var limit string
			for _, kv := range strings.Split(list.query, "&") {
				if v, ok := strings.CutPrefix(kv, "limit="); ok {
					limit = v
				}
			}
			if list.path != "/api/v1/namespaces/default/pods" || limit != tt.wantLimit {
				t.Errorf("list %s?%s: limit %q, want %q", list.path, list.query, limit, tt.wantLimit)
			}
		})
	}
}
