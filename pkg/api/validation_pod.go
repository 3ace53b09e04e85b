package api

import (
	"fmt"
	"slices"
	"strings"
)

// Pod validation: the pod spec is checked the same way in a Pod (under
// "spec") and in the template of a controller (under "spec.template.spec").

func validatePod(pod *Pod) ErrorList {
	errs := validateObjectMeta(&pod.ObjectMeta, true, IsDNS1123Subdomain, "")
	return append(errs, validatePodSpec(&pod.Spec, "spec")...)
}

func validatePodSpec(spec *PodSpec, p fieldPath) ErrorList {
	volumes, errs := validateVolumes(spec.Volumes, p.child("volumes"))
	if len(spec.Containers) == 0 {
		errs = append(errs, required(p.child("containers"), ""))
	}
	names := map[string]bool{}
	hostPorts := map[string]bool{}
	for i := range spec.InitContainers {
		errs = append(errs, validateContainer(&spec.InitContainers[i], spec, p.child("initContainers").index(i), volumes, names, hostPorts, true)...)
	}
	for i := range spec.Containers {
		errs = append(errs, validateContainer(&spec.Containers[i], spec, p.child("containers").index(i), volumes, names, hostPorts, false)...)
	}
	if r := spec.RestartPolicy; r != "" && !oneOf(r, RestartAlways, RestartOnFailure, RestartNever) {
		errs = append(errs, notSupported(p.child("restartPolicy"), r, RestartAlways, RestartOnFailure, RestartNever))
	}
	errs = append(errs, validatePodDNS(spec, p)...)
	if g := spec.TerminationGracePeriodSeconds; g != nil && *g < 0 {
		errs = append(errs, invalid(p.child("terminationGracePeriodSeconds"), *g, "must be greater than or equal to 0"))
	}
	errs = append(errs, validateLabels(spec.NodeSelector, p.child("nodeSelector"))...)
	for _, f := range []struct {
		name, value string
		check       func(string) []string
	}{
		{"nodeName", spec.NodeName, IsDNS1123Subdomain},
		{"schedulerName", spec.SchedulerName, IsDNS1123Subdomain},
		{"serviceAccountName", spec.ServiceAccountName, IsDNS1123Subdomain},
		{"hostname", spec.Hostname, IsDNS1123Label},
		{"subdomain", spec.Subdomain, IsDNS1123Label},
	} {
		if f.value != "" {
			errs = append(errs, check(p.child(f.name), f.value, f.check(f.value))...)
		}
	}
	errs = append(errs, validateTolerations(spec.Tolerations, p.child("tolerations"))...)
	errs = append(errs, validatePodSecurityContext(spec.SecurityContext, p.child("securityContext"))...) // securitycontext.go
	if spec.Affinity != nil && spec.Affinity.NodeAffinity != nil {
		errs = append(errs, validateNodeAffinity(spec.Affinity.NodeAffinity, p.child("affinity").child("nodeAffinity"))...)
	}
	return errs
}

var protocols = []string{"SCTP", "TCP", "UDP"}

// validateContainer checks one container. names and hostPorts collect what
// must be unique across all containers of the pod.
func validateContainer(c *Container, spec *PodSpec, p fieldPath, volumes, names, hostPorts map[string]bool, init bool) ErrorList {
	var errs ErrorList
	switch {
	case c.Name == "":
		errs = append(errs, required(p.child("name"), ""))
	case names[c.Name]:
		errs = append(errs, duplicate(p.child("name"), c.Name))
	default:
		errs = append(errs, check(p.child("name"), c.Name, IsDNS1123Label(c.Name))...)
	}
	names[c.Name] = true
	switch {
	case c.Image == "":
		errs = append(errs, required(p.child("image"), ""))
	case strings.TrimSpace(c.Image) != c.Image:
		errs = append(errs, invalid(p.child("image"), c.Image, "must not have leading or trailing whitespace"))
	}
	if pp := c.ImagePullPolicy; pp != "" && !oneOf(pp, PullAlways, PullIfNotPresent, PullNever) {
		errs = append(errs, notSupported(p.child("imagePullPolicy"), pp, PullAlways, PullIfNotPresent, PullNever))
	}
	errs = append(errs, validateContainerPorts(c.Ports, spec.HostNetwork, p.child("ports"), hostPorts)...)
	errs = append(errs, validateEnvFrom(c.EnvFrom, p.child("envFrom"))...)
	errs = append(errs, validateEnv(c.Env, p.child("env"))...)
	errs = append(errs, validateResources(&c.Resources, p.child("resources"))...)
	errs = append(errs, validateVolumeMounts(c.VolumeMounts, volumes, p.child("volumeMounts"))...)
	errs = append(errs, validateLifecycle(c.Lifecycle, spec, init, p.child("lifecycle"))...)
	probes := []struct {
		name  string
		probe *Probe
	}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}}
	errs = append(errs, validateSecurityContext(c.SecurityContext, p.child("securityContext"))...) // securitycontext.go
	if pol := c.TerminationMessagePolicy; pol != "" && !oneOf(pol, TerminationMessageReadFile, TerminationMessageFallbackToLogsOnError) {
		errs = append(errs, notSupported(p.child("terminationMessagePolicy"), pol, TerminationMessageReadFile, TerminationMessageFallbackToLogsOnError))
	}
	for _, pr := range probes {
		switch {
		case pr.probe == nil:
		case init:
			errs = append(errs, forbidden(p.child(pr.name), "may not be set for init containers"))
		default:
			errs = append(errs, validateProbe(pr.probe, pr.name, p.child(pr.name))...)
		}
	}
	return errs
}

