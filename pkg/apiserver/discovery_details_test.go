package apiserver

import (
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestDiscoveryDetails checks the entries kubectl relies on: categories
// (kubectl get all), the group and version of scale (kubectl scale
// --current-replicas), and every subresource's verbs.
func TestDiscoveryDetails(t *testing.T) {
	ts := newTestServer(t)
	lists := map[string]map[string]apiResource{}
	for _, gv := range []string{"/api/v1", "/apis/apps/v1", "/apis/batch/v1"} {
		var l apiResourceList
		ts.must(http.StatusOK, "GET", gv, nil).into(t, &l)
		lists[gv] = map[string]apiResource{}
		for _, r := range l.Resources {
			lists[gv][r.Name] = r
		}
	}
	tests := []struct {
		gv, name       string
		group, version string
		kind           string
		verbs          []string
		categories     []string
	}{
		{"/api/v1", "pods", "", "", "Pod", nil, []string{"all"}},
		{"/api/v1", "services", "", "", "Service", nil, []string{"all"}},
		{"/api/v1", "replicationcontrollers", "", "", "ReplicationController", nil, []string{"all"}},
		{"/api/v1", "configmaps", "", "", "ConfigMap", nil, nil},
		{"/api/v1", "nodes", "", "", "Node", nil, nil},
		{"/apis/apps/v1", "deployments", "", "", "Deployment", nil, []string{"all"}},
		{"/apis/apps/v1", "replicasets", "", "", "ReplicaSet", nil, []string{"all"}},
		{"/apis/apps/v1", "daemonsets", "", "", "DaemonSet", nil, []string{"all"}},
		{"/apis/apps/v1", "statefulsets", "", "", "StatefulSet", nil, []string{"all"}},
		{"/apis/batch/v1", "jobs", "", "", "Job", nil, []string{"all"}},
		{"/apis/batch/v1", "cronjobs", "", "", "CronJob", nil, []string{"all"}},
		{"/api/v1", "pods/status", "", "", "Pod", []string{"get", "patch", "update"}, nil},
		{"/api/v1", "pods/log", "", "", "Pod", []string{"get"}, nil},
		{"/api/v1", "pods/exec", "", "", "PodExecOptions", []string{"create", "get"}, nil},
		{"/api/v1", "pods/binding", "", "", "Binding", []string{"create"}, nil},
		{"/api/v1", "namespaces/finalize", "", "", "Namespace", []string{"update"}, nil},
		{"/api/v1", "serviceaccounts/token", "authentication.k8s.io", "v1", "TokenRequest", []string{"create"}, nil},
		{"/api/v1", "replicationcontrollers/scale", "autoscaling", "v1", "Scale", []string{"get", "patch", "update"}, nil},
		{"/apis/apps/v1", "replicasets/scale", "autoscaling", "v1", "Scale", []string{"get", "patch", "update"}, nil},
		{"/apis/apps/v1", "deployments/scale", "autoscaling", "v1", "Scale", []string{"get", "patch", "update"}, nil},
		{"/apis/apps/v1", "statefulsets/scale", "autoscaling", "v1", "Scale", []string{"get", "patch", "update"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := lists[tt.gv][tt.name]
			if !ok {
				t.Fatalf("%s has no %s", tt.gv, tt.name)
			}
			if r.Group != tt.group || r.Version != tt.version || r.Kind != tt.kind || !slices.Equal(r.Categories, tt.categories) {
				t.Errorf("%s = group %q version %q kind %q categories %v; want %q %q %q %v",
					tt.name, r.Group, r.Version, r.Kind, r.Categories, tt.group, tt.version, tt.kind, tt.categories)
			}
			if tt.verbs != nil && !slices.Equal(r.Verbs, tt.verbs) {
				t.Errorf("%s verbs = %v, want %v", tt.name, r.Verbs, tt.verbs)
			}
		})
	}
}

// TestAggregatedDiscoveryFallback: kubectl 1.37 first asks for aggregated
// discovery (apidiscovery.k8s.io/v2), and reads the answer as the legacy
// APIGroupList or APIVersions when its Content-Type is plain JSON
// (client-go's ContentTypeIsGVK). So the server must answer 200 with
// plain JSON, not 406 and not a Content-Type claiming the aggregated kind.
func TestAggregatedDiscoveryFallback(t *testing.T) {
	ts := newTestServer(t)
	const accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList," +
		"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
	for _, tt := range []struct{ path, kind string }{{"/api", "APIVersions"}, {"/apis", "APIGroupList"}} {
		t.Run(tt.path, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.http.URL+tt.path, nil)
			req.Header.Set("Accept", accept)
			resp, err := ts.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			ct, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			if resp.StatusCode != http.StatusOK || err != nil || ct != "application/json" || params["as"] != "" {
				t.Fatalf("GET %s: %d, Content-Type %q; want 200 plain application/json", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if !strings.Contains(string(body), `"kind":"`+tt.kind+`"`) {
				t.Errorf("GET %s: body %s, want a %s", tt.path, body, tt.kind)
			}
		})
	}
}
