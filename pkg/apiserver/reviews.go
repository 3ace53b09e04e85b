package apiserver

import (
	"fmt"
	"net/http"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
)

// The review resources answer a question about the caller and store
// nothing: POST a SelfSubjectAccessReview ("may I delete pods in ns1?")
// or a SelfSubjectReview ("who am I?") and the same object comes back
// with its status filled in. kubectl auth can-i and auth whoami use them.

// reviewResource is one of them: a create-only resource outside the
// registry, since nothing of it is stored.
type reviewResource struct {
	group, name, kind string
}

var reviewResources = []reviewResource{
	{api.AuthenticationGroup, "selfsubjectreviews", "SelfSubjectReview"},
	{api.AuthorizationGroup, "selfsubjectaccessreviews", "SelfSubjectAccessReview"},
}

// reviewOf is the review resource a path names, if any.
func reviewOf(path string) (reviewResource, bool) {
	for _, rr := range reviewResources {
		if strings.TrimSuffix(path, "/") == "/apis/"+rr.group+"/v1/"+rr.name {
			return rr, true
		}
	}
	return reviewResource{}, false
}

// serveReview answers a POST to a review resource.
func (s *Server) serveReview(w http.ResponseWriter, r *http.Request, rr reviewResource) {
	if r.Method != http.MethodPost {
		writeStatus(w, methodNotAllowed(rr.name+" takes create"))
		return
	}
	u := userFrom(r.Context())
	if u == nil {
		writeStatus(w, statusErr(http.StatusUnauthorized, "Unauthorized", "Unauthorized"))
		return
	}
	body, _, st := s.readBody(w, r, objectTypes)
	if st != nil {
		writeStatus(w, st)
		return
	}
	switch rr.name {
	case "selfsubjectreviews":
		var review api.SelfSubjectReview
		if st := decodeReview(body, &review, rr); st != nil {
			writeStatus(w, st)
			return
		}
		review.Status.UserInfo = api.UserInfo{Username: u.Name, UID: u.UID, Groups: u.Groups, Extra: u.Extra}
		writeJSON(w, http.StatusCreated, review)
	case "selfsubjectaccessreviews":
		var review api.SelfSubjectAccessReview
		if st := decodeReview(body, &review, rr); st != nil {
			writeStatus(w, st)
			return
		}
		a, st := reviewAttributes(review.Spec, u)
		if st != nil {
			writeStatus(w, st)
			return
		}
		d, reason, err := s.authz.Authorize(r.Context(), a)
		review.Status = api.SubjectAccessReviewStatus{Allowed: d == auth.Allow, Denied: d == auth.Deny, Reason: reason}
		if err != nil {
			review.Status.EvaluationError = err.Error()
		}
		writeJSON(w, http.StatusCreated, review)
	}
}

// decodeReview decodes a review, whose apiVersion and kind, when given,
// must be the resource's.
func decodeReview(body []byte, into api.Object, rr reviewResource) *api.Status {
	if len(strings.TrimSpace(string(body))) == 0 {
		return badRequest("the request body is empty; send a " + rr.kind)
	}
	if _, err := api.DecodeInto(body, into); err != nil {
		return badRequest(fmt.Sprintf("the body is not a valid %s: %v", rr.kind, err))
	}
	tm := into.GetTypeMeta()
	if tm.Kind != "" && tm.Kind != rr.kind || tm.APIVersion != "" && tm.APIVersion != rr.group+"/v1" {
		return badRequest(fmt.Sprintf("the body is a %s %s, not a %s/v1 %s", tm.APIVersion, tm.Kind, rr.group, rr.kind))
	}
	tm.APIVersion, tm.Kind = rr.group+"/v1", rr.kind
	return nil
}

// reviewAttributes turns a review's spec into what the authorizers judge.
func reviewAttributes(spec api.SelfSubjectAccessReviewSpec, u *auth.User) (auth.Attributes, *api.Status) {
	ra, na := spec.ResourceAttributes, spec.NonResourceAttributes
	switch {
	case ra != nil && na != nil:
		return auth.Attributes{}, badRequest("spec: resourceAttributes and nonResourceAttributes may not both be set")
	case ra != nil:
		return auth.Attributes{User: u, Verb: ra.Verb, ResourceRequest: true, APIGroup: ra.Group, Resource: ra.Resource,
			Subresource: ra.Subresource, Namespace: ra.Namespace, Name: ra.Name}, nil
	case na != nil:
		return auth.Attributes{User: u, Verb: na.Verb, Path: na.Path}, nil
	}
	return auth.Attributes{}, badRequest("spec: one of resourceAttributes and nonResourceAttributes is required")
}