func validateContainerPorts(ports []ContainerPort, hostNetwork bool, p fieldPath, hostPorts map[string]bool) ErrorList {
	var errs ErrorList
	names := map[string]bool{}
	for i, port := range ports {
		pp := p.index(i)
		if port.Name != "" {
			if names[port.Name] {
				errs = append(errs, duplicate(pp.child("name"), port.Name))
			}
			names[port.Name] = true
			errs = append(errs, check(pp.child("name"), port.Name, IsValidPortName(port.Name))...)
		}
		if port.ContainerPort == 0 {
			errs = append(errs, required(pp.child("containerPort"), ""))
		} else {
			errs = append(errs, validatePortNumber(pp.child("containerPort"), port.ContainerPort)...)
		}
		if port.HostPort != 0 {
			errs = append(errs, validatePortNumber(pp.child("hostPort"), port.HostPort)...)
			if hostNetwork && port.HostPort != port.ContainerPort {
				errs = append(errs, invalid(pp.child("hostPort"), port.HostPort, "must match `containerPort` when `hostNetwork` is true"))
			}
			key := fmt.Sprintf("%s/%d/%s", port.HostIP, port.HostPort, port.Protocol)
			if hostPorts[key] {
				errs = append(errs, duplicate(pp.child("hostPort"), fmt.Sprintf("%d/%s", port.HostPort, port.Protocol)))
			}
			hostPorts[key] = true
		}
		errs = append(errs, validateProtocol(port.Protocol, pp.child("protocol"))...)
		if port.HostIP != "" && !isValidIP(port.HostIP) {
			errs = append(errs, invalid(pp.child("hostIP"), port.HostIP, ipErrorDetail))
		}
	}
	return errs
}

func validatePortNumber(p fieldPath, port int32) ErrorList {
	if port < 1 || port > 65535 {
		return ErrorList{invalid(p, port, "must be between 1 and 65535, inclusive")}
	}
	return nil
}

// validatePortNumOrName checks a port given by number or by a container
// port's name (a Service targetPort, a probe port).
func validatePortNumOrName(p fieldPath, port IntOrString) ErrorList {
	if port.IsString {
		if port.StrVal == "" {
			return ErrorList{required(p, "")}
		}
		return check(p, port.StrVal, IsValidPortName(port.StrVal))
	}
	return validatePortNumber(p, port.IntVal)
}

func validateProtocol(proto string, p fieldPath) ErrorList {
	switch {
	case proto == "":
		return ErrorList{required(p, "")}
	case !oneOf(proto, protocols...):
		return ErrorList{notSupported(p, proto, protocols...)}
	}
	return nil
}

var envFieldPaths = []string{
	"metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels", "metadata.annotations",
	"spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.podIP", "status.podIPs",
}

var envResources = []string{
	"limits.cpu", "limits.memory", "limits.ephemeral-storage",
	"requests.cpu", "requests.memory", "requests.ephemeral-storage",
}

func validateEnv(env []EnvVar, p fieldPath) ErrorList {
	var errs ErrorList
	for i, ev := range env {
		ep := p.index(i)
		if ev.Name == "" {
			errs = append(errs, required(ep.child("name"), ""))
		} else {
			errs = append(errs, check(ep.child("name"), ev.Name, IsEnvVarName(ev.Name))...)
		}
		if ev.ValueFrom != nil {
			errs = append(errs, validateEnvSource(ev.ValueFrom, ev.Value, ep.child("valueFrom"))...)
		}
	}
	return errs
}

