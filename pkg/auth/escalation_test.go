package auth

import (
	"strings"
	"testing"

	"kubelab/pkg/api"
)

func TestCovers(t *testing.T) {
	podsRW := pr(verbs("get", "list", "create", "delete").groups("").resources("pods", "pods/log"))
	tests := []struct {
		name      string
		owner     []api.PolicyRule
		requested []api.PolicyRule
		missing   []string // CompactString of each uncovered piece
	}{
		{"nothing requested", nil, nil, nil},
		{"the same rule", []api.PolicyRule{podsRW}, []api.PolicyRule{podsRW}, nil},
		{"a part of a rule", []api.PolicyRule{podsRW},
			[]api.PolicyRule{pr(verbs("get").groups("").resources("pods/log"))}, nil},
		{"pieces from two owner rules",
			[]api.PolicyRule{pr(verbs("get").groups("").resources("pods")), pr(verbs("list").groups("").resources("pods"))},
			[]api.PolicyRule{pr(verbs("get", "list").groups("").resources("pods"))}, nil},
		{"owner * covers anything", []api.PolicyRule{pr(verbs("*").groups("*").resources("*"))},
			[]api.PolicyRule{pr(verbs("*").groups("apps", "").resources("*", "pods/exec"))}, nil},
		{"requested * verb is covered by * only", []api.PolicyRule{podsRW},
			[]api.PolicyRule{pr(verbs("*").groups("").resources("pods"))},
			[]string{`{APIGroups:[""], Resources:["pods"], Verbs:["*"]}`}},
		{"requested * resource is covered by * only", []api.PolicyRule{podsRW},
			[]api.PolicyRule{pr(verbs("get").groups("").resources("*"))},
			[]string{`{APIGroups:[""], Resources:["*"], Verbs:["get"]}`}},
		{"requested * group is covered by * only", []api.PolicyRule{podsRW},
			[]api.PolicyRule{pr(verbs("get").groups("*").resources("pods"))},
			[]string{`{APIGroups:["*"], Resources:["pods"], Verbs:["get"]}`}},
		{"missing pieces only", []api.PolicyRule{podsRW},
			[]api.PolicyRule{pr(verbs("get", "delete", "update").groups("", "apps").resources("pods"))},
			[]string{
				`{APIGroups:[""], Resources:["pods"], Verbs:["update"]}`,
				`{APIGroups:["apps"], Resources:["pods"], Verbs:["get"]}`,
				`{APIGroups:["apps"], Resources:["pods"], Verbs:["delete"]}`,
				`{APIGroups:["apps"], Resources:["pods"], Verbs:["update"]}`,
			}},
		{"pods does not cover a subresource", []api.PolicyRule{podsRW},
			[]api.PolicyRule{pr(verbs("create").groups("").resources("pods/exec"))},
			[]string{`{APIGroups:[""], Resources:["pods/exec"], Verbs:["create"]}`}},
		{"*/scale covers any scale", []api.PolicyRule{pr(verbs("update").groups("apps").resources("*/scale"))},
			[]api.PolicyRule{pr(verbs("update").groups("apps").resources("replicasets/scale", "*/scale"))}, nil},
		{"names: no names covers any", []api.PolicyRule{pr(verbs("get").groups("").resources("secrets"))},
			[]api.PolicyRule{pr(verbs("get").groups("").resources("secrets").names("a", "b"))}, nil},
		{"names: only those named", []api.PolicyRule{pr(verbs("get").groups("").resources("secrets").names("a"))},
			[]api.PolicyRule{pr(verbs("get").groups("").resources("secrets").names("a", "b"))},
			[]string{`{APIGroups:[""], Resources:["secrets"], ResourceNames:["b"], Verbs:["get"]}`}},
		{"names do not cover all", []api.PolicyRule{pr(verbs("get").groups("").resources("secrets").names("a"))},
			[]api.PolicyRule{pr(verbs("get").groups("").resources("secrets"))},
			[]string{`{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}`}},
		{"urls: exact and by prefix", []api.PolicyRule{pr(verbs("get").urls("/healthz", "/apis/*"))},
			[]api.PolicyRule{pr(verbs("get").urls("/healthz", "/apis/apps", "/apis/apps/*"))}, nil},
		{"urls: not covered", []api.PolicyRule{pr(verbs("get").urls("/apis/*"))},
			[]api.PolicyRule{pr(verbs("get", "post").urls("/apis", "/apis/x"))},
			[]string{
				`{NonResourceURLs:["/apis"], Verbs:["get"]}`,
				`{NonResourceURLs:["/apis"], Verbs:["post"]}`,
				`{NonResourceURLs:["/apis/x"], Verbs:["post"]}`,
			}},
		{"a resource rule covers no url", []api.PolicyRule{pr(verbs("*").groups("*").resources("*"))},
			[]api.PolicyRule{pr(verbs("get").urls("/metrics"))},
			[]string{`{NonResourceURLs:["/metrics"], Verbs:["get"]}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, missing := Covers(tt.owner, tt.requested)
			var got []string
			for _, m := range missing {
				got = append(got, CompactString(m))
			}
			if ok != (len(tt.missing) == 0) || strings.Join(got, "\n") != strings.Join(tt.missing, "\n") {
				t.Errorf("covers = %v, missing:\n%s\nwant:\n%s", ok, strings.Join(got, "\n"), strings.Join(tt.missing, "\n"))
			}
		})
	}
}

func TestConfirmNoEscalation(t *testing.T) {
	r := rbacFixture()
	admin := &User{Name: "root", Groups: []string{GroupMasters}}
	jane := &User{Name: "jane", Groups: []string{"dev", GroupAuthenticated}}
	getPods := pr(verbs("get").groups("").resources("pods"))
	tests := []struct {
		name      string
		u         *User
		namespace string
		rules     []api.PolicyRule
		err       string
	}{
		{"masters grant anything", admin, "a", []api.PolicyRule{pr(verbs("*").groups("*").resources("*"))}, ""},
		{"what a role gives in its namespace", jane, "a", []api.PolicyRule{getPods}, ""},
		{"not in another namespace", jane, "c", []api.PolicyRule{getPods},
			`user "jane" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:` + "\n" +
				`{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`},
		{"more than held", jane, "a", []api.PolicyRule{pr(verbs("get", "delete").groups("").resources("pods", "secrets"))},
			`user "jane" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:` + "\n" +
				`{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}` + "\n" +
				`{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}` + "\n" +
				`{APIGroups:[""], Resources:["secrets"], Verbs:["delete"]}`},
		{"cluster-wide paths", jane, "", []api.PolicyRule{pr(verbs("get").urls("/apis/apps"))}, ""},
		{"no groups", &User{Name: "nobody"}, "", []api.PolicyRule{getPods},
			`user "nobody" (groups=[]) is attempting to grant RBAC permissions not currently held:` + "\n" +
				`{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ConfirmNoEscalation(r, tt.u, tt.namespace, tt.rules)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || err.Error() != tt.err) {
				t.Errorf("error = %v\nwant %s", err, tt.err)
			}
		})
	}
}
