package api

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Validation of CertificateSigningRequest, as Kubernetes'
// pkg/apis/certificates/validation. The request must be a PKCS#10 request
// whose signature checks (so the sender holds the key), addressed to a
// signer by a qualified name, for usages Kubernetes knows. The two
// kubelet signers ask more, what Kubernetes' signer checks before it
// signs (pkg/apis/certificates/helpers.go): a kubelet's certificate says
// system:node:<name> in system:nodes and nothing else. Checking it here
// refuses a hopeless request at once instead of leaving it to fail later.
//
// Once stored, the request is the request: spec never changes; an
// approval, a denial or a failure is never taken back; a certificate,
// once issued, is never replaced (validateCertificateSigningRequestUpdate).

// certificateUsages are the usages Kubernetes knows (its KeyUsage values).
var certificateUsages = []string{
	"signing", UsageDigitalSignature, "content commitment", UsageKeyEncipherment, "key agreement",
	"data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any",
	UsageServerAuth, UsageClientAuth, "code signing", "email protection", "s/mime",
	"ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
	"microsoft sgc", "netscape sgc",
}

// minExpirationSeconds is the shortest certificate one may ask for.
const minExpirationSeconds = 600

// What a kubelet's certificate names, as pkg/auth names the user and group.
const (
	kubeletUserPrefix = "system:node:"
	kubeletGroup      = "system:nodes"
)

// Placeholders for certificate data in errors, as Kubernetes prints them.
const (
	requestData     = "<request data>"
	certificateData = "<certificate data>"
)

func validateCertificateSigningRequest(csr *CertificateSigningRequest) ErrorList {
	errs := validateObjectMeta(&csr.ObjectMeta, false, IsValidPathSegmentName, "")
	spec := fieldPath("spec")
	var req *x509.CertificateRequest
	if len(csr.Spec.Request) == 0 {
		errs = append(errs, required(spec.child("request"), ""))
	} else if r, err := ParseCertificateRequest(csr.Spec.Request); err != nil {
		errs = append(errs, invalid(spec.child("request"), requestData, err.Error()))
	} else {
		req = r
	}
	errs = append(errs, validateSignerName(spec.child("signerName"), csr.Spec.SignerName)...)
	if s := csr.Spec.ExpirationSeconds; s != nil && *s < minExpirationSeconds {
		errs = append(errs, invalid(spec.child("expirationSeconds"), *s, "may not specify a duration less than 600 seconds (10 minutes)"))
	}
	errs = append(errs, validateUsages(csr.Spec.Usages, spec.child("usages"))...)
	if req != nil {
		_, kubeletErrs := ValidateKubeletRequest(csr.Spec.SignerName, req, csr.Spec.Usages)
		errs = append(errs, kubeletErrs...)
	}
	errs = append(errs, validateCSRConditions(csr.Status.Conditions, fieldPath("status").child("conditions"))...)
	errs = append(errs, validateIssuedCertificate(csr, fieldPath("status").child("certificate"))...)
	return errs
}

// ParseCertificateRequest reads spec.request: a PEM "CERTIFICATE REQUEST"
// holding a PKCS#10 request whose signature checks, which proves that the
// sender holds the private key of the public key it asks to have
// certified.
func ParseCertificateRequest(pemBytes []byte) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("PEM block type must be CERTIFICATE REQUEST")
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, err
	}
	if err := req.CheckSignature(); err != nil {
		return nil, err
	}
	return req, nil
}

