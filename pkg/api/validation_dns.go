package api

import (
	"fmt"
	"strings"
)

// DNS validation: a pod's dnsPolicy and dnsConfig become its resolv.conf,
// so they are held to what a resolver reads. The limits are Kubernetes'
// (MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars): glibc
// uses at most three nameservers, and the search list has a length limit.
const (
	maxDNSNameservers     = 3
	maxDNSSearchPaths     = 32
	maxDNSSearchListChars = 2048
)

var dnsPolicies = []string{DNSClusterFirstWithHostNet, DNSClusterFirst, DNSDefault, DNSNone}

// validatePodDNS checks spec.dnsPolicy and spec.dnsConfig. Policy None
// needs a dnsConfig with a nameserver: it gives the pod nothing else.
func validatePodDNS(spec *PodSpec, p fieldPath) ErrorList {
	var errs ErrorList
	if d := spec.DNSPolicy; d != "" && !oneOf(d, dnsPolicies...) {
		errs = append(errs, notSupported(p.child("dnsPolicy"), d, dnsPolicies...))
	}
	cp, cfg := p.child("dnsConfig"), spec.DNSConfig
	if spec.DNSPolicy == DNSNone {
		switch {
		case cfg == nil:
			return append(errs, required(cp, "must provide `dnsConfig` when `dnsPolicy` is None"))
		case len(cfg.Nameservers) == 0:
			return append(errs, required(cp.child("nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None"))
		}
	}
	if cfg == nil {
		return errs
	}
	if len(cfg.Nameservers) > maxDNSNameservers {
		errs = append(errs, invalid(cp.child("nameservers"), cfg.Nameservers,
			fmt.Sprintf("must not have more than %d nameservers", maxDNSNameservers)))
	}
	for i, ns := range cfg.Nameservers {
		if !isValidIP(ns) {
			errs = append(errs, invalid(cp.child("nameservers").index(i), ns, ipErrorDetail))
		}
	}
	if len(cfg.Searches) > maxDNSSearchPaths {
		errs = append(errs, invalid(cp.child("searches"), cfg.Searches,
			fmt.Sprintf("must not have more than %d search paths", maxDNSSearchPaths)))
	}
	if len(strings.Join(cfg.Searches, " ")) > maxDNSSearchListChars {
		errs = append(errs, invalid(cp.child("searches"), cfg.Searches,
			fmt.Sprintf("must not have more than %d characters (including spaces) in the search list", maxDNSSearchListChars)))
	}
	for i, s := range cfg.Searches {
		s = strings.TrimSuffix(s, ".") // a trailing dot (an absolute name) is fine
		errs = append(errs, check(cp.child("searches").index(i), s, IsDNS1123Subdomain(s))...)
	}
	for i, o := range cfg.Options {
		if o.Name == "" {
			errs = append(errs, required(cp.child("options").index(i), "must not be empty"))
		}
	}
	return errs
}
