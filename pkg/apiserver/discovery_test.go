package apiserver

import (
	"net/http"
	"testing"
)

func TestDiscovery(t *testing.T) {
	ts := newTestServer(t)
	var groups apiGroupList
	ts.must(http.StatusOK, "GET", "/apis", nil).into(t, &groups)
	if len(groups.Groups) != 1 || groups.Groups[0].Name != "apps" {
		t.Fatalf("groups = %+v", groups)
	}
	var core apiResourceList
	ts.must(http.StatusOK, "GET", "/api/v1", nil).into(t, &core)
	found := map[string]apiResource{}
	for _, r := range core.Resources {
		found[r.Name] = r
	}
	pods, ok := found["pods"]
	if !ok || !pods.Namespaced || pods.Kind != "Pod" || len(pods.ShortNames) == 0 || pods.ShortNames[0] != "po" || len(pods.Verbs) == 0 {
		t.Fatalf("pods = %+v", pods)
	}
	if _, ok := found["pods/binding"]; !ok {
		t.Fatal("no pods/binding in discovery")
	}
	if nodes := found["nodes"]; nodes.Namespaced {
		t.Fatal("nodes are namespaced")
	}
	var apps apiResourceList
	ts.must(http.StatusOK, "GET", "/apis/apps/v1", nil).into(t, &apps)
	if apps.GroupVersion != "apps/v1" || len(apps.Resources) == 0 {
		t.Fatalf("apps = %+v", apps)
	}
	ts.must(http.StatusOK, "GET", "/api", nil)
	ts.must(http.StatusOK, "GET", "/version", nil)
	ts.must(http.StatusOK, "GET", "/healthz", nil)
	ts.must(http.StatusNotFound, "GET", "/apis/batch/v1", nil)
	ts.must(http.StatusNotFound, "GET", "/api/v1/namespaces/default/widgets", nil)
}
