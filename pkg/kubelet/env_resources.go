package kubelet

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"kubelab/pkg/api"
)

// A container learns its own limits and requests from the downward API
// (resourceFieldRef), in an environment variable or a downwardAPI file,
// so that a JVM or a Go program sizes its heap or GOMAXPROCS to what it
// was given:
//
//	limits.cpu 500m, divisor 1m     500
//	limits.cpu 500m, divisor 1      1       CPU rounds up: a core at least
//	limits.memory 64Mi, divisor 1Mi 64
//	requests.memory 64Mi            67108864 (divisor 1: bytes)
//
// A container without a limit is limited by the node: as Kubernetes
// does, its limits are the node's allocatable, as the kubelet registered
// it. Without an allocatable (a kubelet that has not registered its Node,
// in tests) the limit is unset, and the value 0, as a request that is not
// set is.

// containerResource is the value of a resourceFieldRef of container c of
// pod, or of the container it names (c is nil for a downwardAPI file),
// with the node's allocatable.
func containerResource(pod *api.Pod, c *api.Container, ref *api.ResourceFieldSelector, allocatable api.ResourceList) (string, error) {
	if ref.ContainerName != "" {
		if c = podContainer(pod, ref.ContainerName); c == nil {
			return "", fmt.Errorf("resourceFieldRef: no container %q in the pod", ref.ContainerName)
		}
	}
	if c == nil {
		return "", fmt.Errorf("resourceFieldRef %s: containerName is required", ref.Resource)
	}
	kind, name, _ := strings.Cut(ref.Resource, ".")
	var q api.Quantity
	var ok bool
	switch kind {
	case "limits":
		if q, ok = c.Resources.Limits[name]; !ok {
			q = allocatable[name]
		}
	case "requests":
		q = c.Resources.Requests[name]
	default:
		return "", fmt.Errorf("resourceFieldRef: unsupported resource %q", ref.Resource)
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = api.MustParse("1")
	}
	// Thousandths over thousandths: the ratio, rounded up, whatever the
	// unit, as Kubernetes rounds CPU (and, with a divisor of 1, memory
	// is whole bytes already).
	return strconv.FormatInt(int64(math.Ceil(float64(q.MilliValue())/float64(divisor.MilliValue()))), 10), nil
}

// podContainer is the container or init container of pod named name.
func podContainer(pod *api.Pod, name string) *api.Container {
	for _, list := range [][]api.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}
