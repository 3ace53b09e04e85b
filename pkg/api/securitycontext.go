package api

// Security contexts: what a pod or a container asks of the kernel (which
// user to run as, which capabilities to keep, which seccomp profile to
// run under). Kubernetes defaults a pod's securityContext to {} and
// clients rely on it being there (kubectl debug reads it without a nil
// check), so kubelab stores it too.
//
// kubelab's kubelet honours none of these fields yet: containers run as
// their image's user, with Docker's default capabilities and seccomp
// profile. The apiserver keeps and validates them, and Pod Security
// admission (podsecurity.go) judges a pod by them as Kubernetes would, so
// a manifest that a real cluster refuses is refused here too.

// PodSecurityContext applies to every container of a pod, unless the
// container's own securityContext says otherwise.
type PodSecurityContext struct {
	// RunAsUser is the UID the containers' processes run as.
	RunAsUser *int64 `json:"runAsUser,omitempty"`
	// RunAsGroup is their primary GID.
	RunAsGroup *int64 `json:"runAsGroup,omitempty"`
	// RunAsNonRoot refuses to start a container that would run as UID 0.
	RunAsNonRoot *bool `json:"runAsNonRoot,omitempty"`
	// SupplementalGroups are further GIDs of the first process.
	SupplementalGroups []int64 `json:"supplementalGroups,omitempty"`
	// FSGroup owns the pod's volumes, so that a non-root user may write them.
	FSGroup *int64 `json:"fsGroup,omitempty"`
	// FSGroupChangePolicy is OnRootMismatch or Always.
	FSGroupChangePolicy *string `json:"fsGroupChangePolicy,omitempty"`
	// SeccompProfile is the system-call filter of the containers.
	SeccompProfile *SeccompProfile `json:"seccompProfile,omitempty"`
}

// SecurityContext applies to one container, over the pod's.
type SecurityContext struct {
	// Capabilities adds to and drops from the runtime's default set.
	Capabilities *Capabilities `json:"capabilities,omitempty"`
	// Privileged gives the container every capability and the host's devices.
	Privileged *bool `json:"privileged,omitempty"`
	// RunAsUser is the UID the container's processes run as.
	RunAsUser *int64 `json:"runAsUser,omitempty"`
	// RunAsGroup is their primary GID.
	RunAsGroup *int64 `json:"runAsGroup,omitempty"`
	// RunAsNonRoot refuses to start the container as UID 0.
	RunAsNonRoot *bool `json:"runAsNonRoot,omitempty"`
	// ReadOnlyRootFilesystem mounts the image read-only.
	ReadOnlyRootFilesystem *bool `json:"readOnlyRootFilesystem,omitempty"`
	// AllowPrivilegeEscalation lets a process gain more privileges than
	// its parent (setuid binaries); false sets no_new_privs.
	AllowPrivilegeEscalation *bool `json:"allowPrivilegeEscalation,omitempty"`
	// SeccompProfile is the container's system-call filter.
	SeccompProfile *SeccompProfile `json:"seccompProfile,omitempty"`
}

// Capabilities are Linux capability names without the CAP_ prefix
// (NET_ADMIN, SYS_TIME).
type Capabilities struct {
	Add  []string `json:"add,omitempty"`
	Drop []string `json:"drop,omitempty"`
}

// SeccompProfile names a system-call filter: RuntimeDefault (the
// runtime's), Unconfined (none) or Localhost (a file on the node).
type SeccompProfile struct {
	Type             string  `json:"type"`
	LocalhostProfile *string `json:"localhostProfile,omitempty"`
}

// Seccomp profile types.
const (
	SeccompProfileRuntimeDefault = "RuntimeDefault"
	SeccompProfileUnconfined     = "Unconfined"
	SeccompProfileLocalhost      = "Localhost"
)

var seccompProfileTypes = []string{SeccompProfileRuntimeDefault, SeccompProfileUnconfined, SeccompProfileLocalhost}

// validateSeccompProfile checks a profile as Kubernetes does: a known
// type, and a file name exactly when the type is Localhost.
func validateSeccompProfile(sp *SeccompProfile, p fieldPath) ErrorList {
	if sp == nil {
		return nil
	}
	var errs ErrorList
	switch {
	case sp.Type == "":
		errs = append(errs, required(p.child("type"), ""))
	case !oneOf(sp.Type, seccompProfileTypes...):
		errs = append(errs, notSupported(p.child("type"), sp.Type, seccompProfileTypes...))
	}
	switch {
	case sp.Type == SeccompProfileLocalhost && (sp.LocalhostProfile == nil || *sp.LocalhostProfile == ""):
		errs = append(errs, required(p.child("localhostProfile"), "must be set when seccomp type is Localhost"))
	case sp.Type != SeccompProfileLocalhost && sp.LocalhostProfile != nil:
		errs = append(errs, invalid(p.child("localhostProfile"), *sp.LocalhostProfile, "can only be set when seccomp type is Localhost"))
	}
	return errs
}

// validatePodSecurityContext checks the numbers and profile of a pod's
// securityContext; an empty one, the default, is valid.
func validatePodSecurityContext(sc *PodSecurityContext, p fieldPath) ErrorList {
	if sc == nil {
		return nil
	}
	var errs ErrorList
	for _, id := range []struct {
		name string
		v    *int64
	}{{"runAsUser", sc.RunAsUser}, {"runAsGroup", sc.RunAsGroup}, {"fsGroup", sc.FSGroup}} {
		errs = append(errs, validateID(id.v, p.child(id.name))...)
	}
	for i := range sc.SupplementalGroups {
		errs = append(errs, validateID(&sc.SupplementalGroups[i], p.child("supplementalGroups").index(i))...)
	}
	if pol := sc.FSGroupChangePolicy; pol != nil && !oneOf(*pol, "OnRootMismatch", "Always") {
		errs = append(errs, notSupported(p.child("fsGroupChangePolicy"), *pol, "OnRootMismatch", "Always"))
	}
	return append(errs, validateSeccompProfile(sc.SeccompProfile, p.child("seccompProfile"))...)
}

// validateSecurityContext checks a container's securityContext. A
// privileged container may always escalate, so saying it may not is a
// contradiction Kubernetes refuses.
func validateSecurityContext(sc *SecurityContext, p fieldPath) ErrorList {
	if sc == nil {
		return nil
	}
	errs := append(validateID(sc.RunAsUser, p.child("runAsUser")), validateID(sc.RunAsGroup, p.child("runAsGroup"))...)
	if sc.Privileged != nil && *sc.Privileged && sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		errs = append(errs, invalid(p, "", "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
	}
	return append(errs, validateSeccompProfile(sc.SeccompProfile, p.child("seccompProfile"))...)
}

// validateID checks a UID or GID: 0 to 2147483647, as Kubernetes'.
func validateID(id *int64, p fieldPath) ErrorList {
	if id != nil && (*id < 0 || *id > 2147483647) {
		return ErrorList{invalid(p, *id, "must be between 0 and 2147483647, inclusive")}
	}
	return nil
}
