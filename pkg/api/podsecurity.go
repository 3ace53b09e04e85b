package api

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Pod Security Standards: what a pod may ask of its node, by namespace. A
// pod on the host network sees every connection of the node; a hostPath
// volume of / is the node's disk; a hostPort takes a port of the node. So,
// as Kubernetes' Pod Security Admission does, each namespace enforces a
// level named by its label pod-security.kubernetes.io/enforce:
//
//	privileged  everything is allowed (kube-system is labelled so)
//	baseline    no known way to take over the node (hostNetwork, hostPath, hostPort …)
//	restricted  baseline, and hardened pods; kubelab cannot enforce it (see below)
//
// A namespace without the label enforces baseline. That is kubelab's
// default, secure out of the box; Kubernetes' default is privileged.
//
// CheckPodSecurity is the pure check; the apiserver reads the namespace's
// label and refuses a pod that violates its level, worded as Kubernetes:
//
//	pods "x" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), hostPath volumes (volume "data")
//
// Of the baseline checks of Kubernetes (policy/check_*.go in
// k8s.io/pod-security-admission), kubelab's types express seven:
// appArmorProfile (the beta annotations), capabilities_baseline,
// hostNamespaces (hostNetwork only), hostPathVolumes, hostPorts,
// privileged and seccompProfile_baseline (podsecurity_context.go). The
// fields the others check are dropped as unknown (with a warning) rather
// than obeyed: hostPID, hostIPC, procMount, seLinuxOptions, sysctls and
// windowsOptions.hostProcess. Each belongs here the day its field comes
// into the types.
//
// Only the "latest" version of the standards exists here: the
// enforce-version label is not read, nor are the warn and audit labels.

// PodSecurityEnforceLabel is the namespace label naming the level enforced
// on its pods.
const PodSecurityEnforceLabel = "pod-security.kubernetes.io/enforce"

// The levels of the Pod Security Standards.
const (
	PodSecurityPrivileged = "privileged"
	PodSecurityBaseline   = "baseline"
	PodSecurityRestricted = "restricted"
)

// DefaultPodSecurityLevel is enforced in a namespace without the label.
const DefaultPodSecurityLevel = PodSecurityBaseline

var podSecurityLevels = []string{PodSecurityPrivileged, PodSecurityBaseline, PodSecurityRestricted}

// PodSecurityLevel is the level a namespace with these labels enforces.
// An invalid value, which namespace validation keeps out, enforces
// restricted, as in Kubernetes: a mistake must not open the door.
func PodSecurityLevel(nsLabels map[string]string) string {
	level, ok := nsLabels[PodSecurityEnforceLabel]
	switch {
	case !ok:
		return DefaultPodSecurityLevel
	case slices.Contains(podSecurityLevels, level):
		return level
	}
	return PodSecurityRestricted
}

// ValidatePodSecurityLabels checks the level label of a namespace, as
// Kubernetes' admission does when a namespace is created or relabelled.
func ValidatePodSecurityLabels(nsLabels map[string]string) ErrorList {
	level, ok := nsLabels[PodSecurityEnforceLabel]
	if !ok || slices.Contains(podSecurityLevels, level) {
		return nil
	}
	p := fieldPath("metadata.labels[" + PodSecurityEnforceLabel + "]")
	return ErrorList{invalid(p, level, "must be one of "+strings.Join(podSecurityLevels, ", "))}
}

// PodSecurityViolation is one check a pod fails: the reason, and the
// detail naming what in the pod fails it.
type PodSecurityViolation struct {
	Reason string // host namespaces
	Detail string // hostNetwork=true
}

// PodSecurityViolations are the checks a pod fails, in Kubernetes' order
// (by check ID).
type PodSecurityViolations []PodSecurityViolation

// String joins the violations as Kubernetes does: "reason (detail), …".
func (vs PodSecurityViolations) String() string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Reason
		if v.Detail != "" {
			parts[i] += " (" + v.Detail + ")"
		}
	}
	return strings.Join(parts, ", ")
}

