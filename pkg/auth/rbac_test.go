package auth

import (
	"context"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// fakeSource is a RuleSource over objects held in memory.
type fakeSource struct {
	roles               map[string]*api.Role // by namespace/name
	clusterRoles        map[string]*api.ClusterRole
	roleBindings        []*api.RoleBinding
	clusterRoleBindings []*api.ClusterRoleBinding
}

var _ RuleSource = (*fakeSource)(nil)

// newSource files each object (*api.Role, *api.ClusterRole, bindings)
// where it belongs.
func newSource(objs ...api.Object) *fakeSource {
	s := &fakeSource{roles: map[string]*api.Role{}, clusterRoles: map[string]*api.ClusterRole{}}
	for _, o := range objs {
		switch o := o.(type) {
		case *api.Role:
			s.roles[o.Namespace+"/"+o.Name] = o
		case *api.ClusterRole:
			s.clusterRoles[o.Name] = o
		case *api.RoleBinding:
			s.roleBindings = append(s.roleBindings, o)
		case *api.ClusterRoleBinding:
			s.clusterRoleBindings = append(s.clusterRoleBindings, o)
		}
	}
	return s
}

func (s *fakeSource) Role(namespace, name string) (*api.Role, bool) {
	r, ok := s.roles[namespace+"/"+name]
	return r, ok
}

func (s *fakeSource) ClusterRole(name string) (*api.ClusterRole, bool) {
	r, ok := s.clusterRoles[name]
	return r, ok
}

func (s *fakeSource) RoleBindings(namespace string) []*api.RoleBinding {
	var out []*api.RoleBinding
	for _, b := range s.roleBindings {
		if b.Namespace == namespace {
			out = append(out, b)
		}
	}
	return out
}

func (s *fakeSource) ClusterRoleBindings() []*api.ClusterRoleBinding { return s.clusterRoleBindings }

// req is a resource request. resource reads like kubectl's:
// "pods", "pods/log", "replicasets.apps", "replicasets.apps/scale".
func req(u *User, verb, resource, namespace, name string) Attributes {
	resource, sub, _ := strings.Cut(resource, "/")
	resource, group, _ := strings.Cut(resource, ".")
	return Attributes{User: u, Verb: verb, ResourceRequest: true, APIGroup: group,
		Resource: resource, Subresource: sub, Namespace: namespace, Name: name}
}

// pathReq is a non-resource request.
func pathReq(u *User, verb, path string) Attributes {
	return Attributes{User: u, Verb: verb, Path: path}
}

func testRole(namespace, name string, rules ...api.PolicyRule) *api.Role {
	return &api.Role{ObjectMeta: api.ObjectMeta{Namespace: namespace, Name: name}, Rules: rules}
}

func testClusterRole(name string, rules ...api.PolicyRule) *api.ClusterRole {
	return &api.ClusterRole{ObjectMeta: api.ObjectMeta{Name: name}, Rules: rules}
}

func testRoleBinding(namespace, name, kind, role string, subjects ...api.Subject) *api.RoleBinding {
	return &api.RoleBinding{ObjectMeta: api.ObjectMeta{Namespace: namespace, Name: name},
		RoleRef: api.RoleRef{APIGroup: api.RBACGroup, Kind: kind, Name: role}, Subjects: subjects}
}

func testClusterRoleBinding(name, role string, subjects ...api.Subject) *api.ClusterRoleBinding {
	return &api.ClusterRoleBinding{ObjectMeta: api.ObjectMeta{Name: name},
		RoleRef: api.RoleRef{APIGroup: api.RBACGroup, Kind: "ClusterRole", Name: role}, Subjects: subjects}
}

func serviceAccount(namespace, name string) api.Subject {
	return api.Subject{Kind: api.SubjectServiceAccount, Namespace: namespace, Name: name}
}

func pr(r rule) api.PolicyRule { return api.PolicyRule(r) }

// names ends a rule with resourceNames; the default policy has none.
func (r rule) names(n ...string) rule { r.ResourceNames = n; return r }

// rbacFixture: an admin group, a pod reader in ns "a", a ClusterRole
// granted in one namespace, ServiceAccounts, names, subresources, paths.
func rbacFixture() *RBAC {
	return NewRBAC(newSource(
		testClusterRole("cluster-admin", pr(verbs("*").groups("*").resources("*")), pr(verbs("*").urls("*"))),
		testClusterRoleBinding("cluster-admin", "cluster-admin", group(GroupMasters)),

		testRole("a", "pod-reader", pr(verbs("get", "list").groups("").resources("pods"))),
		testRoleBinding("a", "jane-reads", "Role", "pod-reader", user("jane")),

		testClusterRole("logs", pr(verbs("get").groups("").resources("pods/log")), pr(verbs("get").urls("/logs"))),
		testRoleBinding("b", "jane-logs", "ClusterRole", "logs", user("jane")),

		testRole("a", "sa-role", pr(verbs("list").groups("").resources("configmaps"))),
		testRoleBinding("a", "sa-local", "Role", "sa-role", serviceAccount("", "builder")),

		testClusterRole("scaler", pr(verbs("update").groups("*").resources("*/scale"))),
		testClusterRoleBinding("scalers", "scaler", group("scalers")),

		testClusterRole("one-secret", pr(verbs("get", "update").groups("").resources("secrets").names("s1"))),
		testClusterRoleBinding("one-secret", "one-secret", serviceAccount("kube-system", "reader")),

		testClusterRole("health", pr(verbs("get").urls("/healthz", "/apis/*"))),
		testClusterRoleBinding("health", "health", group(GroupAuthenticated)),

		testClusterRoleBinding("dangling", "does-not-exist", user("jane")),
		testRoleBinding("a", "dangling", "Role", "does-not-exist", user("jane")),
	))
}

func TestRBACAuthorize(t *testing.T) {
	admin := &User{Name: "root", Groups: []string{GroupMasters}}
	jane := &User{Name: "jane", Groups: []string{"dev", GroupAuthenticated}}
	builder := &User{Name: "system:serviceaccount:a:builder"}
	otherBuilder := &User{Name: "system:serviceaccount:b:builder"}
	reader := &User{Name: "system:serviceaccount:kube-system:reader"}
	scaler := &User{Name: "sam", Groups: []string{"scalers"}}
	tests := []struct {
		name   string
		a      Attributes
		want   Decision
		reason string // when allowed
	}{
		{"no user", req(nil, "get", "pods", "a", "p"), NoOpinion, ""},
		{"masters, any resource", req(admin, "delete", "nodes", "", "n1"), Allow,
			`RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"`},
		{"masters, any path", pathReq(admin, "get", "/metrics"), Allow, ""},
		{"role in its namespace", req(jane, "get", "pods", "a", "p"), Allow,
			`RBAC: allowed by RoleBinding "a/jane-reads" of Role "pod-reader" to User "jane"`},
		{"list in its namespace", req(jane, "list", "pods", "a", ""), Allow, ""},
		{"role, other verb", req(jane, "delete", "pods", "a", "p"), NoOpinion, ""},
		{"role, other namespace", req(jane, "get", "pods", "c", "p"), NoOpinion, ""},
		{"role, all namespaces", req(jane, "list", "pods", "", ""), NoOpinion, ""},
		{"role, other group", req(jane, "get", "pods.apps", "a", "p"), NoOpinion, ""},
		{"pods does not grant pods/log", req(jane, "get", "pods/log", "a", "p"), NoOpinion, ""},
		{"clusterrole through a rolebinding", req(jane, "get", "pods/log", "b", "p"), Allow,
			`RBAC: allowed by RoleBinding "b/jane-logs" of ClusterRole "logs" to User "jane"`},
		{"pods/log does not grant pods", req(jane, "get", "pods", "b", "p"), NoOpinion, ""},
		{"clusterrole through a rolebinding, elsewhere", req(jane, "get", "pods/log", "c", "p"), NoOpinion, ""},
		{"a rolebinding grants no path", pathReq(jane, "get", "/logs"), NoOpinion, ""},
		{"serviceaccount in the binding's namespace", req(builder, "list", "configmaps", "a", ""), Allow,
			`RBAC: allowed by RoleBinding "a/sa-local" of Role "sa-role" to ServiceAccount "a/builder"`},
		{"same account name, other namespace", req(otherBuilder, "list", "configmaps", "a", ""), NoOpinion, ""},
		{"*/scale matches any scale", req(scaler, "update", "replicasets.apps/scale", "x", "rs"), Allow, ""},
		{"*/scale is not the resource", req(scaler, "update", "replicasets.apps", "x", "rs"), NoOpinion, ""},
		{"*/scale is not another subresource", req(scaler, "update", "replicasets.apps/status", "x", "rs"), NoOpinion, ""},
		{"resourceNames: the named one", req(reader, "get", "secrets", "x", "s1"), Allow,
			`RBAC: allowed by ClusterRoleBinding "one-secret" of ClusterRole "one-secret" to ServiceAccount "kube-system/reader"`},
		{"resourceNames: another", req(reader, "get", "secrets", "x", "s2"), NoOpinion, ""},
		{"resourceNames: a list names none", req(reader, "list", "secrets", "x", ""), NoOpinion, ""},
		{"path: exact", pathReq(jane, "get", "/healthz"), Allow,
			`RBAC: allowed by ClusterRoleBinding "health" of ClusterRole "health" to Group "system:authenticated"`},
		{"path: prefix", pathReq(jane, "get", "/apis/apps/v1"), Allow, ""},
		{"path: prefix is not the parent", pathReq(jane, "get", "/apis"), NoOpinion, ""},
		{"path: other verb", pathReq(jane, "post", "/healthz"), NoOpinion, ""},
		{"path: not a prefix", pathReq(jane, "get", "/healthz/etcd"), NoOpinion, ""},
	}
	r := rbacFixture()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, reason, err := r.Authorize(context.Background(), tt.a)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if d != tt.want {
				t.Fatalf("decision = %v (%q), want %v", d, reason, tt.want)
			}
			if d == NoOpinion && reason != "" {
				t.Errorf("no opinion with reason %q", reason)
			}
			if tt.reason != "" && reason != tt.reason {
				t.Errorf("reason = %q\nwant     %q", reason, tt.reason)
			}
		})
	}
}

