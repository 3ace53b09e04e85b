package client

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"kubelab/pkg/api"
)

// TestWithDryRun: under WithDryRun every write carries dryRun=All and
// every read goes out as it would without it.
func TestWithDryRun(t *testing.T) {
	f, c := newFakeAPIServer(t)
	f.seed("pods", testPod("default", "a", ""))
	podsRes, _ := api.Lookup("pods")
	pods := c.Resource(podsRes).Namespace("default")
	ctx := WithDryRun(context.Background())

	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"get", func() error { _, err := pods.Get(ctx, "a"); return err }, "GET /api/v1/namespaces/default/pods/a"},
		{"create", func() error { _, err := pods.Create(ctx, testPod("default", "b", "")); return err },
			"POST /api/v1/namespaces/default/pods?dryRun=All"},
		{"update", func() error { _, err := pods.Update(ctx, testPod("default", "a", "")); return err },
			"PUT /api/v1/namespaces/default/pods/a?dryRun=All"},
		{"patch", func() error { _, err := pods.Patch(ctx, "a", MergePatch, []byte(`{}`), ""); return err },
			"PATCH /api/v1/namespaces/default/pods/a?dryRun=All"},
		{"delete", func() error { return pods.Delete(ctx, "a", nil) }, "DELETE /api/v1/namespaces/default/pods/a?dryRun=All"},
		{"delete with a query", func() error {
			_, err := pods.Raw(ctx, http.MethodDelete, "a", "", map[string][]string{"gracePeriodSeconds": {"0"}}, nil, "")
			return err
		}, "DELETE /api/v1/namespaces/default/pods/a?gracePeriodSeconds=0&dryRun=All"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.mu.Lock()
			f.requests = nil
			f.mu.Unlock()
			tt.call() // the fake applies the writes; only the requests matter here
			f.mu.Lock()
			defer f.mu.Unlock()
			if !slices.Equal(f.requests, []string{tt.want}) {
				t.Errorf("requests = %q, want %q", f.requests, tt.want)
			}
		})
	}
}
