package auth

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"kubelab/pkg/api"
)

// RBAC is Kubernetes' RBAC authorizer: a request is allowed when some
// rule of some role bound to the user matches it. Rules only add: RBAC
// never denies, it allows or has no opinion, and a request no rule
// allows is refused by the apiserver (403) once every authorizer has
// passed.
//
//	ClusterRoleBinding → ClusterRole             rules apply in every namespace and to cluster-scoped objects
//	RoleBinding        → Role or ClusterRole     rules apply in the binding's namespace only
//
// Only a ClusterRole bound by a ClusterRoleBinding grants non-resource
// URLs (/healthz, /api): a path has no namespace.
type RBAC struct {
	src RuleSource
}

// RuleSource is where RBAC reads roles and bindings; the apiserver hands
// it caches of its store. A role that a binding names but that does not
// exist grants nothing.
type RuleSource interface {
	Role(namespace, name string) (*api.Role, bool)
	ClusterRole(name string) (*api.ClusterRole, bool)
	RoleBindings(namespace string) []*api.RoleBinding
	ClusterRoleBindings() []*api.ClusterRoleBinding
}

var _ Authorizer = (*RBAC)(nil)

// NewRBAC returns an authorizer over the roles and bindings of src.
func NewRBAC(src RuleSource) *RBAC { return &RBAC{src: src} }

// Authorize allows a when a rule bound to its user matches it, and says
// which binding did. It never returns Deny.
func (r *RBAC) Authorize(_ context.Context, a Attributes) (Decision, string, error) {
	if a.User == nil {
		return NoOpinion, "", nil
	}
	namespace := a.Namespace
	if !a.ResourceRequest {
		namespace = "" // paths are granted cluster-wide only
	}
	var reason string
	r.visit(a.User, namespace, func(source string, rule *api.PolicyRule) bool {
		if ruleAllows(a, rule) {
			reason = "RBAC: allowed by " + source
			return false
		}
		return true
	})
	if reason != "" {
		return Allow, reason, nil
	}
	return NoOpinion, "", nil
}

// RulesFor returns every rule granted to u in namespace: those of its
// ClusterRoleBindings, then those of namespace's RoleBindings ("" for
// none). It is what the user holds, for escalation checks and for
// SelfSubjectRulesReview.
func (r *RBAC) RulesFor(u *User, namespace string) []api.PolicyRule {
	var rules []api.PolicyRule
	r.visit(u, namespace, func(_ string, rule *api.PolicyRule) bool {
		rules = append(rules, *rule)
		return true
	})
	return rules
}

// visit calls fn with every rule bound to u in namespace, and with a
// description of the binding that grants it, until fn returns false.
func (r *RBAC) visit(u *User, namespace string, fn func(source string, rule *api.PolicyRule) bool) {
	for _, b := range r.src.ClusterRoleBindings() {
		s, ok := subjectFor(u, b.Subjects, "")
		if !ok || b.RoleRef.Kind != "ClusterRole" {
			continue
		}
		rules, err := RoleRules(r.src, "", b.RoleRef)
		if err != nil {
			continue // a binding may be written before its role
		}
		source := fmt.Sprintf("ClusterRoleBinding %q of ClusterRole %q to %s", b.Name, b.RoleRef.Name, describeSubject(s, ""))
		if !visitRules(source, rules, fn) {
			return
		}
	}
	if namespace == "" {
		return
	}
	for _, b := range r.src.RoleBindings(namespace) {
		s, ok := subjectFor(u, b.Subjects, b.Namespace)
		if !ok {
			continue
		}
		rules, err := RoleRules(r.src, b.Namespace, b.RoleRef)
		if err != nil {
			continue
		}
		source := fmt.Sprintf("RoleBinding %q of %s %q to %s", b.Namespace+"/"+b.Name, b.RoleRef.Kind, b.RoleRef.Name, describeSubject(s, b.Namespace))
		if !visitRules(source, rules, fn) {
			return
		}
	}
}

// visitRules calls fn on each rule, and reports whether it should go on.
func visitRules(source string, rules []api.PolicyRule, fn func(string, *api.PolicyRule) bool) bool {
	for i := range rules {
		if !fn(source, &rules[i]) {
			return false
		}
	}
	return true
}

