package api

import "fmt"

// Validation of the RBAC kinds, as Kubernetes' pkg/apis/rbac/validation.
// Their names are checked only as URL path segments, so that
// "system:controller:replicaset-controller" is a valid role name. A rule
// needs verbs and either resources (with apiGroups) or non-resource URLs,
// the latter only in a ClusterRole. A binding's roleRef names a Role or
// ClusterRole of rbac.authorization.k8s.io and never changes
// (validateRoleRefUpdate). Whether the role exists is not checked: as in
// Kubernetes, a binding may come before its role.

func validateRole(r *Role) ErrorList {
	errs := validateObjectMeta(&r.ObjectMeta, true, IsValidPathSegmentName, "")
	for i, rule := range r.Rules {
		errs = append(errs, validatePolicyRule(rule, true, fieldPath("rules").index(i))...)
	}
	return errs
}

func validateClusterRole(r *ClusterRole) ErrorList {
	errs := validateObjectMeta(&r.ObjectMeta, false, IsValidPathSegmentName, "")
	for i, rule := range r.Rules {
		errs = append(errs, validatePolicyRule(rule, false, fieldPath("rules").index(i))...)
	}
	if a := r.AggregationRule; a != nil {
		p := fieldPath("aggregationRule").child("clusterRoleSelectors")
		if len(a.ClusterRoleSelectors) == 0 {
			errs = append(errs, required(p, "at least one clusterRoleSelector required if aggregationRule is non-nil"))
		}
		for i := range a.ClusterRoleSelectors {
			errs = append(errs, validateLabelSelector(&a.ClusterRoleSelectors[i], p.index(i))...)
		}
	}
	return errs
}

func validatePolicyRule(rule PolicyRule, namespaced bool, p fieldPath) ErrorList {
	var errs ErrorList
	if len(rule.Verbs) == 0 {
		errs = append(errs, required(p.child("verbs"), "verbs must contain at least one value"))
	}
	if len(rule.NonResourceURLs) > 0 {
		if namespaced {
			errs = append(errs, invalid(p.child("nonResourceURLs"), rule.NonResourceURLs, "namespaced rules cannot apply to non-resource URLs"))
		}
		if len(rule.APIGroups) > 0 || len(rule.Resources) > 0 || len(rule.ResourceNames) > 0 {
			errs = append(errs, invalid(p.child("nonResourceURLs"), rule.NonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"))
		}
		return errs
	}
	if len(rule.APIGroups) == 0 {
		errs = append(errs, required(p.child("apiGroups"), "resource rules must supply at least one api group"))
	}
	if len(rule.Resources) == 0 {
		errs = append(errs, required(p.child("resources"), "resource rules must supply at least one resource"))
	}
	return errs
}

func validateRoleBinding(b *RoleBinding) ErrorList {
	errs := validateObjectMeta(&b.ObjectMeta, true, IsValidPathSegmentName, "")
	errs = append(errs, validateRoleRef(b.RoleRef, "Role", "ClusterRole")...)
	for i, s := range b.Subjects {
		errs = append(errs, validateSubject(s, true, fieldPath("subjects").index(i))...)
	}
	return errs
}

func validateClusterRoleBinding(b *ClusterRoleBinding) ErrorList {
	errs := validateObjectMeta(&b.ObjectMeta, false, IsValidPathSegmentName, "")
	errs = append(errs, validateRoleRef(b.RoleRef, "ClusterRole")...)
	for i, s := range b.Subjects {
		errs = append(errs, validateSubject(s, false, fieldPath("subjects").index(i))...)
	}
	return errs
}

// validateRoleRef checks a binding's roleRef; kinds are the kinds it may
// name (a ClusterRoleBinding cannot name a Role).
func validateRoleRef(ref RoleRef, kinds ...string) ErrorList {
	var errs ErrorList
	p := fieldPath("roleRef")
	if ref.APIGroup != RBACGroup {
		errs = append(errs, notSupported(p.child("apiGroup"), ref.APIGroup, RBACGroup))
	}
	if !oneOf(ref.Kind, kinds...) {
		errs = append(errs, notSupported(p.child("kind"), ref.Kind, kinds...))
	}
	if ref.Name == "" {
		errs = append(errs, required(p.child("name"), ""))
	} else {
		errs = append(errs, check(p.child("name"), ref.Name, IsValidPathSegmentName(ref.Name))...)
	}
	return errs
}

// validateSubject checks one subject. A ServiceAccount in a
// ClusterRoleBinding needs its namespace; in a RoleBinding it may leave it
// out and means the binding's namespace.
func validateSubject(s Subject, namespaced bool, p fieldPath) ErrorList {
	var errs ErrorList
	if s.Name == "" {
		errs = append(errs, required(p.child("name"), ""))
	}
	switch s.Kind {
	case SubjectServiceAccount:
		if s.Name != "" {
			errs = append(errs, check(p.child("name"), s.Name, IsDNS1123Subdomain(s.Name))...)
		}
		if s.APIGroup != "" {
			errs = append(errs, notSupported(p.child("apiGroup"), s.APIGroup, ""))
		}
		if !namespaced && s.Namespace == "" {
			errs = append(errs, required(p.child("namespace"), ""))
		}
	case SubjectUser, SubjectGroup:
		if s.APIGroup != RBACGroup {
			errs = append(errs, notSupported(p.child("apiGroup"), s.APIGroup, RBACGroup))
		}
	default:
		errs = append(errs, notSupported(p.child("kind"), s.Kind, SubjectServiceAccount, SubjectUser, SubjectGroup))
	}
	return errs
}

// validateRoleRefUpdate refuses a changed roleRef, in Kubernetes' words.
// A binding grants what its role says; letting the role change under it
// would let whoever may edit bindings grant any role (Kubernetes checks
// escalation on create, against the role named then).
func validateRoleRefUpdate(newRef, oldRef RoleRef) ErrorList {
	if newRef != oldRef {
		return ErrorList{invalid("roleRef", roleRefValue(newRef), "cannot change roleRef")}
	}
	return nil
}

// roleRefValue prints a roleRef in errors as Kubernetes does,
// rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"x"},
// each field shortened on its own.
type roleRefValue RoleRef

func (r roleRefValue) boundedString() string {
	return fmt.Sprintf("rbac.RoleRef{APIGroup:%s, Kind:%s, Name:%s}", Quote(r.APIGroup), Quote(r.Kind), Quote(r.Name))
}
