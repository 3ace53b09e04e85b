package kubelet

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"kubelab/pkg/api"
)

// kubernetesService is the name of the Service, in namespace default, that
// says where the API is; the apiserver keeps it.
const kubernetesService = "kubernetes"

// A container's environment, as Kubernetes' kubelet makes it
// (makeEnvironmentVariables), in this order, a later name replacing an
// earlier one:
//
//  1. envFrom: every key of each ConfigMap or Secret, named prefix+key; a
//     key that is no valid variable name is skipped, and an event
//     (InvalidEnvironmentVariableNames) says which;
//  2. env, in order: a value, with $(VAR) references to the variables
//     before it expanded (expand.go), or a valueFrom: a key of a
//     ConfigMap or Secret (configMapKeyRef, secretKeyRef), a field of the
//     pod (fieldRef, the downward API) or a limit or request of a
//     container (resourceFieldRef, env_resources.go);
//  3. where the API is: KUBERNETES_SERVICE_HOST and the rest, from the
//     kubernetes Service (serviceEnv), unless the container set them.
//
// A ConfigMap, Secret or key that is missing fails the container's start
// (CreateContainerConfigError, with Kubernetes' message) unless the
// reference is optional; the pod workers try again later. What a Secret
// holds goes into the container's environment and nowhere else: no
// message, event or log line carries a value.
//
// Kubernetes also adds variables for every Service of the pod's
// namespace (enableServiceLinks, on by default there); this kubelet does
// not.

// envSources is what a container's environment comes from beyond its
// pod.
type envSources struct {
	config      configAPI // nil: a reference to a ConfigMap or Secret fails
	events      eventRecorder
	hostIP      string
	apiService  *api.Service     // the kubernetes Service in namespace default; nil while there is none
	allocatable api.ResourceList // the node's: what a container without a limit may use
}

// envVars is an environment in the making: names in the order first set,
// each with its latest value.
type envVars struct {
	names  []string
	values map[string]string
}

// newEnvVars makes an environment of "NAME=value" strings.
func newEnvVars(env []string) *envVars {
	e := &envVars{values: map[string]string{}}
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		e.set(name, value)
	}
	return e
}

func (e *envVars) set(name, value string) {
	if _, ok := e.values[name]; !ok {
		e.names = append(e.names, name)
	}
	e.values[name] = value
}

func (e *envVars) lookup(name string) (string, bool) {
	v, ok := e.values[name]
	return v, ok
}

// containerEnv resolves c's environment to "NAME=value" strings, so that
// a runtime needs nothing from the API.
func (s *envSources) containerEnv(ctx context.Context, pod *api.Pod, c *api.Container, podIP string) ([]string, error) {
	own := newEnvVars(nil)
	for _, src := range c.EnvFrom {
		if err := s.envFrom(ctx, pod, src, own); err != nil {
			return nil, err
		}
	}
	services := newEnvVars(serviceEnv(s.apiService))
	for _, e := range c.Env {
		v := e.Value
		if src := e.ValueFrom; src != nil {
			var err error
			if v, err = s.valueFrom(ctx, pod, c, src, podIP); err != nil {
				return nil, err
			}
		} else {
			// References to variables set so far, the container's own
			// first, then the Service's.
			v = expand(v, func(name string) (string, bool) {
				if v, ok := own.lookup(name); ok {
					return v, true
				}
				return services.lookup(name)
			})
		}
		own.set(e.Name, v)
	}
	var env []string
	for _, name := range services.names {
		if _, ok := own.lookup(name); !ok {
			env = append(env, name+"="+services.values[name])
		}
	}
	for _, name := range own.names {
		env = append(env, name+"="+own.values[name])
	}
	return env, nil
}

// valueFrom is the value of one env entry's valueFrom.
func (s *envSources) valueFrom(ctx context.Context, pod *api.Pod, c *api.Container, src *api.EnvVarSource, podIP string) (string, error) {
	switch {
	case src.FieldRef != nil:
		return podField(pod, src.FieldRef.FieldPath, podIP, s.hostIP)
	case src.ResourceFieldRef != nil:
		return containerResource(pod, c, src.ResourceFieldRef, s.allocatable)
	case src.ConfigMapKeyRef != nil:
		return s.keyValue(ctx, pod.Namespace, "ConfigMap", src.ConfigMapKeyRef)
	case src.SecretKeyRef != nil:
		return s.keyValue(ctx, pod.Namespace, "Secret", src.SecretKeyRef)
	}
	return "", nil
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
