package api

// IP families of a Service. Kubernetes clusters may be IPv4, IPv6 or
// dual-stack; a kubelab cluster is IPv4 only. Services still carry
// spec.ipFamilies and spec.ipFamilyPolicy, as every real Service does,
// because clients read them (kubectl describe prints "IP Family Policy",
// the EndpointSlice controller picks the slices' address type from them).

// IP families and family policies.
const (
	IPv4Protocol = "IPv4"
	IPv6Protocol = "IPv6"

	IPFamilyPolicySingleStack      = "SingleStack"
	IPFamilyPolicyPreferDualStack  = "PreferDualStack"
	IPFamilyPolicyRequireDualStack = "RequireDualStack"
)

var ipFamilyPolicies = []string{IPFamilyPolicySingleStack, IPFamilyPolicyPreferDualStack, IPFamilyPolicyRequireDualStack}

// setIPFamilyDefaults gives a Service with a cluster IP (or a headless one)
// the cluster's one family, as Kubernetes' registry does on a single-stack
// cluster. A headless Service without a selector gets RequireDualStack:
// its hand-written endpoints may be of any family. ExternalName Services
// have no IPs and get neither field.
func setIPFamilyDefaults(spec *ServiceSpec) {
	if spec.Type == ServiceTypeExternalName {
		return
	}
	if spec.IPFamilyPolicy == nil {
		policy := IPFamilyPolicySingleStack
		if spec.ClusterIP == ClusterIPNone && len(spec.Selector) == 0 {
			policy = IPFamilyPolicyRequireDualStack
		}
		spec.IPFamilyPolicy = &policy
	}
	if len(spec.IPFamilies) == 0 {
		spec.IPFamilies = []string{IPv4Protocol}
	}
}

// validateIPFamilies refuses unknown values, duplicates, and IPv6, which
// a kubelab cluster has no service range for (Kubernetes words it the
// same way on an IPv4-only cluster).
func validateIPFamilies(spec *ServiceSpec, p fieldPath) ErrorList {
	var errs ErrorList
	if pol := spec.IPFamilyPolicy; pol != nil && !oneOf(*pol, ipFamilyPolicies...) {
		errs = append(errs, notSupported(p.child("ipFamilyPolicy"), *pol, ipFamilyPolicies...))
	}
	seen := map[string]bool{}
	for i, f := range spec.IPFamilies {
		fp := p.child("ipFamilies").index(i)
		switch {
		case !oneOf(f, IPv4Protocol, IPv6Protocol):
			errs = append(errs, notSupported(fp, f, IPv4Protocol, IPv6Protocol))
		case seen[f]:
			errs = append(errs, duplicate(fp, f))
		case f == IPv6Protocol:
			errs = append(errs, invalid(fp, f, "not configured on this cluster"))
		}
		seen[f] = true
	}
	return errs
}
