package api

// The review kinds: a client asks the apiserver a question about itself
// and gets the answer back in the object's status. They are created, never
// stored: POST one, read the answer, and it is gone.
//
//	kctl auth can-i delete pods     POST selfsubjectaccessreviews (authorization.k8s.io/v1)
//	kctl auth whoami                POST selfsubjectreviews (authentication.k8s.io/v1)

// API groups of the review kinds.
const (
	AuthorizationGroup  = "authorization.k8s.io"
	AuthenticationGroup = "authentication.k8s.io"
)

// SelfSubjectAccessReview asks: may I do this?
type SelfSubjectAccessReview struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       SelfSubjectAccessReviewSpec `json:"spec"`
	Status     SubjectAccessReviewStatus   `json:"status"`
}

// SelfSubjectAccessReviewSpec names one request: on a resource, or on a
// path such as /healthz. Exactly one of the two is set.
type SelfSubjectAccessReviewSpec struct {
	ResourceAttributes    *ResourceAttributes    `json:"resourceAttributes,omitempty"`
	NonResourceAttributes *NonResourceAttributes `json:"nonResourceAttributes,omitempty"`
}

// ResourceAttributes describe a request on a resource. Empty namespace
// means all namespaces (or a cluster-scoped resource), empty name all
// objects; "*" means any verb, group or resource.
type ResourceAttributes struct {
	Namespace   string `json:"namespace,omitempty"`
	Verb        string `json:"verb,omitempty"`
	Group       string `json:"group,omitempty"`
	Version     string `json:"version,omitempty"`
	Resource    string `json:"resource,omitempty"`
	Subresource string `json:"subresource,omitempty"`
	Name        string `json:"name,omitempty"`
}

// NonResourceAttributes describe a request on a path.
type NonResourceAttributes struct {
	Path string `json:"path,omitempty"`
	Verb string `json:"verb,omitempty"`
}

// SubjectAccessReviewStatus is the answer.
type SubjectAccessReviewStatus struct {
	Allowed         bool   `json:"allowed"`
	Denied          bool   `json:"denied,omitempty"`
	Reason          string `json:"reason,omitempty"`
	EvaluationError string `json:"evaluationError,omitempty"`
}

// SelfSubjectReview asks: who am I? The status says how the apiserver
// authenticated the request.
type SelfSubjectReview struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Status     SelfSubjectReviewStatus `json:"status"`
}

// SelfSubjectReviewStatus holds the caller's identity.
type SelfSubjectReviewStatus struct {
	UserInfo UserInfo `json:"userInfo"`
}

// UserInfo is an authenticated user: name, uid, groups.
type UserInfo struct {
	Username string              `json:"username,omitempty"`
	UID      string              `json:"uid,omitempty"`
	Groups   []string            `json:"groups,omitempty"`
	Extra    map[string][]string `json:"extra,omitempty"`
}

// TokenRequest asks for a token of a ServiceAccount: POST it to
// serviceaccounts/{name}/token and the answer carries a signed token in
// its status. The kubelet asks for one per pod, bound to the pod, and
// mounts it; kctl create token asks for one by hand.
type TokenRequest struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       TokenRequestSpec   `json:"spec"`
	Status     TokenRequestStatus `json:"status"`
}

// TokenRequestSpec says who the token is for and how long it lives.
type TokenRequestSpec struct {
	// Audiences the token is meant for; empty means the apiserver's own.
	Audiences []string `json:"audiences"`
	// ExpirationSeconds is the token's life; default an hour, at least
	// ten minutes, at most a day (kubelab's bounds).
	ExpirationSeconds *int64 `json:"expirationSeconds,omitempty"`
	// BoundObjectRef ties the token to a Pod (or Secret): once that
	// object is gone, or replaced by another of the same name, the token
	// is refused.
	BoundObjectRef *BoundObjectReference `json:"boundObjectRef,omitempty"`
}

// BoundObjectReference names the object a token is bound to.
type BoundObjectReference struct {
	Kind       string `json:"kind,omitempty"`
	APIVersion string `json:"apiVersion,omitempty"`
	Name       string `json:"name,omitempty"`
	UID        string `json:"uid,omitempty"`
}

// TokenRequestStatus is the token and when it expires.
type TokenRequestStatus struct {
	Token               string `json:"token"`
	ExpirationTimestamp Time   `json:"expirationTimestamp"`
}
