package kctl

import (
	"net/http"
	"testing"
)

// TestCreateGenerators runs each generator against the fake API and
// compares the object it posted, or the error it stopped with.
func TestCreateGenerators(t *testing.T) {
	const rbac = `"apiVersion":"rbac.authorization.k8s.io/v1",`
	tests := []struct {
		name     string
		args     []string
		out      string
		errOut   string
		code     int
		postPath string
		postBody string
	}{
		{"serviceaccount", []string{"create", "serviceaccount", "builder"}, "serviceaccount/builder created\n", "", 0,
			"/api/v1/namespaces/default/serviceaccounts", `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"builder"}}`},
		{"sa with -n", []string{"create", "sa", "builder", "-n", "ci"}, "serviceaccount/builder created\n", "", 0,
			"/api/v1/namespaces/ci/serviceaccounts", `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"builder","namespace":"ci"}}`},
		{"sa that exists", []string{"create", "sa", "taken"}, "",
			"Error from server (AlreadyExists): serviceaccounts \"taken\" already exists\n", 1, "", ""},
		{"sa without a name", []string{"create", "sa"}, "", "error: exactly one NAME is required, got 0\n", 1, "", ""},

		{"role: a rule per group, groups in order", []string{"create", "role", "r", "--verb=get,list,get", "--resource=pods,daemonsets.apps,po/log,rs"},
			"role.rbac.authorization.k8s.io/r created\n", "", 0, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
			`{` + rbac + `"kind":"Role","metadata":{"name":"r"},"rules":[` +
				`{"verbs":["get","list"],"apiGroups":[""],"resources":["pods","pods/log"]},` +
				`{"verbs":["get","list"],"apiGroups":["apps"],"resources":["daemonsets","replicasets"]}]}`},
		{"role: resource names, * verb, -n", []string{"create", "role", "r", "-n", "ci", "--verb=get", "--verb=*", "--resource=secrets",
			"--resource-name=a", "--resource-name=b,c"},
			"role.rbac.authorization.k8s.io/r created\n", "", 0, "/apis/rbac.authorization.k8s.io/v1/namespaces/ci/roles",
			`{` + rbac + `"kind":"Role","metadata":{"name":"r","namespace":"ci"},"rules":[` +
				`{"verbs":["*"],"apiGroups":[""],"resources":["secrets"],"resourceNames":["a","b,c"]}]}`},
		{"role: * resource", []string{"create", "role", "r", "--verb=get", "--resource=*"},
			"role.rbac.authorization.k8s.io/r created\n", "", 0, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
			`{` + rbac + `"kind":"Role","metadata":{"name":"r"},"rules":[{"verbs":["get"],"apiGroups":[""],"resources":["*"]}]}`},
		{"role: unusual verb warns", []string{"create", "role", "r", "--verb=frob", "--resource=pods"},
			"role.rbac.authorization.k8s.io/r created\n", "Warning: 'frob' is not a standard resource verb\n", 0,
			"/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
			`{` + rbac + `"kind":"Role","metadata":{"name":"r"},"rules":[{"verbs":["frob"],"apiGroups":[""],"resources":["pods"]}]}`},
		{"role: bind on roles", []string{"create", "role", "r", "--verb=bind", "--resource=roles.rbac.authorization.k8s.io"},
			"role.rbac.authorization.k8s.io/r created\n", "", 0, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
			`{` + rbac + `"kind":"Role","metadata":{"name":"r"},"rules":[{"verbs":["bind"],"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles"]}]}`},
		{"role: no verb", []string{"create", "role", "r", "--resource=pods"}, "", "error: at least one verb must be specified\n", 1, "", ""},
		{"role: no resource", []string{"create", "role", "r", "--verb=get"}, "", "error: at least one resource must be specified\n", 1, "", ""},
		{"role: unknown resource", []string{"create", "role", "r", "--verb=get", "--resource=widgets"}, "",
			"error: the server doesn't have a resource type \"widgets\"\n", 1, "", ""},
		{"role: wrong group", []string{"create", "role", "r", "--verb=get", "--resource=pods.apps"}, "",
			"error: the server doesn't have a resource type \"pods\"\n", 1, "", ""},
		{"role: group without resource", []string{"create", "role", "r", "--verb=get", "--resource=.apps"}, "",
			"error: resource must be specified if apiGroup/subresource specified\n", 1, "", ""},
		{"role: special verb elsewhere", []string{"create", "role", "r", "--verb=impersonate", "--resource=pods"}, "",
			"error: can not perform 'impersonate' on 'pods' in group ''\n", 1, "", ""},
		{"role: no name", []string{"create", "role", "--verb=get", "--resource=pods"}, "",
			"error: exactly one NAME is required, got 0\n", 1, "", ""},

		{"clusterrole with a non-resource URL", []string{"create", "clusterrole", "cr", "--verb=get", "--resource=nodes", "--non-resource-url=/healthz,/logs/*"},
			"clusterrole.rbac.authorization.k8s.io/cr created\n", "", 0, "/apis/rbac.authorization.k8s.io/v1/clusterroles",
			`{` + rbac + `"kind":"ClusterRole","metadata":{"name":"cr"},"rules":[` +
				`{"verbs":["get"],"apiGroups":[""],"resources":["nodes"]},{"verbs":["get"],"nonResourceURLs":["/healthz","/logs/*"]}]}`},
		{"clusterrole: URL only", []string{"create", "clusterrole", "cr", "--verb=get", "--non-resource-url=/healthz"},
			"clusterrole.rbac.authorization.k8s.io/cr created\n", "", 0, "/apis/rbac.authorization.k8s.io/v1/clusterroles",
			`{` + rbac + `"kind":"ClusterRole","metadata":{"name":"cr"},"rules":[{"verbs":["get"],"nonResourceURLs":["/healthz"]}]}`},
		{"clusterrole: neither", []string{"create", "clusterrole", "cr", "--verb=get"}, "",
			"error: one of resource or nonResourceURL must be specified\n", 1, "", ""},
		{"clusterrole: verb not for URLs", []string{"create", "clusterrole", "cr", "--verb=list", "--non-resource-url=/healthz"}, "",
			"error: invalid verb: 'list' for nonResourceURL\n", 1, "", ""},
		{"clusterrole: URL not a path", []string{"create", "clusterrole", "cr", "--verb=get", "--non-resource-url=healthz"}, "",
			"error: nonResourceURL should start with /\n", 1, "", ""},
		{"clusterrole: * in the middle", []string{"create", "clusterrole", "cr", "--verb=get", "--non-resource-url=/a*/b"}, "",
			"error: nonResourceURL only supports wildcard matches when '*' is at the end\n", 1, "", ""},

		{"rolebinding to a role, subjects in kubectl's order", []string{"create", "rolebinding", "rb", "--role=r",
			"--serviceaccount=ci:builder", "--group=devs", "--user=jane", "--user=bob"},
			"rolebinding.rbac.authorization.k8s.io/rb created\n", "", 0, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
			`{` + rbac + `"kind":"RoleBinding","metadata":{"name":"rb"},"subjects":[` +
				`{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"jane"},{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"bob"},` +
				`{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"devs"},{"kind":"ServiceAccount","name":"builder","namespace":"ci"}],` +
				`"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"}}`},
		{"rolebinding to a clusterrole in -n", []string{"create", "rolebinding", "rb", "-n", "ci", "--clusterrole=view"},
			"rolebinding.rbac.authorization.k8s.io/rb created\n", "", 0, "/apis/rbac.authorization.k8s.io/v1/namespaces/ci/rolebindings",
			`{` + rbac + `"kind":"RoleBinding","metadata":{"name":"rb","namespace":"ci"},` +
				`"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}}`},
		{"rolebinding: both roles", []string{"create", "rolebinding", "rb", "--role=r", "--clusterrole=view"}, "",
			"error: exactly one of clusterrole or role must be specified\n", 1, "", ""},
		{"rolebinding: no role", []string{"create", "rolebinding", "rb", "--user=jane"}, "",
			"error: exactly one of clusterrole or role must be specified\n", 1, "", ""},
		{"rolebinding: bad serviceaccount", []string{"create", "rolebinding", "rb", "--role=r", "--serviceaccount=builder"}, "",
			"error: serviceaccount must be <namespace>:<name>\n", 1, "", ""},

		{"clusterrolebinding", []string{"create", "clusterrolebinding", "crb", "--clusterrole=cluster-admin", "--group=admins", "--serviceaccount=kube-system:ops"},
			"clusterrolebinding.rbac.authorization.k8s.io/crb created\n", "", 0, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
			`{` + rbac + `"kind":"ClusterRoleBinding","metadata":{"name":"crb"},"subjects":[` +
				`{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"admins"},{"kind":"ServiceAccount","name":"ops","namespace":"kube-system"}],` +
				`"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"}}`},
		{"clusterrolebinding: no clusterrole", []string{"create", "clusterrolebinding", "crb", "--user=jane"}, "",
			"error: required flag(s) \"clusterrole\" not set\n", 1, "", ""},
		{"clusterrolebinding: bad serviceaccount", []string{"create", "clusterrolebinding", "crb", "--clusterrole=x", "--serviceaccount=:ops"}, "",
			"error: serviceaccount must be <namespace>:<name>\n", 1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			fake.objects["/api/v1/namespaces/default/serviceaccounts/taken"] = `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"taken"}}`
			out, errOut, code := kctl(t, server, "", tt.args...)
			if out != tt.out || errOut != tt.errOut || code != tt.code {
				t.Errorf("got %q %q exit %d, want %q %q exit %d", out, errOut, code, tt.out, tt.errOut, tt.code)
			}
			post := fake.last(http.MethodPost)
			if tt.postPath == "" {
				if code != 0 && tt.name != "sa that exists" && post.path != "" {
					t.Errorf("posted %s %s after an error", post.path, post.body)
				}
				return
			}
			if post.path != tt.postPath || post.body != tt.postBody {
				t.Errorf("POST %s\n%s\nwant %s\n%s", post.path, post.body, tt.postPath, tt.postBody)
			}
		})
	}
}
