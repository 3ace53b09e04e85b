package kctl

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"kubelab/pkg/api"
)

// Descriptions of the RBAC kinds, in kubectl's shape: a role is its rules
// as a table, one row per resource (rules for several resources are split,
// rules for the same resource merged); a binding is its role and its
// subjects. kubectl writes no namespace and no events for these.

func describeRole(ctx context.Context, d *describer, obj api.Object) error {
	var rules []api.PolicyRule
	switch r := obj.(type) {
	case *api.Role:
		rules = r.Rules
	case *api.ClusterRole:
		rules = r.Rules
	}
	m := obj.GetObjectMeta()
	d.field(0, "Name", m.Name)
	d.labels(0, "Labels", m.Labels)
	d.labels(0, "Annotations", m.Annotations)
	d.line(0, "PolicyRule:")
	var rows [][]string
	for _, r := range compactRules(rules) {
		rows = append(rows, []string{resourceGroup(r), fmt.Sprint(r.NonResourceURLs), fmt.Sprint(r.ResourceNames), fmt.Sprint(r.Verbs)})
	}
	d.table(1, []string{"Resources", "Non-Resource URLs", "Resource Names", "Verbs"}, rows)
	return nil
}

func describeBinding(ctx context.Context, d *describer, obj api.Object) error {
	var ref api.RoleRef
	var subjects []api.Subject
	switch b := obj.(type) {
	case *api.RoleBinding:
		ref, subjects = b.RoleRef, b.Subjects
	case *api.ClusterRoleBinding:
		ref, subjects = b.RoleRef, b.Subjects
	}
	m := obj.GetObjectMeta()
	d.field(0, "Name", m.Name)
	d.labels(0, "Labels", m.Labels)
	d.labels(0, "Annotations", m.Annotations)
	d.line(0, "Role:")
	d.field(1, "Kind", ref.Kind)
	d.field(1, "Name", ref.Name)
	d.line(0, "Subjects:")
	var rows [][]string
	for _, s := range subjects {
		rows = append(rows, []string{s.Kind, s.Name, s.Namespace})
	}
	d.table(1, []string{"Kind", "Name", "Namespace"}, rows)
	return nil
}

// compactRules is kubectl's BreakdownRule then CompactRules: one rule per
// group, resource and resource name (and per non-resource URL), those of
// the same group, resource and name merged into one with all their verbs,
// sorted by group, then resource.
func compactRules(rules []api.PolicyRule) []api.PolicyRule {
	var out []api.PolicyRule
	index := map[string]int{} // group/resource/name → its rule in out
	for _, rule := range rules {
		for _, g := range rule.APIGroups {
			for _, res := range rule.Resources {
				names := rule.ResourceNames
				if len(names) == 0 {
					names = []string{""}
				}
				for _, n := range names {
					key := g + "\x00" + res + "\x00" + n
					if i, ok := index[key]; ok {
						out[i].Verbs = appendNew(out[i].Verbs, rule.Verbs)
						continue
					}
					r := api.PolicyRule{APIGroups: []string{g}, Resources: []string{res}, Verbs: appendNew(nil, rule.Verbs)}
					if n != "" {
						r.ResourceNames = []string{n}
					}
					index[key] = len(out)
					out = append(out, r)
				}
			}
		}
		for _, u := range rule.NonResourceURLs {
			out = append(out, api.PolicyRule{NonResourceURLs: []string{u}, Verbs: rule.Verbs})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return ruleString(out[i]) < ruleString(out[j]) })
	return out
}

// ruleString is kubectl's sort key for rules (PolicyRule.CompactString).
func ruleString(r api.PolicyRule) string {
	var parts []string
	for _, f := range []struct {
		name   string
		values []string
	}{{"APIGroups", r.APIGroups}, {"Resources", r.Resources}, {"NonResourceURLs", r.NonResourceURLs},
		{"ResourceNames", r.ResourceNames}, {"Verbs", r.Verbs}} {
		if len(f.values) > 0 {
			parts = append(parts, fmt.Sprintf("%s:%q", f.name, f.values))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// resourceGroup is the Resources column: pods, deployments.apps,
// deployments.apps/scale (kubectl's CombineResourceGroup).
func resourceGroup(r api.PolicyRule) string {
	if len(r.Resources) == 0 {
		return ""
	}
	resource, sub, hasSub := strings.Cut(r.Resources[0], "/")
	if len(r.APIGroups) > 0 && r.APIGroups[0] != "" {
		resource += "." + r.APIGroups[0]
	}
	if hasSub {
		resource += "/" + sub
	}
	return resource
}

// appendNew appends the values of add that list does not have yet.
func appendNew(list, add []string) []string {
	for _, v := range add {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}
