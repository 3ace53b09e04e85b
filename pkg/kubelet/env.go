package kubelet

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"kubelab/pkg/api"
)

// kubernetesService is the name of the Service, in namespace default, that
// says where the API is; the apiserver keeps it.
const kubernetesService = "kubernetes"

// containerEnv resolves a container's environment to "NAME=value" strings:
// plain values as they are, fieldRef values from the pod (the downward
// API: metadata.name, status.podIP …). A runtime then needs nothing from
// the API.
//
// Every container also learns where the API is, from apiService (the
// kubernetes Service in namespace default; nil while there is none): the
// variables Kubernetes gives it, KUBERNETES_SERVICE_HOST,
// KUBERNETES_SERVICE_PORT and the rest (see serviceEnv). A variable the
// container sets itself wins.
//
// Kubernetes also expands $(VAR) references and reads configMapKeyRef,
// secretKeyRef and resourceFieldRef; this kubelet does not, and says so
// rather than start a container with a variable missing. It also leaves
// out the variables Kubernetes adds for every Service of the pod's
// namespace (enableServiceLinks, on by default there).
func containerEnv(pod *api.Pod, c *api.Container, podIP, hostIP string, apiService *api.Service) ([]string, error) {
	var env []string
	own := map[string]bool{}
	for _, e := range c.Env {
		own[e.Name] = true
	}
	for _, kv := range serviceEnv(apiService) {
		if name, _, _ := strings.Cut(kv, "="); !own[name] {
			env = append(env, kv)
		}
	}
	for _, e := range c.Env {
		v := e.Value
		if src := e.ValueFrom; src != nil {
			if src.FieldRef == nil {
				return nil, fmt.Errorf("env %s: only value and valueFrom.fieldRef are supported by this kubelet", e.Name)
			}
			var err error
			if v, err = podField(pod, src.FieldRef.FieldPath, podIP, hostIP); err != nil {
				return nil, fmt.Errorf("env %s: %w", e.Name, err)
			}
		}
		env = append(env, e.Name+"="+v)
	}
	return env, nil
}

// serviceEnv is what Kubernetes tells a container about a Service named,
// say, kubernetes at 10.96.0.1 with port https 443/TCP:
//
//	KUBERNETES_SERVICE_HOST=10.96.0.1
//	KUBERNETES_SERVICE_PORT=443              the first port
//	KUBERNETES_SERVICE_PORT_HTTPS=443        each named port
//	KUBERNETES_PORT=tcp://10.96.0.1:443      Docker links' style, the first port
//	KUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443
//	KUBERNETES_PORT_443_TCP_PROTO=tcp
//	KUBERNETES_PORT_443_TCP_PORT=443
//	KUBERNETES_PORT_443_TCP_ADDR=10.96.0.1
//
// A Service without a ClusterIP (none yet, headless) gives nothing.
func serviceEnv(svc *api.Service) []string {
	if svc == nil || len(svc.Spec.Ports) == 0 || svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == api.ClusterIPNone {
		return nil
	}
	ip, prefix := svc.Spec.ClusterIP, strings.ToUpper(strings.ReplaceAll(svc.Name, "-", "_"))
	first := strconv.Itoa(int(svc.Spec.Ports[0].Port))
	env := []string{prefix + "_SERVICE_HOST=" + ip, prefix + "_SERVICE_PORT=" + first}
	for _, p := range svc.Spec.Ports {
		if p.Name != "" {
			env = append(env, prefix+"_SERVICE_PORT_"+strings.ToUpper(strings.ReplaceAll(p.Name, "-", "_"))+"="+strconv.Itoa(int(p.Port)))
		}
	}
	for i, p := range svc.Spec.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = "TCP"
		}
		port := strconv.Itoa(int(p.Port))
		url := strings.ToLower(proto) + "://" + net.JoinHostPort(ip, port)
		if i == 0 {
			env = append(env, prefix+"_PORT="+url)
		}
		link := prefix + "_PORT_" + port + "_" + strings.ToUpper(proto)
		env = append(env, link+"="+url, link+"_PROTO="+strings.ToLower(proto), link+"_PORT="+port, link+"_ADDR="+ip)
	}
	return env
}

// podField is the value of a downward-API field path.
func podField(pod *api.Pod, path, podIP, hostIP string) (string, error) {
	if key, ok := subscript(path, "metadata.labels"); ok {
		return pod.Labels[key], nil
	}
	if key, ok := subscript(path, "metadata.annotations"); ok {
		return pod.Annotations[key], nil
	}
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return pod.UID, nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP", "status.podIPs":
		return podIP, nil
	case "status.hostIP", "status.hostIPs":
		return hostIP, nil
	}
	return "", fmt.Errorf("fieldRef %q is not supported", path)
}

// subscript parses "metadata.labels['app']" into "app".
func subscript(path, field string) (string, bool) {
	rest, ok := strings.CutPrefix(path, field+"['")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, "']")
}
