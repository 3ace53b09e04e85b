package apiserver

import (
	"net/http"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// The RBAC kinds are stored and validated like any other kind (what they
// grant is tested in authz_test.go).

const rbacPath = "/apis/rbac.authorization.k8s.io/v1"

func TestRBACKinds(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", rbacPath+"/namespaces/default/roles",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"pod-reader"},
		  "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","watch","list"]}]}`)
	ts.must(http.StatusCreated, "POST", rbacPath+"/clusterroles",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"system:health-reader"},
		  "rules":[{"nonResourceURLs":["/healthz"],"verbs":["get"]}]}`)
	var rb api.RoleBinding
	ts.must(http.StatusCreated, "POST", rbacPath+"/namespaces/default/rolebindings",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"read-pods"},
		  "subjects":[{"kind":"User","name":"jane"},{"kind":"ServiceAccount","name":"default"}],
		  "roleRef":{"kind":"Role","name":"pod-reader"}}`).into(t, &rb)
	if rb.Namespace != "default" || rb.RoleRef.APIGroup != api.RBACGroup || rb.Subjects[0].APIGroup != api.RBACGroup || rb.Subjects[1].APIGroup != "" {
		t.Fatalf("defaults not applied: %+v", rb)
	}
	ts.must(http.StatusCreated, "POST", rbacPath+"/clusterrolebindings",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"health"},
		  "subjects":[{"kind":"Group","name":"system:unauthenticated"}],
		  "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"system:health-reader"}}`)

	var role api.Role
	ts.must(http.StatusOK, "GET", rbacPath+"/namespaces/default/roles/pod-reader", nil).into(t, &role)
	if role.Kind != "Role" || role.APIVersion != "rbac.authorization.k8s.io/v1" || len(role.Rules) != 1 || role.Rules[0].Resources[0] != "pods" {
		t.Fatalf("role = %+v", role)
	}
	var cr api.ClusterRole
	ts.must(http.StatusOK, "GET", rbacPath+"/clusterroles/system:health-reader", nil).into(t, &cr)
	if cr.Namespace != "" || cr.Rules[0].NonResourceURLs[0] != "/healthz" {
		t.Fatalf("cluster role = %+v", cr)
	}
	var bindings api.List[api.RoleBinding]
	ts.must(http.StatusOK, "GET", rbacPath+"/rolebindings", nil).into(t, &bindings)
	if len(bindings.Items) != 1 || bindings.Kind != "RoleBindingList" {
		t.Fatalf("cluster-wide list = %+v", bindings)
	}
	var crbs api.List[api.ClusterRoleBinding]
	ts.must(http.StatusOK, "GET", rbacPath+"/clusterrolebindings", nil).into(t, &crbs)
	var health *api.ClusterRoleBinding // beside the default policy's bindings
	for i := range crbs.Items {
		if crbs.Items[i].Name == "health" {
			health = &crbs.Items[i]
		}
	}
	if health == nil || health.Subjects[0].Name != "system:unauthenticated" {
		t.Fatalf("cluster role bindings = %+v", crbs)
	}

	// A binding's subjects may change, its roleRef may not (PUT or PATCH).
	rb.Subjects = rb.Subjects[:1]
	ts.must(http.StatusOK, "PUT", rbacPath+"/namespaces/default/rolebindings/read-pods", &rb).into(t, &rb)
	rb.RoleRef.Name = "admin"
	st := ts.must(http.StatusUnprocessableEntity, "PUT", rbacPath+"/namespaces/default/rolebindings/read-pods", &rb).status()
	if want := `RoleBinding "read-pods" is invalid: roleRef: Invalid value: ` +
		`rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"admin"}: cannot change roleRef`; st.Message != want {
		t.Errorf("PUT roleRef:\n got %s\nwant %s", st.Message, want)
	}
	st = ts.must(http.StatusUnprocessableEntity, "PATCH", rbacPath+"/clusterrolebindings/health",
		`{"roleRef":{"name":"cluster-admin"}}`, "application/merge-patch+json").status()
	if !strings.HasSuffix(st.Message, `Name:"cluster-admin"}: cannot change roleRef`) {
		t.Errorf("PATCH roleRef: %s", st.Message)
	}
	ts.must(http.StatusOK, "GET", rbacPath+"/namespaces/default/rolebindings/read-pods", nil).into(t, &rb)
	if rb.RoleRef.Name != "pod-reader" || len(rb.Subjects) != 1 {
		t.Errorf("stored binding = %+v", rb)
	}

	// Deleting the namespace's objects works as for any namespaced kind.
	ts.must(http.StatusOK, "DELETE", rbacPath+"/namespaces/default/roles/pod-reader", nil)
	ts.must(http.StatusNotFound, "GET", rbacPath+"/namespaces/default/roles/pod-reader", nil)
}
