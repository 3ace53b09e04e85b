package approver

import (
	"fmt"
	"net"
	"slices"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
)

const nodeUserPrefix = auth.NodeUserPrefix

// vouch decides on one request, and says why, either way. The request's
// shape (subject, SANs, usages) is api.ValidateKubeletRequest's to check,
// the same check validation and the signer make; who sent it is this
// file's.
func (c *Controller) vouch(csr *api.CertificateSigningRequest) (bool, string) {
	req, err := api.ParseCertificateRequest(csr.Spec.Request)
	if err != nil {
		return false, err.Error()
	}
	node, errs := api.ValidateKubeletRequest(csr.Spec.SignerName, req, csr.Spec.Usages)
	switch {
	case len(errs) > 0:
		return false, errs.Error()
	case node == "":
		return false, fmt.Sprintf("signer %q is not a kubelet signer", csr.Spec.SignerName)
	}
	self := csr.Spec.Username == req.Subject.CommonName && slices.Contains(csr.Spec.Groups, auth.GroupNodes)
	switch csr.Spec.SignerName {
	case api.SignerKubeletClient:
		if slices.Contains(csr.Spec.Groups, auth.GroupBootstrappers) {
			return true, "Auto approving kubelet client certificate for a node joining with a bootstrap token."
		}
		if self {
			return true, "Auto approving self kubelet client certificate renewal."
		}
		return false, fmt.Sprintf("%q is neither a bootstrapper nor node %q itself", csr.Spec.Username, node)
	case api.SignerKubeletServing:
		if !self {
			return false, fmt.Sprintf("%q is not node %q itself", csr.Spec.Username, node)
		}
		if why := c.ownNames(node, req.DNSNames, req.IPAddresses); why != "" {
			return false, why
		}
		return true, "Auto approving kubelet serving certificate for the node's own names and addresses."
	}
	return false, ""
}

// ownNames checks a serving certificate's SANs against what the Node
// reports: "" when every one is the node's, else what is not.
func (c *Controller) ownNames(node string, dnsNames []string, ips []net.IP) string {
	obj, ok := c.nodes.Get(node)
	if !ok {
		return fmt.Sprintf("node %q does not exist yet", node)
	}
	n := obj.(*api.Node)
	names := []string{n.Name}
	var addrs []net.IP
	for _, a := range n.Status.Addresses {
		switch a.Type {
		case api.NodeHostName:
			names = append(names, a.Address)
		case api.NodeInternalIP, api.NodeExternalIP:
			if ip := net.ParseIP(a.Address); ip != nil {
				addrs = append(addrs, ip)
			}
		}
	}
	for _, d := range dnsNames {
		if !slices.Contains(names, d) {
			return fmt.Sprintf("DNS name %q is not node %q's name or hostname", d, node)
		}
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(addrs, ip.Equal) {
			return fmt.Sprintf("IP address %s is not one of node %q's addresses", ip, node)
		}
	}
	return ""
}
