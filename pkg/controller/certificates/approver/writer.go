package approver

import (
	"context"
	"net/http"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// ApprovalWriter writes a request's approval subresource: a PUT of the
// whole object, of which the apiserver keeps only status.conditions, and
// only if the writer may approve for the request's signer.
// controller.Writer has no such write; this is the one the approver
// needs.
type ApprovalWriter interface {
	UpdateApproval(ctx context.Context, csr *api.CertificateSigningRequest) error
}

// NewApprovalWriter returns an ApprovalWriter that goes through the REST
// client.
func NewApprovalWriter(c *client.Client) ApprovalWriter { return clientApprovals{c} }

type clientApprovals struct{ c *client.Client }

func (a clientApprovals) UpdateApproval(ctx context.Context, csr *api.CertificateSigningRequest) error {
	api.SetTypeMeta(csr)
	return a.c.For(csr).Subresource(ctx, http.MethodPut, csr.Name, "approval", csr, nil)
}
