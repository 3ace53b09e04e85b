package api

import (
	"os"
	"testing"
)

func TestValidateRole(t *testing.T) {
	valid := func() *Role {
		return &Role{ObjectMeta: ObjectMeta{Name: "pod-reader", Namespace: "default"},
			Rules: []PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "watch", "list"}}}}
	}
	tests := []struct {
		name   string
		mutate func(*Role)
		want   []string
	}{
		{"valid", func(*Role) {}, nil},
		{"no rules", func(r *Role) { r.Rules = nil }, nil},
		{"a name with colons", func(r *Role) { r.Name = "system:controller:pod-reader" }, nil},
		{"resource names", func(r *Role) { r.Rules[0].ResourceNames = []string{"kubia"} }, nil},
		{"name with a slash", func(r *Role) { r.Name = "pods/reader" }, []string{`metadata.name: Invalid value: "pods/reader": may not contain '/'`}},
		{"name dot dot", func(r *Role) { r.Name = ".." }, []string{`metadata.name: Invalid value: "..": may not be '..'`}},
		{"no verbs", func(r *Role) { r.Rules[0].Verbs = nil }, []string{"rules[0].verbs: Required value: verbs must contain at least one value"}},
		{"no api groups", func(r *Role) { r.Rules[0].APIGroups = nil },
			[]string{"rules[0].apiGroups: Required value: resource rules must supply at least one api group"}},
		{"no resources", func(r *Role) { r.Rules[0].Resources = nil },
			[]string{"rules[0].resources: Required value: resource rules must supply at least one resource"}},
		{"empty rule", func(r *Role) { r.Rules = []PolicyRule{{}} }, []string{
			"rules[0].verbs: Required value: verbs must contain at least one value",
			"rules[0].apiGroups: Required value: resource rules must supply at least one api group",
			"rules[0].resources: Required value: resource rules must supply at least one resource"}},
		{"non-resource URLs in a namespace", func(r *Role) { r.Rules = []PolicyRule{{NonResourceURLs: []string{"/healthz"}, Verbs: []string{"get"}}} },
			[]string{`rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.mutate(r)
			checkErrors(t, Validate(r), tt.want)
		})
	}
}

func TestValidateClusterRole(t *testing.T) {
	valid := func() *ClusterRole {
		return &ClusterRole{ObjectMeta: ObjectMeta{Name: "health-reader"},
			Rules: []PolicyRule{{NonResourceURLs: []string{"/healthz", "/readyz"}, Verbs: []string{"get"}}}}
	}
	tests := []struct {
		name   string
		mutate func(*ClusterRole)
		want   []string
	}{
		{"valid", func(*ClusterRole) {}, nil},
		{"aggregation rule is accepted", func(r *ClusterRole) {
			r.AggregationRule = &AggregationRule{ClusterRoleSelectors: []LabelSelector{{MatchLabels: map[string]string{"rbac.example.com/aggregate-to-monitoring": "true"}}}}
		}, nil},
		{"aggregation rule without selectors", func(r *ClusterRole) { r.AggregationRule = &AggregationRule{} },
			[]string{"aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil"}},
		{"aggregation rule with a bad selector", func(r *ClusterRole) {
			r.AggregationRule = &AggregationRule{ClusterRoleSelectors: []LabelSelector{{MatchExpressions: []LabelSelectorRequirement{{Key: "a", Operator: "In"}}}}}
		}, []string{"aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"}},
		{"namespace set", func(r *ClusterRole) { r.Namespace = "default" }, []string{"metadata.namespace: Forbidden: not allowed on this type"}},
		{"URLs and resources in one rule", func(r *ClusterRole) { r.Rules[0].Resources = []string{"pods"} },
			[]string{`rules[0].nonResourceURLs: Invalid value: []string{"/healthz", "/readyz"}: rules cannot apply to both regular resources and non-resource URLs`}},
		{"no verbs", func(r *ClusterRole) { r.Rules[0].Verbs = nil }, []string{"rules[0].verbs: Required value: verbs must contain at least one value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.mutate(r)
			checkErrors(t, Validate(r), tt.want)
		})
	}
}

func TestValidateRoleBinding(t *testing.T) {
	valid := func() *RoleBinding {
		return &RoleBinding{ObjectMeta: ObjectMeta{Name: "read-pods", Namespace: "default"},
			Subjects: []Subject{{Kind: "User", Name: "jane"}, {Kind: "ServiceAccount", Name: "default"}},
			RoleRef:  RoleRef{Kind: "Role", Name: "pod-reader"}}
	}
	tests := []struct {
		name   string
		mutate func(*RoleBinding)
		want   []string
	}{
		{"valid", func(*RoleBinding) {}, nil},
		{"a cluster role", func(b *RoleBinding) { b.RoleRef.Kind = "ClusterRole" }, nil},
		{"no subjects", func(b *RoleBinding) { b.Subjects = nil }, nil},
		{"a group", func(b *RoleBinding) { b.Subjects = []Subject{{Kind: "Group", Name: "system:serviceaccounts"}} }, nil},
		{"no roleRef", func(b *RoleBinding) { b.RoleRef = RoleRef{} }, []string{
			`roleRef.kind: Unsupported value: "": supported values: "Role", "ClusterRole"`,
			"roleRef.name: Required value"}},
		{"roleRef of another group", func(b *RoleBinding) { b.RoleRef.APIGroup = "rbac.example.com" },
			[]string{`roleRef.apiGroup: Unsupported value: "rbac.example.com": supported values: "rbac.authorization.k8s.io"`}},
		{"roleRef to a pod", func(b *RoleBinding) { b.RoleRef.Kind = "Pod" },
			[]string{`roleRef.kind: Unsupported value: "Pod": supported values: "Role", "ClusterRole"`}},
		{"roleRef name with a slash", func(b *RoleBinding) { b.RoleRef.Name = "a/b" },
			[]string{`roleRef.name: Invalid value: "a/b": may not contain '/'`}},
		{"subject of unknown kind", func(b *RoleBinding) { b.Subjects[0].Kind = "user" },
			[]string{`subjects[0].kind: Unsupported value: "user": supported values: "ServiceAccount", "User", "Group"`}},
		{"subject without a name", func(b *RoleBinding) { b.Subjects[0].Name = "" }, []string{"subjects[0].name: Required value"}},
		{"user of another group", func(b *RoleBinding) { b.Subjects[0].APIGroup = "example.com" },
			[]string{`subjects[0].apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"`}},
		{"service account with an apiGroup", func(b *RoleBinding) { b.Subjects[1].APIGroup = RBACGroup },
			[]string{`subjects[1].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""`}},
		{"service account with a bad name", func(b *RoleBinding) { b.Subjects[1].Name = "Default" },
			[]string{`subjects[1].name: Invalid value: "Default": ` + subdomainMsg}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := valid()
			tt.mutate(b)
			SetDefaults(b)
			checkErrors(t, Validate(b), tt.want)
		})
	}
}

