package kubelet

import (
	"fmt"
	"strings"

	"kubelab/pkg/api"
)

// containerEnv resolves a container's environment to "NAME=value" strings:
// plain values as they are, fieldRef values from the pod (the downward
// API: metadata.name, status.podIP …). A runtime then needs nothing from
// the API.
//
// Kubernetes also expands $(VAR) references, reads configMapKeyRef,
// secretKeyRef and resourceFieldRef, and adds variables for Services; this
// kubelet does not yet, and says so rather than start a container with a
// variable missing.
func containerEnv(pod *api.Pod, c *api.Container, podIP, hostIP string) ([]string, error) {
	var env []string
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
