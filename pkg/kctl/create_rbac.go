package kctl

// The RBAC generators of kubectl create: role and clusterrole turn
// --verb and --resource flags into rules, rolebinding and
// clusterrolebinding turn --role and --user, --group, --serviceaccount
// into a roleRef and subjects. Parsing and errors follow kubectl's
// create_role.go, create_clusterrole.go and create_rolebinding.go; the
// RESTMapper that resolves a resource there is kubelab's registry here.

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
)

// validResourceVerbs are the verbs kubectl knows for resources; another
// draws a warning, not an error, since a webhook authorizer may use it.
var validResourceVerbs = []string{"*", "get", "delete", "list", "create", "update", "patch", "watch",
	"proxy", "deletecollection", "use", "bind", "escalate", "impersonate"}

// validNonResourceVerbs are the verbs a non-resource URL rule may have.
var validNonResourceVerbs = []string{"*", "get", "post", "put", "delete", "patch", "head", "options"}

// specialVerbs are verbs that make sense only on certain group/resources.
var specialVerbs = map[string][]groupResource{
	"use":         {{"policy", "podsecuritypolicies"}, {"extensions", "podsecuritypolicies"}},
	"bind":        {{api.RBACGroup, "roles"}, {api.RBACGroup, "clusterroles"}},
	"escalate":    {{api.RBACGroup, "roles"}, {api.RBACGroup, "clusterroles"}},
	"impersonate": {{"", "users"}, {"", "serviceaccounts"}, {"", "groups"}, {"authentication.k8s.io", "userextras"}},
}

type groupResource struct{ group, resource string }

// ruleFlags are the flags role and clusterrole share.
type ruleFlags struct {
	verbs, resources, resourceNames []string
}

func (f *ruleFlags) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringSliceVar(&f.verbs, "verb", nil, "Verb that applies to the resources contained in the rule")
	cmd.Flags().StringSliceVar(&f.resources, "resource", nil, "Resource that the rule applies to")
	cmd.Flags().StringArrayVar(&f.resourceNames, "resource-name", nil, "Resource in the white list that the rule applies to, repeat this flag for multiple items")
}

// resourceArg is one --resource: resource[.group][/subresource].
type resourceArg struct{ resource, group, subresource string }

// parseResources splits each --resource as kubectl does; a bare "*"
// stands for every resource and ends the list.
func parseResources(args []string) []resourceArg {
	var out []resourceArg
	for _, a := range args {
		var r resourceArg
		sections := strings.SplitN(a, "/", 2)
		if len(sections) == 2 {
			r.subresource = sections[1]
		}
		parts := strings.SplitN(sections[0], ".", 2)
		if len(parts) == 2 {
			r.group = parts[1]
		}
		r.resource = parts[0]
		if r.resource == "*" && len(parts) == 1 && len(sections) == 1 {
			return []resourceArg{r}
		}
		out = append(out, r)
	}
	return out
}

