// Package auth answers the two questions the apiserver asks of every
// request, as Kubernetes does:
//
//   - who is calling (authentication): a client certificate signed by the
//     cluster CA (CN is the user, O the groups), or a bearer token;
//   - may they do this (authorization): RBAC's Roles and bindings, and the
//     node authorizer for kubelets.
//
// Everything here is pure: authenticators look at a request, authorizers
// at Attributes and at objects handed to them. The apiserver wires them
// to TLS, to its store and to HTTP answers (401, 403).
//
//	x509.go, tokenfile.go   authenticators: client certificates, a static token file
//	serviceaccount.go       ServiceAccount tokens: JWTs the apiserver signs, bound to a pod
//	bootstrap.go            bootstrap tokens, with which a new node asks for its certificate
//	union.go                tries authenticators in turn; adds system:authenticated
//	rbac.go                 the RBAC authorizer over Roles, ClusterRoles and bindings
//	escalation.go           a user grants only what it holds
//	policy.go               the default ClusterRoles and bindings, written at start
//	node.go                 the node authorizer and NodeRestriction admission, for kubelets
package auth

import (
	"context"
	"net/http"
)

// Well-known users and groups, with Kubernetes' names.
const (
	GroupMasters         = "system:masters"         // may do everything, unconditionally
	GroupAuthenticated   = "system:authenticated"   // every authenticated caller
	GroupNodes           = "system:nodes"           // kubelets
	GroupServiceAccounts = "system:serviceaccounts" // every ServiceAccount
	NodeUserPrefix       = "system:node:"           // a kubelet is system:node:<node name>
	ServiceAccountPrefix = "system:serviceaccount:" // system:serviceaccount:<namespace>:<name>

	UserKubeScheduler         = "system:kube-scheduler"
	UserKubeControllerManager = "system:kube-controller-manager"
	UserKubeProxy             = "system:kube-proxy"
	UserAPIServer             = "kube-apiserver-kubelet-client" // the apiserver, calling kubelets
)

// User is an authenticated caller.
type User struct {
	Name   string              `json:"username"`
	UID    string              `json:"uid,omitempty"`
	Groups []string            `json:"groups,omitempty"`
	Extra  map[string][]string `json:"extra,omitempty"`
}

// InGroup tells whether u belongs to group g.
func (u *User) InGroup(g string) bool {
	for _, x := range u.Groups {
		if x == g {
			return true
		}
	}
	return false
}

// Authenticator finds who sent a request. ok is false, with a nil error,
// when the request carries no credentials of the kind it knows; an error
// means it carried some and they are wrong (expired, unknown, badly
// signed): the request is refused, it does not fall through.
type Authenticator interface {
	AuthenticateRequest(r *http.Request) (u *User, ok bool, err error)
}

// Attributes are what an authorizer decides on: who, which verb, and
// either a resource (with its group, namespace, name, subresource) or a
// non-resource path such as /healthz.
type Attributes struct {
	User *User
	Verb string // get, list, watch, create, update, patch, delete, deletecollection; for paths: get, post, put, delete

	ResourceRequest bool
	APIGroup        string // "" for the core group
	Resource        string // pods
	Subresource     string // status, log, exec, binding, ...
	Namespace       string // "" for cluster-scoped resources, or across all namespaces
	Name            string // "" for a list, a watch of many or a create without a name

	Path string // the request path, for a non-resource request
}

// Decision is an authorizer's answer.
type Decision int

const (
	// NoOpinion lets the next authorizer decide; if none allows, the
	// request is forbidden.
	NoOpinion Decision = iota
	// Allow permits the request.
	Allow
	// Deny forbids it, whatever later authorizers say.
	Deny
)

// Authorizer decides on one request. reason says why, for the 403's text
// and for SubjectAccessReview.
type Authorizer interface {
	Authorize(ctx context.Context, a Attributes) (d Decision, reason string, err error)
}
