package kctl

import (
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

func TestRBACColumns(t *testing.T) {
	created := api.Time{Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	now := created.Add(90 * time.Second)
	subjects := []api.Subject{{Kind: "User", Name: "jane"}, {Kind: "Group", Name: "devs"},
		{Kind: "ServiceAccount", Name: "default", Namespace: "ci"}, {Kind: "User", Name: "bob"}}
	tests := []struct {
		name    string
		obj     api.Object
		headers string
		row     []string
	}{
		{"role", &api.Role{ObjectMeta: api.ObjectMeta{Name: "pod-reader", Namespace: "default", CreationTimestamp: created}},
			"NAME,CREATED AT", []string{"pod-reader", "2024-05-01T12:00:00Z"}},
		{"role not created yet", &api.Role{ObjectMeta: api.ObjectMeta{Name: "pod-reader"}},
			"NAME,CREATED AT", []string{"pod-reader", "<unknown>"}},
		{"cluster role", &api.ClusterRole{ObjectMeta: api.ObjectMeta{Name: "view", CreationTimestamp: created}},
			"NAME,CREATED AT", []string{"view", "2024-05-01T12:00:00Z"}},
		{"role binding", &api.RoleBinding{ObjectMeta: api.ObjectMeta{Name: "read-pods", CreationTimestamp: created},
			Subjects: subjects, RoleRef: api.RoleRef{Kind: "Role", Name: "pod-reader"}},
			"NAME,ROLE,AGE,USERS,GROUPS,SERVICEACCOUNTS", []string{"read-pods", "Role/pod-reader", "90s", "jane, bob", "devs", "ci/default"}},
		{"role binding to a cluster role, no subjects", &api.RoleBinding{ObjectMeta: api.ObjectMeta{Name: "viewers", CreationTimestamp: created},
			RoleRef: api.RoleRef{Kind: "ClusterRole", Name: "view"}},
			"NAME,ROLE,AGE,USERS,GROUPS,SERVICEACCOUNTS", []string{"viewers", "ClusterRole/view", "90s", "", "", ""}},
		{"cluster role binding", &api.ClusterRoleBinding{ObjectMeta: api.ObjectMeta{Name: "admins", CreationTimestamp: created},
			Subjects: subjects[1:2], RoleRef: api.RoleRef{Kind: "ClusterRole", Name: "cluster-admin"}},
			"NAME,ROLE,AGE,USERS,GROUPS,SERVICEACCOUNTS", []string{"admins", "ClusterRole/cluster-admin", "90s", "", "devs", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := api.ResourceOf(tt.obj)
			tbl := tableFor(res)
			if got := strings.Join(append(append([]string(nil), tbl.headers...), tbl.wide...), ","); got != tt.headers {
				t.Errorf("headers %s, want %s", got, tt.headers)
			}
			if got := tbl.row(tt.obj, now); strings.Join(got, "|") != strings.Join(tt.row, "|") {
				t.Errorf("row %q, want %q", got, tt.row)
			}
		})
	}
}

const (
	roleJSON = `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role",
		"metadata":{"name":"pod-reader","namespace":"default","creationTimestamp":"2024-05-01T12:00:00Z"},
		"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","watch"]},
		         {"apiGroups":[""],"resources":["pods","pods/log"],"verbs":["list","get"]},
		         {"apiGroups":["apps"],"resources":["deployments/scale"],"resourceNames":["web"],"verbs":["update"]}]}`
	roleBindingJSON = `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding",
		"metadata":{"name":"read-pods","namespace":"default"},
		"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"jane"},{"kind":"ServiceAccount","name":"default","namespace":"ci"}],
		"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"pod-reader"}}`
	clusterRoleJSON = `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole",
		"metadata":{"name":"health","creationTimestamp":"2024-05-01T12:00:00Z"},
		"rules":[{"nonResourceURLs":["/healthz","/readyz"],"verbs":["get"]}]}`
	clusterRoleBindingJSON = `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding",
		"metadata":{"name":"health"},"subjects":[{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"system:unauthenticated"}],
		"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"health"}}`
)

func TestGetAndDescribeRBAC(t *testing.T) {
	fake, server := newFakeAPI(t)
	const rbac = "/apis/rbac.authorization.k8s.io/v1"
	fake.objects[rbac+"/namespaces/default/roles/pod-reader"] = roleJSON
	fake.objects[rbac+"/namespaces/default/rolebindings/read-pods"] = roleBindingJSON
	fake.objects[rbac+"/clusterroles/health"] = clusterRoleJSON
	fake.objects[rbac+"/clusterrolebindings/health"] = clusterRoleBindingJSON
	tests := []struct {
		name string
		args []string
		out  string
	}{
		{"roles", []string{"get", "roles"}, "NAME         CREATED AT\npod-reader   2024-05-01T12:00:00Z\n"},
		{"role bindings, wide", []string{"get", "rolebindings", "-o", "wide"},
			"NAME        ROLE              AGE         USERS   GROUPS   SERVICEACCOUNTS\n" +
				"read-pods   Role/pod-reader   <unknown>   jane             ci/default\n"},
		{"cluster roles", []string{"get", "clusterroles"}, "NAME     CREATED AT\nhealth   2024-05-01T12:00:00Z\n"},
		{"cluster role bindings, by group", []string{"get", "clusterrolebindings.rbac.authorization.k8s.io"},
			"NAME     ROLE                 AGE\nhealth   ClusterRole/health   <unknown>\n"},
		{"describe role", []string{"describe", "role", "pod-reader"},
			"Name:         pod-reader\n" +
				"Labels:       <none>\n" +
				"Annotations:  <none>\n" +
				"PolicyRule:\n" +
				"  Resources               Non-Resource URLs  Resource Names  Verbs\n" +
				"  ---------               -----------------  --------------  -----\n" +
				"  pods                    []                 []              [get watch list]\n" +
				"  pods/log                []                 []              [list get]\n" +
				"  deployments.apps/scale  []                 [web]           [update]\n"},
		{"describe cluster role", []string{"describe", "clusterrole", "health"},
			"Name:         health\n" +
				"Labels:       <none>\n" +
				"Annotations:  <none>\n" +
				"PolicyRule:\n" +
				"  Resources  Non-Resource URLs  Resource Names  Verbs\n" +
				"  ---------  -----------------  --------------  -----\n" +
				"             [/healthz]         []              [get]\n" +
				"             [/readyz]          []              [get]\n"},
		{"describe role binding", []string{"describe", "rolebinding", "read-pods"},
			"Name:         read-pods\n" +
				"Labels:       <none>\n" +
				"Annotations:  <none>\n" +
				"Role:\n" +
				"  Kind:  Role\n" +
				"  Name:  pod-reader\n" +
				"Subjects:\n" +
				"  Kind            Name     Namespace\n" +
				"  ----            ----     ---------\n" +
				"  User            jane     \n" +
				"  ServiceAccount  default  ci\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := kctl(t, server, "", tt.args...)
			if code != 0 || errOut != "" || out != tt.out {
				t.Errorf("exit %d, stderr %q, out\n%s\nwant\n%s", code, errOut, out, tt.out)
			}
		})
	}
}
