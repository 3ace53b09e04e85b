package kctl

import (
	"net/http"
	"testing"
)

func TestCreateNamespace(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		out    string
		errOut string
		code   int
	}{
		{"namespace", []string{"create", "namespace", "custom-namespace"}, "namespace/custom-namespace created\n", "", 0},
		{"ns", []string{"create", "ns", "custom-namespace"}, "namespace/custom-namespace created\n", "", 0},
		{"one that exists", []string{"create", "ns", "taken"}, "", "Error from server (AlreadyExists): namespaces \"taken\" already exists\n", 1},
		{"no name", []string{"create", "namespace"}, "", "error: exactly one NAME is required, got 0\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			fake.objects["/api/v1/namespaces/taken"] = `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"taken"}}`
			out, errOut, code := kctl(t, server, "", tt.args...)
			if out != tt.out || errOut != tt.errOut || code != tt.code {
				t.Errorf("got %q %q exit %d, want %q %q exit %d", out, errOut, code, tt.out, tt.errOut, tt.code)
			}
			if code == 0 {
				post := fake.last(http.MethodPost)
				if post.path != "/api/v1/namespaces" || post.body != `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"custom-namespace"}}` {
					t.Errorf("POST %s %s", post.path, post.body)
				}
			}
		})
	}
}