func TestRulesFor(t *testing.T) {
	jane := &User{Name: "jane", Groups: []string{GroupAuthenticated}}
	tests := []struct {
		name      string
		namespace string
		want      []string // CompactString of each rule, in order
	}{
		{"cluster-wide only", "", []string{`{NonResourceURLs:["/healthz" "/apis/*"], Verbs:["get"]}`}},
		{"with a role", "a", []string{
			`{NonResourceURLs:["/healthz" "/apis/*"], Verbs:["get"]}`,
			`{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}`,
		}},
		{"with a clusterrole", "b", []string{
			`{NonResourceURLs:["/healthz" "/apis/*"], Verbs:["get"]}`,
			`{APIGroups:[""], Resources:["pods/log"], Verbs:["get"]}`,
			`{NonResourceURLs:["/logs"], Verbs:["get"]}`,
		}},
	}
	r := rbacFixture()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, rule := range r.RulesFor(jane, tt.namespace) {
				got = append(got, CompactString(rule))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestRoleRules(t *testing.T) {
	src := newSource(
		testClusterRole("c", pr(verbs("get").groups("").resources("pods"))),
		testRole("a", "r", pr(verbs("list").groups("").resources("pods"))),
	)
	tests := []struct {
		name, namespace string
		ref             api.RoleRef
		want, err       string
	}{
		{"clusterrole", "a", api.RoleRef{Kind: "ClusterRole", Name: "c"}, `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`, ""},
		{"role", "a", api.RoleRef{Kind: "Role", Name: "r"}, `{APIGroups:[""], Resources:["pods"], Verbs:["list"]}`, ""},
		{"role of another namespace", "b", api.RoleRef{Kind: "Role", Name: "r"}, "",
			`role.rbac.authorization.k8s.io "r" not found in namespace "b"`},
		{"missing clusterrole", "a", api.RoleRef{Kind: "ClusterRole", Name: "x"}, "",
			`clusterrole.rbac.authorization.k8s.io "x" not found`},
		{"bad kind", "a", api.RoleRef{Kind: "Group", Name: "x"}, "", `roleRef.kind "Group" is neither Role nor ClusterRole`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, err := RoleRules(src, tt.namespace, tt.ref)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || len(rules) != 1 || CompactString(rules[0]) != tt.want {
				t.Fatalf("rules = %v, %v; want %s", rules, err, tt.want)
			}
		})
	}
}
