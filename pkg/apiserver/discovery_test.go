package apiserver

import (
	"net/http"
	"strings"
	"testing"
)

func TestDiscovery(t *testing.T) {
	ts := newTestServer(t)
	var groups apiGroupList
	ts.must(http.StatusOK, "GET", "/apis", nil).into(t, &groups)
	var groupNames []string
	for _, g := range groups.Groups {
		groupNames = append(groupNames, g.Name)
	}
	if strings.Join(groupNames, " ") != "apps authentication.k8s.io authorization.k8s.io batch certificates.k8s.io coordination.k8s.io discovery.k8s.io rbac.authorization.k8s.io storage.k8s.io" ||
		groups.Groups[7].PreferredVersion.GroupVersion != "rbac.authorization.k8s.io/v1" {
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
	var rbac apiResourceList
	ts.must(http.StatusOK, "GET", "/apis/rbac.authorization.k8s.io/v1", nil).into(t, &rbac)
	var names []string
	for _, r := range rbac.Resources {
		names = append(names, r.Name)
		if r.Namespaced != (r.Kind == "Role" || r.Kind == "RoleBinding") || len(r.ShortNames) != 0 {
			t.Errorf("rbac resource %+v", r)
		}
	}
	if rbac.GroupVersion != "rbac.authorization.k8s.io/v1" || strings.Join(names, ",") != "clusterrolebindings,clusterroles,rolebindings,roles" {
		t.Fatalf("rbac = %+v", rbac)
	}
	ts.must(http.StatusOK, "GET", "/apis/rbac.authorization.k8s.io", nil)
	ts.must(http.StatusOK, "GET", "/api", nil)
	ts.must(http.StatusOK, "GET", "/version", nil)
	ts.must(http.StatusOK, "GET", "/healthz", nil)
	ts.must(http.StatusNotFound, "GET", "/apis/networking.k8s.io/v1", nil)
	ts.must(http.StatusNotFound, "GET", "/api/v1/namespaces/default/widgets", nil)
}