func validateEnvSource(src *EnvVarSource, value string, p fieldPath) ErrorList {
	var errs ErrorList
	n := 0
	if f := src.FieldRef; f != nil {
		n++
		errs = append(errs, validateFieldRef(f, p.child("fieldRef"), envFieldPaths)...)
	}
	if r := src.ResourceFieldRef; r != nil {
		n++
		errs = append(errs, validateResourceFieldRef(r, p.child("resourceFieldRef"), false)...)
	}
	for _, ref := range []struct {
		name string
		sel  *KeySelector
	}{{"configMapKeyRef", src.ConfigMapKeyRef}, {"secretKeyRef", src.SecretKeyRef}} {
		if ref.sel == nil {
			continue
		}
		n++
		rp := p.child(ref.name)
		if ref.sel.Name == "" {
			errs = append(errs, required(rp.child("name"), ""))
		}
		if ref.sel.Key == "" {
			errs = append(errs, required(rp.child("key"), ""))
		} else {
			errs = append(errs, check(rp.child("key"), ref.sel.Key, IsConfigMapKey(ref.sel.Key))...)
		}
	}
	switch {
	case n == 0:
		errs = append(errs, invalid(p, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	case value != "":
		errs = append(errs, invalid(p, "", "may not be specified when `value` is not empty"))
	case n > 1:
		errs = append(errs, invalid(p, "", "may not have more than one field specified at a time"))
	}
	return errs
}

// Divisors of a resourceFieldRef, as Kubernetes allows them: a CPU in
// cores or millicores, memory and storage in bytes or a power of 1000 or
// 1024 of them.
var (
	cpuDivisors    = []string{"1m", "1"}
	memoryDivisors = []string{"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"}
)

// validateResourceFieldRef checks a container resource selector of the
// downward API. An environment variable's defaults to its own container;
// a downwardAPI file must name one (needContainer).
func validateResourceFieldRef(r *ResourceFieldSelector, p fieldPath, needContainer bool) ErrorList {
	var errs ErrorList
	if needContainer && r.ContainerName == "" {
		errs = append(errs, required(p.child("containerName"), ""))
	}
	switch {
	case r.Resource == "":
		return append(errs, required(p.child("resource"), ""))
	case !oneOf(r.Resource, envResources...):
		return append(errs, notSupported(p.child("resource"), r.Resource, envResources...))
	}
	if r.Divisor.IsZero() {
		return errs // unset: 1
	}
	divisors, values, unit := memoryDivisors, strings.Join(memoryDivisors, ", "), "the memory resource"
	switch {
	case strings.HasSuffix(r.Resource, ".cpu"):
		divisors, values, unit = cpuDivisors, "1m and 1", "the cpu resource"
	case strings.HasSuffix(r.Resource, ".ephemeral-storage"):
		unit = "the local ephemeral storage resource"
	}
	same := func(d string) bool {
		q, err := ParseQuantity(d) // 1E and 1Ei are beyond a Quantity's range here, and so never a divisor
		return err == nil && q.Cmp(r.Divisor) == 0
	}
	if !slices.ContainsFunc(divisors, same) {
		errs = append(errs, invalid(p.child("divisor"), r.Resource, fmt.Sprintf("only divisor's values %s are supported with %s", values, unit)))
	}
	return errs
}

// validateEnvFrom checks the sources of a container's envFrom: exactly one
// of configMapRef and secretRef, named, and a prefix that can start a
// variable's name.
func validateEnvFrom(sources []EnvFromSource, p fieldPath) ErrorList {
	var errs ErrorList
	for i, src := range sources {
		sp := p.index(i)
		if src.Prefix != "" {
			errs = append(errs, check(sp.child("prefix"), src.Prefix, IsEnvVarName(src.Prefix))...)
		}
		n := 0
		if c := src.ConfigMapRef; c != nil {
			n++
			if c.Name == "" {
				errs = append(errs, required(sp.child("configMapRef").child("name"), ""))
			}
		}
		if s := src.SecretRef; s != nil {
			n++
			if s.Name == "" {
				errs = append(errs, required(sp.child("secretRef").child("name"), ""))
			}
		}
		switch {
		case n == 0:
			errs = append(errs, invalid(sp, "", "must specify one of: `configMapRef` or `secretRef`"))
		case n > 1:
			errs = append(errs, invalid(sp, "", "may not have more than one field specified at a time"))
		}
	}
	return errs
}

// isSubscriptedField accepts metadata.labels['key'] and
// metadata.annotations['key'], which select one label or annotation.
func isSubscriptedField(fp string) bool {
	for _, prefix := range []string{"metadata.labels['", "metadata.annotations['"} {
		if rest, ok := strings.CutPrefix(fp, prefix); ok {
			key, ok := strings.CutSuffix(rest, "']")
			return ok && len(IsQualifiedName(key)) == 0
		}
	}
	return false
}

// isContainerResource reports the resource names a container may request.
func isContainerResource(name string) bool {
	return oneOf(name, "cpu", "memory", "ephemeral-storage", "pods") ||
		strings.HasPrefix(name, "hugepages-") || strings.Contains(name, "/")
}

func validateResources(r *ResourceRequirements, p fieldPath) ErrorList {
	var errs ErrorList
	for _, set := range []struct {
		name string
		list ResourceList
	}{{"limits", r.Limits}, {"requests", r.Requests}} {
		for _, name := range sortedKeys(set.list) {
			q, rp := set.list[name], p.child(set.name).key(name)
			if !isContainerResource(name) {
				errs = append(errs, invalid(rp, name, "must be a standard resource for containers"))
			} else if strings.Contains(name, "/") {
				errs = append(errs, check(rp, name, IsQualifiedName(name))...)
			}
			if q.MilliValue() < 0 {
				errs = append(errs, invalid(rp, q.String(), "must be greater than or equal to 0"))
			}
		}
	}
	for _, name := range sortedKeys(r.Requests) {
		req := r.Requests[name]
		if limit, ok := r.Limits[name]; ok && req.Cmp(limit) > 0 {
			errs = append(errs, invalid(p.child("requests").key(name), req.String(),
				fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())))
		}
	}
	return errs
}

// validateProbe checks one probe; kind is livenessProbe, readinessProbe or
// startupProbe.
func validateProbe(pr *Probe, kind string, p fieldPath) ErrorList {
	handlers, errs := validateHandler(pr.Exec, pr.HTTPGet, pr.TCPSocket, p)
	errs = append(errs, oneHandler(handlers, p)...)
	for _, f := range []struct {
		name  string
		value int32
	}{{"initialDelaySeconds", pr.InitialDelaySeconds}, {"timeoutSeconds", pr.TimeoutSeconds},
		{"successThreshold", pr.SuccessThreshold}, {"failureThreshold", pr.FailureThreshold}} {
		if f.value < 0 {
			errs = append(errs, invalid(p.child(f.name), f.value, "must be greater than or equal to 0"))
		}
	}
	if pr.PeriodSeconds < 1 {
		errs = append(errs, invalid(p.child("periodSeconds"), pr.PeriodSeconds, "must be greater than or equal to 1"))
	}
	if kind != "readinessProbe" && pr.SuccessThreshold > 1 {
		errs = append(errs, invalid(p.child("successThreshold"), pr.SuccessThreshold, "must be 1"))
	}
	if g := pr.TerminationGracePeriodSeconds; g != nil {
		if kind == "readinessProbe" {
			errs = append(errs, forbidden(p.child("terminationGracePeriodSeconds"), "may not be set for readinessProbes"))
		} else if *g <= 0 {
			errs = append(errs, invalid(p.child("terminationGracePeriodSeconds"), *g, "must be greater than 0"))
		}
	}
	return errs
}

// validateHandler checks the handlers a probe or a lifecycle hook has
// set, and returns their names.
func validateHandler(exec *ExecAction, httpGet *HTTPGetAction, tcpSocket *TCPSocketAction, p fieldPath) (handlers []string, errs ErrorList) {
	if e := exec; e != nil {
		handlers = append(handlers, "exec")
		if len(e.Command) == 0 {
			errs = append(errs, required(p.child("exec").child("command"), ""))
		}
	}
	if h := httpGet; h != nil {
		handlers = append(handlers, "httpGet")
		hp := p.child("httpGet")
		if h.Path == "" {
			errs = append(errs, required(hp.child("path"), ""))
		}
		errs = append(errs, validatePortNumOrName(hp.child("port"), h.Port)...)
		if h.Scheme != "" && !oneOf(h.Scheme, "HTTP", "HTTPS") {
			errs = append(errs, notSupported(hp.child("scheme"), h.Scheme, "HTTP", "HTTPS"))
		}
	}
	if t := tcpSocket; t != nil {
		handlers = append(handlers, "tcpSocket")
		errs = append(errs, validatePortNumOrName(p.child("tcpSocket").child("port"), t.Port)...)
	}
	return handlers, errs
}

// oneHandler checks that exactly one handler is set.
func oneHandler(handlers []string, p fieldPath) ErrorList {
	switch {
	case len(handlers) == 0:
		return ErrorList{required(p, "must specify a handler type")}
	case len(handlers) > 1:
		return ErrorList{forbidden(p.child(handlers[1]), "may not specify more than 1 handler type")}
	}
	return nil
}

// validateFieldRef checks a field selector of the downward API: version
// v1, and a path among allowed or a subscripted label or annotation
// (metadata.labels['app']).
func validateFieldRef(f *ObjectFieldSelector, p fieldPath, allowed []string) ErrorList {
	var errs ErrorList
	if f.APIVersion != "" && f.APIVersion != "v1" {
		errs = append(errs, notSupported(p.child("apiVersion"), f.APIVersion, "v1"))
	}
	switch {
	case f.FieldPath == "":
		errs = append(errs, required(p.child("fieldPath"), ""))
	case isSubscriptedField(f.FieldPath):
	case !oneOf(f.FieldPath, allowed...):
		errs = append(errs, notSupported(p.child("fieldPath"), f.FieldPath, allowed...))
	}
	return errs
}
