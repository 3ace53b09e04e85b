package api

import (
	"fmt"
	"slices"
	"strings"
)

// The baseline checks on securityContext (Kubernetes' check IDs
// capabilities_baseline, privileged and seccompProfile_baseline). The
// kubelet honours none of these fields, but a pod a real cluster would
// refuse at the baseline level is refused here as well, with the same
// words, so that a manifest moves between the two unchanged.

// baselineCapabilities are what a baseline pod may add: Docker's and
// containerd's default set.
var baselineCapabilities = []string{"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}

func checkCapabilities(_ *ObjectMeta, spec *PodSpec) (PodSecurityViolation, bool) {
	var containers, caps []string
	for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
		if c.SecurityContext == nil || c.SecurityContext.Capabilities == nil {
			continue
		}
		bad := false
		for _, name := range c.SecurityContext.Capabilities.Add {
			if !slices.Contains(baselineCapabilities, name) {
				bad = true
				if !slices.Contains(caps, name) {
					caps = append(caps, name)
				}
			}
		}
		if bad {
			containers = append(containers, c.Name)
		}
	}
	slices.Sort(caps)
	return PodSecurityViolation{Reason: "non-default capabilities", Detail: fmt.Sprintf("%s %s must not include %s in securityContext.capabilities.add",
		pluralize("container", "containers", len(containers)), joinQuoted(containers), joinQuoted(caps))}, len(containers) > 0
}

func checkPrivileged(_ *ObjectMeta, spec *PodSpec) (PodSecurityViolation, bool) {
	var containers []string
	for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
		if sc := c.SecurityContext; sc != nil && sc.Privileged != nil && *sc.Privileged {
			containers = append(containers, c.Name)
		}
	}
	return PodSecurityViolation{Reason: "privileged", Detail: fmt.Sprintf("%s %s must not set securityContext.privileged=true",
		pluralize("container", "containers", len(containers)), joinQuoted(containers))}, len(containers) > 0
}

func checkSeccompBaseline(_ *ObjectMeta, spec *PodSpec) (PodSecurityViolation, bool) {
	unconfined := func(sp *SeccompProfile) bool { return sp != nil && sp.Type == SeccompProfileUnconfined }
	var setters, containers []string
	if sc := spec.SecurityContext; sc != nil && unconfined(sc.SeccompProfile) {
		setters = append(setters, "pod")
	}
	for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
		if sc := c.SecurityContext; sc != nil && unconfined(sc.SeccompProfile) {
			containers = append(containers, c.Name)
		}
	}
	if len(containers) > 0 {
		setters = append(setters, pluralize("container", "containers", len(containers))+" "+joinQuoted(containers))
	}
	return PodSecurityViolation{Reason: "seccompProfile", Detail: strings.Join(setters, " and ") +
		` must not set securityContext.seccompProfile.type to "Unconfined"`}, len(setters) > 0
}
