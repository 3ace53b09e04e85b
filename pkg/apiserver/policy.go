package apiserver

import (
	"context"
	"fmt"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
)

// autoupdate marks the default roles and bindings the apiserver keeps as
// it ships them (Kubernetes' rbac.authorization.kubernetes.io/autoupdate):
// set it to "false" on one to keep your own changes to it.
const autoupdate = "rbac.authorization.kubernetes.io/autoupdate"

// ensurePolicy creates the default ClusterRoles and ClusterRoleBindings
// (pkg/auth/policy.go) that are missing, and puts back those whose rules
// or subjects differ unless their autoupdate annotation says "false", as
// Kubernetes' apiserver reconciles its bootstrap policy at every start. A
// cluster is never without cluster-admin for system:masters, nor its
// components without their roles.
func (s *Server) ensurePolicy(ctx context.Context) error {
	for _, role := range auth.DefaultClusterRoles() {
		if err := s.ensureDefault(ctx, mustResource("clusterroles"), role, func(cur api.Object) bool {
			return sameJSON(cur.(*api.ClusterRole).Rules, role.Rules)
		}, func(cur api.Object) { cur.(*api.ClusterRole).Rules = role.Rules }); err != nil {
			return err
		}
	}
	for _, b := range auth.DefaultClusterRoleBindings() {
		if err := s.ensureDefault(ctx, mustResource("clusterrolebindings"), b, func(cur api.Object) bool {
			c := cur.(*api.ClusterRoleBinding)
			return sameJSON(c.Subjects, b.Subjects) && c.RoleRef == b.RoleRef
		}, func(cur api.Object) {
			c := cur.(*api.ClusterRoleBinding)
			if c.RoleRef != b.RoleRef { // roleRef is immutable: this takes a delete, as in Kubernetes; keep what is there
				return
			}
			c.Subjects = b.Subjects
		}); err != nil {
			return err
		}
	}
	return nil
}

// ensureDefault creates want if it is missing, or applies fix to the
// stored object when same says it differs and it is not opted out.
func (s *Server) ensureDefault(ctx context.Context, res api.Resource, want api.Object, same func(api.Object) bool, fix func(api.Object)) error {
	name := want.GetObjectMeta().Name
	cur, _, st := s.load(ctx, res, "", name)
	switch {
	case st != nil && st.Reason == "NotFound":
		_, st = s.create(ctx, requestInfo{resource: res, verb: "create"}, api.DeepCopy(want))
		if st != nil && st.Reason != "AlreadyExists" {
			return fmt.Errorf("create %s %s: %s", res.Name, name, st.Message)
		}
		return nil
	case st != nil:
		return fmt.Errorf("read %s %s: %s", res.Name, name, st.Message)
	}
	if same(cur) || cur.GetObjectMeta().Annotations[autoupdate] == "false" {
		return nil
	}
	_, st = s.update(ctx, requestInfo{resource: res, verb: "update", name: name}, func(cur api.Object) (api.Object, *api.Status) {
		fix(cur)
		cur.GetObjectMeta().ResourceVersion = "" // whatever is current: a race retries
		return cur, nil
	})
	if st != nil {
		return fmt.Errorf("reconcile %s %s: %s", res.Name, name, st.Message)
	}
	return nil
}