// validateSignerName checks a qualified name, domain then path:
// "kubernetes.io/kube-apiserver-client", "example.com/my-signer".
func validateSignerName(p fieldPath, name string) ErrorList {
	if name == "" {
		return ErrorList{required(p, "")}
	}
	domain, path, ok := strings.Cut(name, "/")
	if !ok || strings.Contains(path, "/") {
		return ErrorList{invalid(p, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")}
	}
	var errs ErrorList
	labels := strings.Split(domain, ".")
	for _, l := range labels {
		if msgs := IsDNS1123Label(l); len(msgs) > 0 {
			// One bad label is enough to say; the others would repeat it.
			errs = append(errs, invalid(p, domain, fmt.Sprintf("validating label %q: %s", l, msgs[0])))
			break
		}
	}
	if len(labels) < 2 {
		errs = append(errs, invalid(p, domain, "should be a domain with at least two segments separated by dots"))
	}
	if len(domain) > dns1123SubdomainMaxLength {
		errs = append(errs, tooLong(p, dns1123SubdomainMaxLength))
	}
	for _, msg := range IsDNS1123Subdomain(path) {
		errs = append(errs, invalid(p, path, "validating path: "+msg))
	}
	return errs
}

// validateUsages: at least one, each known, none twice.
func validateUsages(usages []string, p fieldPath) ErrorList {
	if len(usages) == 0 {
		return ErrorList{required(p, "")}
	}
	var errs ErrorList
	for i, u := range usages {
		switch {
		case !slices.Contains(certificateUsages, u):
			errs = append(errs, notSupported(p.index(i), u, certificateUsages...))
		case slices.Contains(usages[:i], u):
			errs = append(errs, duplicate(p.index(i), u))
		}
	}
	return errs
}

// ValidateKubeletRequest checks a request to one of the kubelet signers
// as Kubernetes' IsKubeletClientCSR and IsKubeletServingCSR do, and
// returns the node it is for. For any other signer it checks nothing.
//
//	kube-apiserver-client-kubelet  CN system:node:<name>, O [system:nodes], no SANs,
//	                               usages digital signature + client auth (+ key encipherment)
//	kubelet-serving                CN system:node:<name>, O [system:nodes], DNS or IP SANs only,
//	                               usages digital signature + server auth (+ key encipherment)
//
// The approver and the signer ask the same, so that what validation
// lets through they can act on.
func ValidateKubeletRequest(signerName string, req *x509.CertificateRequest, usages []string) (node string, errs ErrorList) {
	var authUsage string
	switch signerName {
	case SignerKubeletClient:
		authUsage = UsageClientAuth
	case SignerKubeletServing:
		authUsage = UsageServerAuth
	default:
		return "", nil
	}
	p := fieldPath("spec").child("request")
	cn := req.Subject.CommonName
	node, ok := strings.CutPrefix(cn, kubeletUserPrefix)
	if !ok || node == "" {
		errs = append(errs, invalid(p, cn, fmt.Sprintf("subject common name must be %s<node name> for signer %q", kubeletUserPrefix, signerName)))
	}
	if !slices.Equal(req.Subject.Organization, []string{kubeletGroup}) {
		errs = append(errs, invalid(p, req.Subject.Organization, fmt.Sprintf("subject organization must be exactly [%s] for signer %q", kubeletGroup, signerName)))
	}
	sans := []struct {
		kind string
		n    int
	}{{"DNS", len(req.DNSNames)}, {"IP", len(req.IPAddresses)}, {"email", len(req.EmailAddresses)}, {"URI", len(req.URIs)}}
	for _, san := range sans {
		if san.n > 0 && (signerName == SignerKubeletClient || san.kind == "email" || san.kind == "URI") {
			errs = append(errs, forbidden(p, fmt.Sprintf("%s subjectAltNames are not allowed for signer %q", san.kind, signerName)))
		}
	}
	if signerName == SignerKubeletServing && len(req.DNSNames)+len(req.IPAddresses) == 0 {
		errs = append(errs, required(p, fmt.Sprintf("at least one DNS or IP subjectAltName is required for signer %q", signerName)))
	}
	if !kubeletUsages(usages, authUsage) {
		errs = append(errs, invalid(fieldPath("spec").child("usages"), usages,
			fmt.Sprintf("must be %q and %q, optionally with %q, for signer %q", UsageDigitalSignature, authUsage, UsageKeyEncipherment, signerName)))
	}
	if len(errs) > 0 {
		return "", errs
	}
	return node, nil
}

// kubeletUsages: exactly digital signature and authUsage, with or without
// key encipherment (which an RSA key needs and an ECDSA key does not).
func kubeletUsages(usages []string, authUsage string) bool {
	set := map[string]bool{}
	for _, u := range usages {
		set[u] = true
	}
	delete(set, UsageKeyEncipherment)
	return len(set) == 2 && set[UsageDigitalSignature] && set[authUsage]
}

// validateCSRConditions: known types with a known status, each type once,
// and Approved and Denied never together. Approved and Denied are
// decisions, so they can only be True.
func validateCSRConditions(conds []CertificateSigningRequestCondition, p fieldPath) ErrorList {
	var errs ErrorList
	for i, c := range conds {
		cp := p.index(i)
		switch {
		case c.Type == "":
			errs = append(errs, required(cp.child("type"), ""))
		case !oneOf(c.Type, CertificateApproved, CertificateDenied, CertificateFailed):
			errs = append(errs, notSupported(cp.child("type"), c.Type, CertificateApproved, CertificateDenied, CertificateFailed))
		case slices.ContainsFunc(conds[:i], func(o CertificateSigningRequestCondition) bool { return o.Type == c.Type }):
			errs = append(errs, duplicate(cp.child("type"), c.Type))
		case c.Type == CertificateApproved && hasConditionType(conds[:i], CertificateDenied),
			c.Type == CertificateDenied && hasConditionType(conds[:i], CertificateApproved):
			errs = append(errs, invalid(cp.child("type"), c.Type, "Approved and Denied conditions are mutually exclusive"))
		}
		statuses := []string{ConditionTrue, ConditionFalse, ConditionUnknown}
		if c.Type == CertificateApproved || c.Type == CertificateDenied {
			statuses = []string{ConditionTrue}
		}
		switch {
		case c.Status == "":
			errs = append(errs, required(cp.child("status"), ""))
		case !oneOf(c.Status, statuses...):
			errs = append(errs, notSupported(cp.child("status"), c.Status, statuses...))
		}
	}
	return errs
}

func hasConditionType(conds []CertificateSigningRequestCondition, typ string) bool {
	return slices.ContainsFunc(conds, func(c CertificateSigningRequestCondition) bool { return c.Type == typ })
}

// validateIssuedCertificate checks status.certificate: PEM CERTIFICATE
// blocks only (text around them is allowed, as RFC 7468 allows
// explanations), and only on a request that is approved and has not
// failed.
func validateIssuedCertificate(csr *CertificateSigningRequest, p fieldPath) ErrorList {
	data := csr.Status.Certificate
	if len(data) == 0 {
		return nil
	}
	if err := checkCertificatePEM(data); err != nil {
		return ErrorList{invalid(p, certificateData, err.Error())}
	}
	if !csr.HasCondition(CertificateApproved) || csr.HasCondition(CertificateFailed) {
		return ErrorList{forbidden(p, "may only be set on a request that is Approved and not Failed")}
	}
	return nil
}

func checkCertificatePEM(data []byte) error {
	blocks := 0
	for {
		block, rest := pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("only CERTIFICATE PEM blocks are allowed, found %q", block.Type)
		}
		if len(block.Headers) != 0 {
			return errors.New("no PEM block headers are permitted")
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return err
		}
		blocks++
		data = rest
	}
	if blocks == 0 {
		return errors.New("must contain at least one CERTIFICATE PEM block")
	}
	return nil
}

// validateCertificateSigningRequestUpdate: the request never changes, a
// decision or a failure is never taken back, an issued certificate never
// replaced. (Kubernetes' PUT of the object silently keeps the old spec
// and status; kubelab refuses the change, so that the caller learns.)
func validateCertificateSigningRequestUpdate(n, o *CertificateSigningRequest) ErrorList {
	var errs ErrorList
	spec := fieldPath("spec")
	immutable := func(field string, changed bool, value any) {
		if changed {
			errs = append(errs, invalid(spec.child(field), value, "field is immutable"))
		}
	}
	ns, old := &n.Spec, &o.Spec
	immutable("request", string(ns.Request) != string(old.Request), requestData)
	immutable("signerName", ns.SignerName != old.SignerName, ns.SignerName)
	immutable("expirationSeconds", !sameJSON(ns.ExpirationSeconds, old.ExpirationSeconds), ns.ExpirationSeconds)
	immutable("usages", !sameJSON(ns.Usages, old.Usages), ns.Usages)
	immutable("username", ns.Username != old.Username, ns.Username)
	immutable("uid", ns.UID != old.UID, ns.UID)
	immutable("groups", !sameJSON(ns.Groups, old.Groups), ns.Groups)
	immutable("extra", !sameJSON(ns.Extra, old.Extra), ns.Extra)
	for _, typ := range []string{CertificateApproved, CertificateDenied, CertificateFailed} {
		if hasConditionType(o.Status.Conditions, typ) && !hasConditionType(n.Status.Conditions, typ) {
			errs = append(errs, forbidden(fieldPath("status").child("conditions"), fmt.Sprintf("updates may not remove a condition of type %q", typ)))
		}
	}
	if len(o.Status.Certificate) > 0 && string(n.Status.Certificate) != string(o.Status.Certificate) {
		errs = append(errs, invalid(fieldPath("status").child("certificate"), certificateData, "updates may not modify existing certificate content"))
	}
	return errs
}