func TestValidateClusterRoleBinding(t *testing.T) {
	valid := func() *ClusterRoleBinding {
		return &ClusterRoleBinding{ObjectMeta: ObjectMeta{Name: "system:monitoring"},
			Subjects: []Subject{{Kind: "ServiceAccount", Name: "prometheus", Namespace: "monitoring"}},
			RoleRef:  RoleRef{APIGroup: RBACGroup, Kind: "ClusterRole", Name: "view"}}
	}
	tests := []struct {
		name   string
		mutate func(*ClusterRoleBinding)
		want   []string
	}{
		{"valid", func(*ClusterRoleBinding) {}, nil},
		{"a role", func(b *ClusterRoleBinding) { b.RoleRef.Kind = "Role" },
			[]string{`roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"`}},
		{"service account without a namespace", func(b *ClusterRoleBinding) { b.Subjects[0].Namespace = "" },
			[]string{"subjects[0].namespace: Required value"}},
		{"namespace set", func(b *ClusterRoleBinding) { b.Namespace = "default" }, []string{"metadata.namespace: Forbidden: not allowed on this type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := valid()
			tt.mutate(b)
			SetDefaults(b)
			checkErrors(t, Validate(b), tt.want)
		})
	}
}

func TestBindingDefaults(t *testing.T) {
	b := &RoleBinding{Subjects: []Subject{{Kind: "User", Name: "jane"}, {Kind: "Group", Name: "devs"}, {Kind: "ServiceAccount", Name: "default"}},
		RoleRef: RoleRef{Kind: "Role", Name: "pod-reader"}}
	SetDefaults(b)
	if b.RoleRef.APIGroup != RBACGroup || b.Subjects[0].APIGroup != RBACGroup || b.Subjects[1].APIGroup != RBACGroup {
		t.Errorf("apiGroups not defaulted: %+v", b)
	}
	if s := b.Subjects[2]; s.APIGroup != "" || s.Namespace != "" {
		t.Errorf("a ServiceAccount subject gets no apiGroup, and keeps its empty namespace (the binding's): %+v", s)
	}
}

