package kctl

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
)

// kctl auth can-i asks whether the caller may make a request: it POSTs a
// SelfSubjectAccessReview naming the request's attributes, and prints the
// apiserver's yes or no. The exit code says it too (0 yes, 1 no), for
// scripts.

// canIOptions are can-i's flags.
type canIOptions struct {
	allNamespaces bool
	subresource   string
	quiet         bool
	list          bool
}

func newCanICommand(g *globals) *cobra.Command {
	var o canIOptions
	cmd := &cobra.Command{
		Use:   "can-i VERB [TYPE | TYPE/NAME | NONRESOURCEURL]",
		Short: "Ask whether you may do something: prints yes or no",
		Long: "can-i asks the apiserver's authorizer whether the request would be allowed. VERB is\n" +
			"an API verb (get, list, watch, create, update, patch, delete, …), TYPE a resource\n" +
			"type as kctl get takes it (pods, po, deployments.apps), NAME one object's name, and\n" +
			"NONRESOURCEURL a path that starts with / (/healthz). kctl exits 0 for yes, 1 for no.",
		Example: "  kctl auth can-i create pods\n  kctl auth can-i list nodes\n" +
			"  kctl auth can-i get pods/kubia -n lab\n  kctl auth can-i get pods --subresource=log\n" +
			"  kctl auth can-i '*' '*' -A\n  kctl auth can-i get /healthz",
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.list {
				return errors.New("kctl auth can-i --list is not supported yet")
			}
			review, warnings, err := accessReview(args, g.namespace, g.namespaceSet, o)
			if err != nil {
				return err
			}
			for _, w := range warnings {
				fmt.Fprintln(g.errOut, "Warning: "+w)
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			if err := postReview(cmd.Context(), c, selfSubjectAccessReviewsPath, &review); err != nil {
				return err
			}
			out := g.out
			if o.quiet {
				out = io.Discard
			}
			fmt.Fprintln(out, answerLine(review.Status))
			if !review.Status.Allowed {
				return errReported // the answer is the report: exit 1, print nothing more
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "ask about every namespace at once")
	f.StringVar(&o.subresource, "subresource", "", "ask about a subresource of TYPE, such as log or scale")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing: the exit code answers")
	f.BoolVar(&o.list, "list", false, "list everything you may do (not supported yet)")
	return cmd
}

// accessReview turns can-i's arguments into the review to ask, with any
// warnings to print first. TYPE is looked up as kctl get looks it up; a
// type kctl does not know is asked about as typed, with a warning, since
// the apiserver may know it. A cluster-scoped type is asked about with no
// namespace (kubectl sends the namespace anyway and warns).
func accessReview(args []string, namespace string, namespaceSet bool, o canIOptions) (api.SelfSubjectAccessReview, []string, error) {
	review := api.SelfSubjectAccessReview{TypeMeta: api.TypeMeta{APIVersion: api.AuthorizationGroup + "/v1", Kind: "SelfSubjectAccessReview"}}
	if len(args) != 2 {
		return review, nil, errors.New("you must specify two arguments: verb resource or verb resource/resourceName")
	}
	verb, what := args[0], args[1]
	var warnings []string
	if strings.HasPrefix(what, "/") {
		if o.subresource != "" {
			return review, nil, errors.New("--subresource can not be used with a NONRESOURCEURL")
		}
		if !slices.Contains(nonResourceVerbs, verb) {
			warnings = append(warnings, fmt.Sprintf("verb '%s' is not a known verb for a URL", verb))
		}
		review.Spec.NonResourceAttributes = &api.NonResourceAttributes{Path: what, Verb: verb}
		return review, warnings, nil
	}
	if !slices.Contains(resourceVerbs, verb) {
		warnings = append(warnings, fmt.Sprintf("verb '%s' is not a known verb", verb))
	}
	typ, name, _ := strings.Cut(what, "/")
	attrs := &api.ResourceAttributes{Namespace: namespace, Verb: verb, Subresource: o.subresource, Name: name}
	if o.allNamespaces {
		attrs.Namespace = ""
	}
	res, known := api.Lookup(typ)
	switch {
	case typ == "*":
		attrs.Resource = "*"
	case known:
		attrs.Group, attrs.Resource = res.Group, res.Name
		if !res.Namespaced {
			if namespaceSet && !o.allNamespaces {
				warnings = append(warnings, fmt.Sprintf("resource '%s' is not namespace scoped", res.Name))
			}
			attrs.Namespace = ""
		}
	default:
		warnings = append(warnings, fmt.Sprintf("the server doesn't have a resource type '%s'", typ))
		attrs.Resource, attrs.Group, _ = strings.Cut(strings.ToLower(typ), ".")
	}
	review.Spec.ResourceAttributes = attrs
	return review, warnings, nil
}

// The verbs RBAC rules name, on resources and on URLs. Another verb is
// asked about all the same, after a warning: it is likely a typo.
var (
	resourceVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
		"use", "bind", "escalate", "impersonate", "approve", "sign", "attest", "*"}
	nonResourceVerbs = []string{"get", "put", "post", "head", "options", "delete", "patch", "*"}
)

// answerLine is kubectl's answer: yes, or no followed by the authorizer's
// reason and evaluation error when it gave them.
func answerLine(s api.SubjectAccessReviewStatus) string {
	if s.Allowed {
		return "yes"
	}
	line := "no"
	if s.Reason != "" {
		line += " - " + s.Reason
	}
	if s.EvaluationError != "" {
		line += " - " + s.EvaluationError
	}
	return line
}
