package kctl

import (
	"testing"
)

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