// RoleRules returns the rules of the role a binding in namespace refers
// to: a ClusterRole, or a Role of that namespace. A role that does not
// exist is an error naming it.
func RoleRules(src RuleSource, namespace string, ref api.RoleRef) ([]api.PolicyRule, error) {
	switch ref.Kind {
	case "ClusterRole":
		if role, ok := src.ClusterRole(ref.Name); ok {
			return role.Rules, nil
		}
		return nil, fmt.Errorf("clusterrole.%s %q not found", api.RBACGroup, ref.Name)
	case "Role":
		if role, ok := src.Role(namespace, ref.Name); ok {
			return role.Rules, nil
		}
		return nil, fmt.Errorf("role.%s %q not found in namespace %q", api.RBACGroup, ref.Name, namespace)
	}
	return nil, fmt.Errorf("roleRef.kind %q is neither Role nor ClusterRole", ref.Kind)
}

// subjectFor returns the first subject that names u. bindingNamespace is
// where a ServiceAccount without a namespace lives: the RoleBinding's.
func subjectFor(u *User, subjects []api.Subject, bindingNamespace string) (*api.Subject, bool) {
	for i := range subjects {
		s := &subjects[i]
		switch s.Kind {
		case api.SubjectUser:
			if u.Name == s.Name {
				return s, true
			}
		case api.SubjectGroup:
			if u.InGroup(s.Name) {
				return s, true
			}
		case api.SubjectServiceAccount:
			ns := cmp.Or(s.Namespace, bindingNamespace)
			if ns != "" && u.Name == ServiceAccountPrefix+ns+":"+s.Name {
				return s, true
			}
		}
	}
	return nil, false
}

// describeSubject names a subject in a reason: User "alice", Group
// "system:masters", ServiceAccount "kube-system/kube-dns".
func describeSubject(s *api.Subject, bindingNamespace string) string {
	if s.Kind == api.SubjectServiceAccount {
		return fmt.Sprintf("%s %q", s.Kind, cmp.Or(s.Namespace, bindingNamespace)+"/"+s.Name)
	}
	return fmt.Sprintf("%s %q", s.Kind, s.Name)
}

// ruleAllows tells whether one rule allows the request a, with
// Kubernetes' matching:
//
//   - "*" matches every verb, group or resource;
//   - a resource names a subresource as "pods/log"; "*/scale" is the scale
//     subresource of any resource; "pods" alone does not match pods/log;
//   - resourceNames, when given, must contain the request's name, so a
//     list or a create without a name does not match;
//   - a non-resource URL matches exactly, or as a prefix when it ends in
//     "*" ("/apis/*").
func ruleAllows(a Attributes, rule *api.PolicyRule) bool {
	if !matches(rule.Verbs, a.Verb) {
		return false
	}
	if !a.ResourceRequest {
		return urlMatches(rule.NonResourceURLs, a.Path)
	}
	return matches(rule.APIGroups, a.APIGroup) &&
		resourceMatches(rule.Resources, a.Resource, a.Subresource) &&
		nameMatches(rule.ResourceNames, a.Name)
}

// nameMatches: no resourceNames allows any object; a list allows only
// requests that name one of them.
func nameMatches(names []string, name string) bool {
	return len(names) == 0 || name != "" && slices.Contains(names, name)
}

// matches tells whether list holds value or "*".
func matches(list []string, value string) bool {
	return slices.Contains(list, "*") || slices.Contains(list, value)
}

func resourceMatches(rules []string, resource, subresource string) bool {
	want := resource
	if subresource != "" {
		want += "/" + subresource
	}
	for _, r := range rules {
		if r == "*" || r == want || subresource != "" && r == "*/"+subresource {
			return true
		}
	}
	return false
}

func urlMatches(rules []string, path string) bool {
	for _, u := range rules {
		if u == "*" || u == path || strings.HasSuffix(u, "*") && strings.HasPrefix(path, strings.TrimSuffix(u, "*")) {
			return true
		}
	}
	return false
}
