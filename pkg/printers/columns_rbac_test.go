package printers

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
			if got := headers(Columns(res.Kind)); got != tt.headers {
				t.Errorf("headers %s, want %s", got, tt.headers)
			}
			if got := rowText(t, tt.obj, now); strings.Join(got, "|") != strings.Join(tt.row, "|") {
				t.Errorf("row %q, want %q", got, tt.row)
			}
		})
	}
}
