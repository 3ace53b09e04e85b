package apiserver

import (
	"context"
	"fmt"
	"net/http"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
)

// CertificateSigningRequests (pkg/api/certificates.go) carry who asked for
// them, and only some may approve or sign them, as in Kubernetes:
//
//   - on create, the apiserver writes the requester into spec.username,
//     uid, groups and extra: the approver trusts those, never the client;
//   - the approval subresource changes only status.conditions, and needs
//     the verb approve on signers/<signerName> (certificates.k8s.io);
//   - the status subresource may set status.certificate only with the
//     verb sign on signers/<signerName>.

// setRequester records the caller in a new request and clears its status.
func setRequester(ctx context.Context, csr *api.CertificateSigningRequest) {
	csr.Status = api.CertificateSigningRequestStatus{}
	csr.Spec.Username, csr.Spec.UID, csr.Spec.Groups, csr.Spec.Extra = "", "", nil, nil
	if u := userFrom(ctx); u != nil {
		csr.Spec.Username, csr.Spec.UID, csr.Spec.Groups, csr.Spec.Extra = u.Name, u.UID, u.Groups, u.Extra
	}
}

// withConditionsOf is old with the conditions of obj: all the approval
// subresource may change.
func withConditionsOf(old, obj *api.CertificateSigningRequest) api.Object {
	out := api.DeepCopy(old)
	out.Status.Conditions = obj.Status.Conditions
	out.ObjectMeta.ResourceVersion = obj.ResourceVersion
	return out
}

// admitCSR checks who approves and who signs.
func (s *Server) admitCSR(ctx context.Context, u *auth.User, info requestInfo, csr *api.CertificateSigningRequest, old api.Object) *api.Status {
	var verb string
	switch info.subresource {
	case "approval":
		verb = "approve"
	case "status":
		if o, ok := old.(*api.CertificateSigningRequest); ok && string(o.Status.Certificate) == string(csr.Status.Certificate) {
			return nil
		}
		verb = "sign"
	default:
		return nil
	}
	d, _, _ := s.authz.Authorize(ctx, auth.Attributes{User: u, Verb: verb, ResourceRequest: true,
		APIGroup: api.CertificatesGroup, Resource: "signers", Name: csr.Spec.SignerName})
	if d != auth.Allow {
		return statusErr(http.StatusForbidden, "Forbidden", fmt.Sprintf("user %q may not %s certificate signing requests for signer %q",
			u.Name, verb, csr.Spec.SignerName))
	}
	return nil
}
