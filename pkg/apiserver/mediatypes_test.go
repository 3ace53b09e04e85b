package apiserver

import (
	"net/http"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// The media type is read without its parameters, by every handler that
// reads a body; the refusals are in testdata/bad-requests.yaml.
func TestMediaTypeParameters(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", rsPath, testReplicaSet("web", 1))
	cm := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s"}}`
	tests := []struct {
		name, method, path, body, contentType string
		code                                  int
	}{
		{"json with a charset", "POST", "/api/v1/namespaces/default/configmaps", strings.Replace(cm, "%s", "a", 1), "application/json; charset=utf-8", http.StatusCreated},
		{"yaml with a charset", "POST", "/api/v1/namespaces/default/configmaps", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n", "application/yaml;charset=UTF-8", http.StatusCreated},
		{"merge patch with a charset", "PATCH", "/api/v1/namespaces/default/configmaps/a", `{"data":{"k":"v"}}`, mergePatch + "; charset=utf-8", http.StatusOK},
		// A JSON patch is a list: read as a merge patch it would be refused.
		{"json patch of a scale with a charset", "PATCH", rsPath + "/web/scale", `[{"op":"replace","path":"/spec/replicas","value":4}]`, jsonPatch + "; charset=utf-8", http.StatusOK},
		{"scale as yaml", "PUT", rsPath + "/web/scale", "spec: {replicas: 5}\n", "application/yaml", http.StatusOK},
		{"delete options as yaml", "DELETE", "/api/v1/namespaces/default/configmaps/b", "kind: DeleteOptions\napiVersion: meta.k8s.io/v1\ngracePeriodSeconds: 0\n", "application/yaml", http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(tc.method, tc.path, tc.body, tc.contentType)
			if r.code != tc.code {
				t.Fatalf("got %d %s, want %d", r.code, r.body, tc.code)
			}
		})
	}
	var rs api.ReplicaSet
	ts.must(http.StatusOK, "GET", rsPath+"/web", nil).into(t, &rs)
	if *rs.Spec.Replicas != 5 {
		t.Fatalf("replicas = %d, want 5", *rs.Spec.Replicas)
	}
}

// A browser sends an Origin header; a page served by the apiserver's own
// origin may write, one of another origin may not (testdata has those).
func TestSameOriginMayWrite(t *testing.T) {
	ts := newTestServer(t)
	req, err := http.NewRequest("POST", ts.http.URL+"/api/v1/namespaces/default/configmaps",
		strings.NewReader(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", ts.http.URL)
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("same-origin create: %d", resp.StatusCode)
	}
}
