package api

// Role-based access control, rbac.authorization.k8s.io/v1: a Role lists
// what may be done (verbs on resources), a RoleBinding says who may do it
// (users, groups, ServiceAccounts). Role and RoleBinding live in one
// namespace and grant only there; ClusterRole and ClusterRoleBinding are
// cluster-wide. A RoleBinding may also refer to a ClusterRole, to grant
// that role's rules in its own namespace.
//
// The apiserver's RBAC authorizer (pkg/auth) enforces them, with a default
// policy it keeps in place at start: cluster-admin for system:masters, a
// role for each component, and admin, edit and view to bind.

// RBACGroup is the API group of the RBAC kinds, and the apiGroup of a
// roleRef and of User and Group subjects.
const RBACGroup = "rbac.authorization.k8s.io"

// Kinds of Subject.
const (
	SubjectUser           = "User"
	SubjectGroup          = "Group"
	SubjectServiceAccount = "ServiceAccount"
)

// PolicyRule allows verbs on resources, or on non-resource URLs such as
// /healthz (those only in a ClusterRole). "*" means every verb, group or
// resource.
type PolicyRule struct {
	Verbs           []string `json:"verbs"`
	APIGroups       []string `json:"apiGroups,omitempty"`
	Resources       []string `json:"resources,omitempty"`
	ResourceNames   []string `json:"resourceNames,omitempty"`
	NonResourceURLs []string `json:"nonResourceURLs,omitempty"`
}

// Role is a set of rules within one namespace.
type Role struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Rules      []PolicyRule `json:"rules"`
}

// ClusterRole is a set of rules for the whole cluster, or for one
// namespace when a RoleBinding refers to it.
type ClusterRole struct {
	TypeMeta        `json:",inline"`
	ObjectMeta      `json:"metadata"`
	Rules           []PolicyRule     `json:"rules"`
	AggregationRule *AggregationRule `json:"aggregationRule,omitempty"`
}

// AggregationRule is accepted, validated and stored, but ignored: kubelab
// has no controller that gathers the rules of the selected ClusterRoles
// into this one (Kubernetes' clusterroleaggregation controller), so the
// role's rules are only those written in it.
type AggregationRule struct {
	ClusterRoleSelectors []LabelSelector `json:"clusterRoleSelectors,omitempty"`
}

// Subject is who a binding grants to: a User or Group (apiGroup
// rbac.authorization.k8s.io), or a ServiceAccount (apiGroup "", with its
// namespace; in a RoleBinding an empty namespace means the binding's).
type Subject struct {
	Kind      string `json:"kind"`
	APIGroup  string `json:"apiGroup,omitempty"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

// RoleRef names the Role or ClusterRole a binding grants. It cannot change
// once the binding exists: delete and create the binding instead.
type RoleRef struct {
	APIGroup string `json:"apiGroup"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
}

// RoleBinding grants a Role (or a ClusterRole) to subjects in its namespace.
type RoleBinding struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Subjects   []Subject `json:"subjects,omitempty"`
	RoleRef    RoleRef   `json:"roleRef"`
}

// ClusterRoleBinding grants a ClusterRole to subjects in every namespace.
type ClusterRoleBinding struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Subjects   []Subject `json:"subjects,omitempty"`
	RoleRef    RoleRef   `json:"roleRef"`
}

// setBindingDefaults fills in the apiGroups Kubernetes defaults: the
// roleRef's, and a User's or Group's.
func setBindingDefaults(ref *RoleRef, subjects []Subject) {
	defaultString(&ref.APIGroup, RBACGroup)
	for i := range subjects {
		if s := &subjects[i]; s.Kind == SubjectUser || s.Kind == SubjectGroup {
			defaultString(&s.APIGroup, RBACGroup)
		}
	}
}