// CheckPodSecurity returns what of a pod (its metadata and spec, or a pod
// template's) violates level; none for privileged. An unknown level is
// checked as restricted.
func CheckPodSecurity(level string, meta *ObjectMeta, spec *PodSpec) PodSecurityViolations {
	if level == PodSecurityPrivileged {
		return nil
	}
	var vs PodSecurityViolations
	for _, check := range baselineChecks {
		if v, bad := check(meta, spec); bad {
			vs = append(vs, v)
		}
	}
	if level != PodSecurityBaseline {
		vs = append(vs, PodSecurityViolation{Reason: "restricted level not supported",
			Detail: "kubelab's kubelet does not apply runAsNonRoot, allowPrivilegeEscalation, seccompProfile and capabilities"})
	}
	return vs
}

// baselineChecks are the baseline checks kubelab's types can express,
// sorted by their Kubernetes check ID, as Kubernetes reports them.
var baselineChecks = []func(*ObjectMeta, *PodSpec) (PodSecurityViolation, bool){
	checkAppArmor,        // appArmorProfile
	checkCapabilities,    // capabilities_baseline (podsecurity_context.go)
	checkHostNamespaces,  // hostNamespaces
	checkHostPathVolumes, // hostPathVolumes
	checkHostPorts,       // hostPorts
	checkPrivileged,      // privileged
	checkSeccompBaseline, // seccompProfile_baseline
}

// AppArmorAnnotationPrefix, followed by a container's name, is the
// annotation naming its AppArmor profile (Kubernetes' beta annotation;
// kubelab's kubelet does not apply it, Docker's default profile holds).
const AppArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/"

func checkAppArmor(meta *ObjectMeta, _ *PodSpec) (PodSecurityViolation, bool) {
	var bad []string
	for k, v := range meta.Annotations {
		allowed := v == "" || v == "runtime/default" || strings.HasPrefix(v, "localhost/")
		if strings.HasPrefix(k, AppArmorAnnotationPrefix) && !allowed {
			bad = append(bad, k+"="+Quote(v)) // v is the client's, of any length
		}
	}
	slices.Sort(bad)
	return PodSecurityViolation{Reason: pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", len(bad)),
		Detail: strings.Join(bad, ", ")}, len(bad) > 0
}

func checkHostNamespaces(_ *ObjectMeta, spec *PodSpec) (PodSecurityViolation, bool) {
	// hostPID=true and hostIPC=true join the detail once the types have them.
	return PodSecurityViolation{Reason: "host namespaces", Detail: "hostNetwork=true"}, spec.HostNetwork
}

func checkHostPathVolumes(_ *ObjectMeta, spec *PodSpec) (PodSecurityViolation, bool) {
	var names []string
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			names = append(names, v.Name)
		}
	}
	return PodSecurityViolation{Reason: "hostPath volumes",
		Detail: pluralize("volume", "volumes", len(names)) + " " + joinQuoted(names)}, len(names) > 0
}

func checkHostPorts(_ *ObjectMeta, spec *PodSpec) (PodSecurityViolation, bool) {
	var containers, ports []string
	for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
		uses := false
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				uses = true
				if port := strconv.Itoa(int(p.HostPort)); !slices.Contains(ports, port) {
					ports = append(ports, port)
				}
			}
		}
		if uses {
			containers = append(containers, c.Name)
		}
	}
	slices.Sort(ports) // as text, as Kubernetes' string set lists them
	n := len(containers)
	return PodSecurityViolation{Reason: "hostPort", Detail: fmt.Sprintf("%s %s %s %s %s",
		pluralize("container", "containers", n), joinQuoted(containers), pluralize("uses", "use", n),
		pluralize("hostPort", "hostPorts", len(ports)), strings.Join(ports, ", "))}, n > 0
}

func pluralize(one, many string, n int) string {
	if n == 1 {
		return one
	}
	return many
}

// joinQuoted lists names as Kubernetes' messages do: "a", "b".
func joinQuoted(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return strings.Join(quoted, ", ")
}
