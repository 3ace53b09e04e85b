package auth

import (
	"fmt"
	"strings"

	"kubelab/pkg/api"
)

// Escalation prevention, as Kubernetes' RBAC does it: a user may only
// write a Role, or a binding, that grants permissions the user holds
// already. Without it, anyone allowed to create RoleBindings could bind
// themselves to cluster-admin.
//
// The apiserver lets a write through on either of two other grounds,
// which it checks itself through Authorize: the user may "escalate" the
// role being written (roles, clusterroles), or may "bind" the role a
// binding refers to. RoleRules (rbac.go) resolves a binding's roleRef for
// the check here.

// ConfirmNoEscalation returns nil if u holds, in namespace ("" for
// cluster-wide), every permission rules grant; members of system:masters
// hold all. The error lists what is missing, as Kubernetes writes it:
//
//	user "jane" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:
//	{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}
func ConfirmNoEscalation(r *RBAC, u *User, namespace string, rules []api.PolicyRule) error {
	if u.InGroup(GroupMasters) {
		return nil
	}
	ok, missing := Covers(r.RulesFor(u, namespace), rules)
	if ok {
		return nil
	}
	lines := make([]string, len(missing))
	for i, m := range missing {
		lines[i] = CompactString(m)
	}
	groups := u.Groups
	if groups == nil {
		groups = []string{}
	}
	return fmt.Errorf("user %q (groups=%q) is attempting to grant RBAC permissions not currently held:\n%s",
		u.Name, groups, strings.Join(lines, "\n"))
}

// Covers reports whether owner's rules cover every permission of
// requested. Each requested rule is broken down into pieces of one verb
// on one group, resource and name (or one verb on one URL), and each piece
// must be covered by a single owner rule. "*" in an owner rule covers
// anything; "*" in a requested rule is covered only by "*", since it
// grants resources that do not exist yet. The uncovered pieces are
// returned.
func Covers(owner, requested []api.PolicyRule) (bool, []api.PolicyRule) {
	var missing []api.PolicyRule
	for _, rule := range requested {
		for _, piece := range breakdown(rule) {
			if !coveredByAny(owner, piece) {
				missing = append(missing, piece)
			}
		}
	}
	return len(missing) == 0, missing
}

// breakdown splits rule into pieces of one verb × group × resource ×
// name, and one verb × URL.
func breakdown(rule api.PolicyRule) []api.PolicyRule {
	var pieces []api.PolicyRule
	for _, group := range rule.APIGroups {
		for _, resource := range rule.Resources {
			for _, verb := range rule.Verbs {
				piece := api.PolicyRule{Verbs: []string{verb}, APIGroups: []string{group}, Resources: []string{resource}}
				if len(rule.ResourceNames) == 0 {
					pieces = append(pieces, piece)
				}
				for _, name := range rule.ResourceNames {
					piece.ResourceNames = []string{name}
					pieces = append(pieces, piece)
				}
			}
		}
	}
	for _, url := range rule.NonResourceURLs {
		for _, verb := range rule.Verbs {
			pieces = append(pieces, api.PolicyRule{Verbs: []string{verb}, NonResourceURLs: []string{url}})
		}
	}
	return pieces
}

func coveredByAny(owner []api.PolicyRule, piece api.PolicyRule) bool {
	for i := range owner {
		if covers(&owner[i], piece) {
			return true
		}
	}
	return false
}

// covers tells whether one owner rule covers one piece of breakdown.
func covers(owner *api.PolicyRule, piece api.PolicyRule) bool {
	if !matches(owner.Verbs, piece.Verbs[0]) {
		return false
	}
	if len(piece.NonResourceURLs) > 0 {
		return urlMatches(owner.NonResourceURLs, piece.NonResourceURLs[0])
	}
	resource, subresource, _ := strings.Cut(piece.Resources[0], "/")
	name := ""
	if len(piece.ResourceNames) > 0 {
		name = piece.ResourceNames[0]
	}
	return matches(owner.APIGroups, piece.APIGroups[0]) &&
		resourceMatches(owner.Resources, resource, subresource) &&
		nameMatches(owner.ResourceNames, name)
}

// CompactString writes a rule as Kubernetes does in its escalation
// errors, leaving out empty fields:
//
//	{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}
func CompactString(r api.PolicyRule) string {
	var parts []string
	add := func(field string, values []string) {
		if len(values) > 0 {
			parts = append(parts, fmt.Sprintf("%s:%q", field, values))
		}
	}
	add("APIGroups", r.APIGroups)
	add("Resources", r.Resources)
	add("NonResourceURLs", r.NonResourceURLs)
	add("ResourceNames", r.ResourceNames)
	add("Verbs", r.Verbs)
	return "{" + strings.Join(parts, ", ") + "}"
}
