package api

// validateLease checks a Lease as Kubernetes' ValidateLease does: a
// subdomain name in a namespace, and numbers that make sense. Who holds
// it and when is for the holders to agree on.
func validateLease(l *Lease) ErrorList {
	errs := validateObjectMeta(&l.ObjectMeta, true, IsDNS1123Subdomain, "")
	spec := fieldPath("spec")
	if d := l.Spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		errs = append(errs, invalid(spec.child("leaseDurationSeconds"), *d, "must be greater than 0"))
	}
	if n := l.Spec.LeaseTransitions; n != nil && *n < 0 {
		errs = append(errs, invalid(spec.child("leaseTransitions"), *n, "must be greater than or equal to 0"))
	}
	if s := l.Spec.Strategy; s != nil && !oneOf(*s, LeaseStrategies...) {
		errs = append(errs, notSupported(spec.child("strategy"), *s, LeaseStrategies...))
	}
	if p := l.Spec.PreferredHolder; p != nil && *p != "" && (l.Spec.Strategy == nil || *l.Spec.Strategy == "") {
		errs = append(errs, forbidden(spec.child("preferredHolder"), "may only be specified if `strategy` is defined"))
	}
	return errs
}