// uniqueVerbs drops repeats; "*" alone replaces them all.
func uniqueVerbs(verbs []string) []string {
	var out []string
	for _, v := range verbs {
		if v == "*" {
			return []string{"*"}
		}
		if !contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// resolve finds the resource's group and plural in the registry; a
// resource kubelab does not serve keeps what was typed, with the error.
func resolve(r resourceArg) (groupResource, error) {
	name := r.resource
	if r.group != "" {
		name += "." + r.group
	}
	if res, ok := api.Lookup(name); ok {
		return groupResource{res.Group, res.Name}, nil
	}
	return groupResource{r.group, r.resource}, fmt.Errorf("the server doesn't have a resource type %q", r.resource)
}

// validateResources is kubectl's validateResource: every resource must
// exist, unless a special verb names it, and a special verb must be on a
// resource it applies to.
func validateResources(verbs []string, resources []resourceArg) error {
	for _, r := range resources {
		if r.resource == "" {
			return fmt.Errorf("resource must be specified if apiGroup/subresource specified")
		}
		if r.resource == "*" {
			return nil
		}
		gr, err := resolve(r)
		for _, v := range verbs {
			allowed, special := specialVerbs[v]
			if !special {
				continue
			}
			if !containsGR(allowed, gr) {
				return fmt.Errorf("can not perform '%s' on '%s' in group '%s'", v, gr.resource, gr.group)
			}
			err = nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// warnVerbs warns of verbs outside kubectl's list.
func warnVerbs(w io.Writer, verbs []string) {
	for _, v := range verbs {
		if !contains(validResourceVerbs, v) {
			fmt.Fprintf(w, "Warning: '%s' is not a standard resource verb\n", v)
		}
	}
}

// resourceRules makes one rule per API group, groups in order, as
// kubectl's generateResourcePolicyRules.
func resourceRules(verbs []string, resources []resourceArg, names []string) []api.PolicyRule {
	byGroup := map[string][]string{}
	for _, r := range resources {
		gr, _ := resolve(r)
		if r.resource == "*" {
			gr = groupResource{r.group, "*"}
		}
		if r.subresource != "" {
			gr.resource += "/" + r.subresource
		}
		if !contains(byGroup[gr.group], gr.resource) {
			byGroup[gr.group] = append(byGroup[gr.group], gr.resource)
		}
	}
	groups := make([]string, 0, len(byGroup))
	for g := range byGroup {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	var rules []api.PolicyRule
	for _, g := range groups {
		rules = append(rules, api.PolicyRule{Verbs: verbs, APIGroups: []string{g}, Resources: byGroup[g], ResourceNames: names})
	}
	return rules
}

func newCreateRoleCommand(g *globals) *cobra.Command {
	var f ruleFlags
	cmd := &cobra.Command{
		Use:     "role NAME --verb=verb --resource=resource.group/subresource [--resource-name=resourcename]",
		Short:   "Create a role with single rule",
		Example: "  kctl create role pod-reader --verb=get,list,watch --resource=pods\n  kctl create role foo --verb=get --resource=replicasets.apps,pods/log --resource-name=web",
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := nameArg(args)
			if err != nil {
				return err
			}
			verbs, resources := uniqueVerbs(f.verbs), parseResources(f.resources)
			if len(verbs) == 0 {
				return fmt.Errorf("at least one verb must be specified")
			}
			warnVerbs(g.errOut, verbs)
			if len(resources) == 0 {
				return fmt.Errorf("at least one resource must be specified")
			}
			if err := validateResources(verbs, resources); err != nil {
				return err
			}
			role := &api.Role{TypeMeta: rbacType("Role"), ObjectMeta: g.generatedMeta(name),
				Rules: resourceRules(verbs, resources, f.resourceNames)}
			return g.createGenerated(cmd, "roles", role, name)
		},
	}
	f.addFlags(cmd)
	return cmd
}

func newCreateClusterRoleCommand(g *globals) *cobra.Command {
	var f ruleFlags
	var urls []string
	cmd := &cobra.Command{
		Use:     "clusterrole NAME --verb=verb --resource=resource.group [--resource-name=resourcename] [--non-resource-url=/url]",
		Short:   "Create a cluster role",
		Example: "  kctl create clusterrole pod-reader --verb=get,list,watch --resource=pods\n  kctl create clusterrole health --verb=get --non-resource-url=/healthz",
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := nameArg(args)
			if err != nil {
				return err
			}
			verbs, resources := uniqueVerbs(f.verbs), parseResources(f.resources)
			if len(verbs) == 0 {
				return fmt.Errorf("at least one verb must be specified")
			}
			if len(resources) == 0 && len(urls) == 0 {
				return fmt.Errorf("one of resource or nonResourceURL must be specified")
			}
			if len(resources) > 0 {
				warnVerbs(g.errOut, verbs)
				if err := validateResources(verbs, resources); err != nil {
					return err
				}
			}
			if err := validateNonResourceURLs(verbs, urls); err != nil {
				return err
			}
			rules := resourceRules(verbs, resources, f.resourceNames)
			if len(urls) > 0 {
				rules = append(rules, api.PolicyRule{Verbs: verbs, NonResourceURLs: urls})
			}
			role := &api.ClusterRole{TypeMeta: rbacType("ClusterRole"), ObjectMeta: api.ObjectMeta{Name: name}, Rules: rules}
			return g.createGenerated(cmd, "clusterroles", role, name)
		},
	}
	f.addFlags(cmd)
	cmd.Flags().StringSliceVar(&urls, "non-resource-url", nil, "A partial url that user should have access to.")
	return cmd
}

// validateNonResourceURLs checks the verbs and the form of each URL: a
// path, with "*" only at its end.
func validateNonResourceURLs(verbs, urls []string) error {
	if len(urls) == 0 {
		return nil
	}
	for _, v := range verbs {
		if !contains(validNonResourceVerbs, v) {
			return fmt.Errorf("invalid verb: '%s' for nonResourceURL", v)
		}
	}
	for _, u := range urls {
		if u == "*" {
			continue
		}
		if !strings.HasPrefix(u, "/") {
			return fmt.Errorf("nonResourceURL should start with /")
		}
		if strings.ContainsRune(u[:len(u)-1], '*') {
			return fmt.Errorf("nonResourceURL only supports wildcard matches when '*' is at the end")
		}
	}
	return nil
}

// subjectFlags are the repeatable --user, --group and --serviceaccount.
type subjectFlags struct{ users, groups, serviceAccounts []string }

func (f *subjectFlags) addFlags(cmd *cobra.Command, target string) {
	cmd.Flags().StringArrayVar(&f.users, "user", nil, "Usernames to bind to the "+target+". The flag can be repeated to add multiple users.")
	cmd.Flags().StringArrayVar(&f.groups, "group", nil, "Groups to bind to the "+target+". The flag can be repeated to add multiple groups.")
	cmd.Flags().StringArrayVar(&f.serviceAccounts, "serviceaccount", nil, "Service accounts to bind to the "+target+", in the format <namespace>:<name>. The flag can be repeated to add multiple service accounts.")
}

// subjects lists users, then groups, then service accounts, as kubectl.
func (f *subjectFlags) subjects() ([]api.Subject, error) {
	var out []api.Subject
	for _, u := range f.users {
		out = append(out, api.Subject{Kind: api.SubjectUser, APIGroup: api.RBACGroup, Name: u})
	}
	for _, gr := range f.groups {
		out = append(out, api.Subject{Kind: api.SubjectGroup, APIGroup: api.RBACGroup, Name: gr})
	}
	for _, sa := range f.serviceAccounts {
		tokens := strings.Split(sa, ":")
		if len(tokens) != 2 || tokens[0] == "" || tokens[1] == "" {
			return nil, fmt.Errorf("serviceaccount must be <namespace>:<name>")
		}
		out = append(out, api.Subject{Kind: api.SubjectServiceAccount, Namespace: tokens[0], Name: tokens[1]})
	}
	return out, nil
}

func newCreateRoleBindingCommand(g *globals) *cobra.Command {
	var f subjectFlags
	var role, clusterRole string
	cmd := &cobra.Command{
		Use:     "rolebinding NAME --clusterrole=NAME|--role=NAME [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname]",
		Short:   "Create a role binding for a particular role or cluster role",
		Example: "  kctl create rolebinding admin --clusterrole=admin --user=user1 --user=user2 --group=group1\n  kctl create rolebinding read-pods --role=pod-reader --serviceaccount=ci:builder",
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := nameArg(args)
			if err != nil {
				return err
			}
			if (role == "") == (clusterRole == "") {
				return fmt.Errorf("exactly one of clusterrole or role must be specified")
			}
			ref := api.RoleRef{APIGroup: api.RBACGroup, Kind: "Role", Name: role}
			if clusterRole != "" {
				ref = api.RoleRef{APIGroup: api.RBACGroup, Kind: "ClusterRole", Name: clusterRole}
			}
			subjects, err := f.subjects()
			if err != nil {
				return err
			}
			b := &api.RoleBinding{TypeMeta: rbacType("RoleBinding"), ObjectMeta: g.generatedMeta(name), RoleRef: ref, Subjects: subjects}
			return g.createGenerated(cmd, "rolebindings", b, name)
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "Role this RoleBinding should reference")
	cmd.Flags().StringVar(&clusterRole, "clusterrole", "", "ClusterRole this RoleBinding should reference")
	f.addFlags(cmd, "role")
	return cmd
}

func newCreateClusterRoleBindingCommand(g *globals) *cobra.Command {
	var f subjectFlags
	var clusterRole string
	cmd := &cobra.Command{
		Use:     "clusterrolebinding NAME --clusterrole=NAME [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname]",
		Short:   "Create a cluster role binding for a particular cluster role",
		Example: "  kctl create clusterrolebinding cluster-admin --clusterrole=cluster-admin --user=user1 --user=user2 --group=group1",
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := nameArg(args)
			if err != nil {
				return err
			}
			subjects, err := f.subjects()
			if err != nil {
				return err
			}
			b := &api.ClusterRoleBinding{TypeMeta: rbacType("ClusterRoleBinding"), ObjectMeta: api.ObjectMeta{Name: name},
				RoleRef: api.RoleRef{APIGroup: api.RBACGroup, Kind: "ClusterRole", Name: clusterRole}, Subjects: subjects}
			return g.createGenerated(cmd, "clusterrolebindings", b, name)
		},
	}
	cmd.Flags().StringVar(&clusterRole, "clusterrole", "", "ClusterRole this ClusterRoleBinding should reference")
	_ = cmd.MarkFlagRequired("clusterrole")
	f.addFlags(cmd, "clusterrole")
	return cmd
}

func rbacType(kind string) api.TypeMeta {
	return api.TypeMeta{APIVersion: api.RBACGroup + "/v1", Kind: kind}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsGR(list []groupResource, gr groupResource) bool {
	for _, x := range list {
		if x == gr {
			return true
		}
	}
	return false
}