func TestRoleRefIsImmutable(t *testing.T) {
	old := &RoleBinding{ObjectMeta: ObjectMeta{Name: "read-pods", Namespace: "default"}, RoleRef: RoleRef{APIGroup: RBACGroup, Kind: "Role", Name: "pod-reader"}}
	changed := DeepCopy(old)
	changed.Subjects = []Subject{{Kind: "User", APIGroup: RBACGroup, Name: "jane"}}
	checkErrors(t, ValidateUpdate(changed, old), nil) // subjects may change
	changed.RoleRef.Name = "admin"
	checkErrors(t, ValidateUpdate(changed, old), []string{
		`roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"admin"}: cannot change roleRef`})

	oldC := &ClusterRoleBinding{ObjectMeta: ObjectMeta{Name: "admins"}, RoleRef: RoleRef{APIGroup: RBACGroup, Kind: "ClusterRole", Name: "view"}}
	changedC := DeepCopy(oldC)
	changedC.RoleRef.Name = "cluster-admin"
	checkErrors(t, ValidateUpdate(changedC, oldC), []string{
		`roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"cluster-admin"}: cannot change roleRef`})
}

// TestRBACExample admits examples/rbac.yaml as the apiserver would: it
// decodes, defaults and validates with no error and no warning.
func TestRBACExample(t *testing.T) {
	data, err := os.ReadFile("../../examples/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := SplitDocuments(data)
	if err != nil || len(docs) != 2 {
		t.Fatalf("%d documents, %v", len(docs), err)
	}
	warnings, err := admit(data)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("error %v, warnings %v", err, warnings)
	}
	obj, res, _, _ := Decode(docs[1])
	rb, ok := obj.(*RoleBinding)
	if !ok || res.Name != "rolebindings" || !res.Namespaced {
		t.Fatalf("decoded %T as %s", obj, res.Name)
	}
	if rb.RoleRef != (RoleRef{APIGroup: RBACGroup, Kind: "Role", Name: "pod-reader"}) || len(rb.Subjects) != 1 || rb.Subjects[0].Name != "jane" {
		t.Errorf("binding = %+v", rb)
	}
}

func TestRBACRegistry(t *testing.T) {
	for _, tt := range []struct {
		lookup, kind string
		namespaced   bool
	}{
		{"roles", "Role", true}, {"rolebinding", "RoleBinding", true},
		{"clusterroles.rbac.authorization.k8s.io", "ClusterRole", false}, {"ClusterRoleBinding", "ClusterRoleBinding", false},
	} {
		r, ok := Lookup(tt.lookup)
		if !ok || r.Kind != tt.kind || r.Namespaced != tt.namespaced || r.APIVersion() != "rbac.authorization.k8s.io/v1" || len(r.ShortNames) != 0 {
			t.Errorf("Lookup(%q) = %+v, %v", tt.lookup, r, ok)
		}
	}
}
