package api

// certificates.k8s.io/v1 CertificateSigningRequest: how a new node gets
// its client certificate without anyone copying keys around, as kubeadm
// join does it. The kubelet makes a key pair, sends a certificate request
// (PKCS#10, PEM) signed with it, and waits; a controller approves the
// request (automatically, for a node bootstrapping with a bootstrap
// token), another signs it with the cluster CA and writes the
// certificate into the status. The private key never leaves the node.

// CertificatesGroup is the API group of CertificateSigningRequest.
const CertificatesGroup = "certificates.k8s.io"

// Signers kubelab's signing controller serves, Kubernetes' names.
const (
	SignerKubeletClient  = "kubernetes.io/kube-apiserver-client-kubelet" // a kubelet's client certificate: CN system:node:<name>, O system:nodes
	SignerKubeletServing = "kubernetes.io/kubelet-serving"               // a kubelet's serving certificate
	SignerClient         = "kubernetes.io/kube-apiserver-client"         // any client certificate; approved by hand
)

// Usages of a certificate, Kubernetes' names.
const (
	UsageDigitalSignature = "digital signature"
	UsageKeyEncipherment  = "key encipherment"
	UsageClientAuth       = "client auth"
	UsageServerAuth       = "server auth"
)

// Condition types of a CertificateSigningRequest.
const (
	CertificateApproved = "Approved"
	CertificateDenied   = "Denied"
	CertificateFailed   = "Failed"
)

// CertificateSigningRequest asks for a certificate.
type CertificateSigningRequest struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       CertificateSigningRequestSpec   `json:"spec"`
	Status     CertificateSigningRequestStatus `json:"status,omitzero"`
}

// CertificateSigningRequestSpec is the request. The apiserver fills in
// who sent it (username, uid, groups); a client cannot.
type CertificateSigningRequestSpec struct {
	// Request is the PEM-encoded PKCS#10 request ("CERTIFICATE REQUEST"),
	// base64 in JSON.
	Request           []byte   `json:"request"`
	SignerName        string   `json:"signerName"`
	ExpirationSeconds *int32   `json:"expirationSeconds,omitempty"`
	Usages            []string `json:"usages,omitempty"`

	Username string              `json:"username,omitempty"`
	UID      string              `json:"uid,omitempty"`
	Groups   []string            `json:"groups,omitempty"`
	Extra    map[string][]string `json:"extra,omitempty"`
}

// CertificateSigningRequestStatus says whether the request is approved
// and, once signed, holds the certificate (PEM, base64 in JSON).
type CertificateSigningRequestStatus struct {
	Conditions  []CertificateSigningRequestCondition `json:"conditions,omitempty"`
	Certificate []byte                               `json:"certificate,omitempty"`
}

// CertificateSigningRequestCondition is Approved, Denied or Failed.
type CertificateSigningRequestCondition struct {
	Type               string `json:"type"`
	Status             string `json:"status"`
	Reason             string `json:"reason,omitempty"`
	Message            string `json:"message,omitempty"`
	LastUpdateTime     Time   `json:"lastUpdateTime,omitzero"`
	LastTransitionTime Time   `json:"lastTransitionTime,omitzero"`
}

// HasCondition tells whether the request has condition type set to True.
func (c *CertificateSigningRequest) HasCondition(typ string) bool {
	for _, cond := range c.Status.Conditions {
		if cond.Type == typ && cond.Status == ConditionTrue {
			return true
		}
	}
	return false
}
