package apiserver

import (
	"context"
	"fmt"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
)

// admitIdentity is the admission that depends on who writes, after
// validation, on create and on every update (subresources too):
//
//   - RBAC's escalation prevention: a user may write a Role or
//     ClusterRole only with rules they hold themselves (or the escalate
//     verb on it), and bind a role only if they hold its rules (or the
//     bind verb on it). Without this, anyone allowed to create
//     RoleBindings could make themselves cluster-admin.
//   - NodeRestriction: a kubelet may change only its own Node, and only
//     the status of pods bound to it; it may not move its own taints or
//     pod CIDR; of PersistentVolumes it may only remove finalizers of
//     its own local volumes (pkg/auth/node.go).
//
// The apiserver's own writes carry no user and are not checked.
func (s *Server) admitIdentity(ctx context.Context, info requestInfo, obj, old api.Object) *api.Status {
	u := userFrom(ctx)
	if u == nil {
		return nil
	}
	res, meta := info.resource, obj.GetObjectMeta()
	switch o := obj.(type) {
	case *api.Role:
		return s.admitRules(ctx, u, res, meta, o.Rules)
	case *api.ClusterRole:
		return s.admitRules(ctx, u, res, meta, o.Rules)
	case *api.RoleBinding:
		return s.admitBinding(ctx, u, res, meta, o.RoleRef)
	case *api.ClusterRoleBinding:
		return s.admitBinding(ctx, u, res, meta, o.RoleRef)
	case *api.Node:
		if _, isNode := auth.NodeName(u); !isNode {
			return nil
		}
		oldNode, _ := old.(*api.Node)
		if err := auth.AdmitNode(u, info.verb, oldNode, o); err != nil {
			return forbidden(res, meta.Name, err.Error())
		}
	case *api.Lease:
		if err := auth.AdmitNodeLease(u, o); err != nil {
			return forbidden(res, meta.Name, err.Error())
		}
	case *api.CertificateSigningRequest:
		return s.admitCSR(ctx, u, info, o, old)
	case *api.Pod:
		if _, isNode := auth.NodeName(u); !isNode || info.subresource != "status" {
			return nil
		}
		if err := auth.AdmitPodStatus(u, old.(*api.Pod)); err != nil {
			return forbidden(res, meta.Name, err.Error())
		}
	case *api.PersistentVolume:
		if _, isNode := auth.NodeName(u); !isNode {
			return nil
		}
		oldPV, _ := old.(*api.PersistentVolume)
		if err := auth.AdmitPersistentVolume(u, oldPV, o); err != nil {
			return forbidden(res, meta.Name, err.Error())
		}
	}
	return nil
}

// admitRules lets u write a role with rules if u may escalate on it or
// already holds every rule.
func (s *Server) admitRules(ctx context.Context, u *auth.User, res api.Resource, meta *api.ObjectMeta, rules []api.PolicyRule) *api.Status {
	if s.allowed(ctx, u, "escalate", res, meta.Namespace, meta.Name) {
		return nil
	}
	if err := auth.ConfirmNoEscalation(s.rbac, u, meta.Namespace, rules); err != nil {
		return forbidden(res, meta.Name, err.Error())
	}
	return nil
}

// admitBinding lets u write a binding to ref if u may bind that role or
// already holds every rule of it.
func (s *Server) admitBinding(ctx context.Context, u *auth.User, res api.Resource, meta *api.ObjectMeta, ref api.RoleRef) *api.Status {
	roleRes := mustResource("clusterroles")
	if ref.Kind == "Role" {
		roleRes = mustResource("roles")
	}
	// Asked in the binding's namespace, as Kubernetes does: a Role in ns1
	// may grant bind on the ClusterRole edit, for bindings in ns1.
	if s.allowed(ctx, u, "bind", roleRes, meta.Namespace, ref.Name) {
		return nil
	}
	rules, err := auth.RoleRules(rbacSource{s.caches}, meta.Namespace, ref)
	if err != nil {
		return forbidden(res, meta.Name, fmt.Sprintf("%v, and user %q may not bind it", err, u.Name))
	}
	if err := auth.ConfirmNoEscalation(s.rbac, u, meta.Namespace, rules); err != nil {
		return forbidden(res, meta.Name, err.Error())
	}
	return nil
}

// allowed asks the authorizers whether u may do verb on one object.
func (s *Server) allowed(ctx context.Context, u *auth.User, verb string, res api.Resource, namespace, name string) bool {
	d, _, _ := s.authz.Authorize(ctx, auth.Attributes{User: u, Verb: verb, ResourceRequest: true,
		APIGroup: res.Group, Resource: res.Name, Namespace: namespace, Name: name})
	return d == auth.Allow
}
