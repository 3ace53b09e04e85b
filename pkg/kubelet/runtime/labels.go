package runtime

import (
	"strconv"

	"kubelab/pkg/api"
	"kubelab/pkg/nodecheck"
)

// Labels a runtime puts on every container it makes for the kubelet, so
// that ListContainers can say whose each container is, also after the
// kubelet restarted and forgot. They use Docker's reverse-DNS style, as
// Kubernetes' own io.kubernetes.pod.uid does.
const (
	LabelNode          = nodecheck.LabelNode // kctl doctor counts containers by it
	LabelPodUID        = "io.kubelab.pod.uid"
	LabelPodNamespace  = "io.kubelab.pod.namespace"
	LabelPodName       = "io.kubelab.pod.name"
	LabelContainerName = "io.kubelab.container.name"
	LabelAttempt       = "io.kubelab.container.attempt"
	LabelPodIP         = "io.kubelab.pod.ip"
)

// ContainerLabels returns the labels for container name (SandboxName for
// the sandbox) of pod on node. podIP is recorded on the sandbox only.
func ContainerLabels(node string, pod *api.Pod, name string, attempt int, podIP string) map[string]string {
	l := map[string]string{
		LabelNode:          node,
		LabelPodUID:        pod.UID,
		LabelPodNamespace:  pod.Namespace,
		LabelPodName:       pod.Name,
		LabelContainerName: name,
		LabelAttempt:       strconv.Itoa(attempt),
	}
	if podIP != "" {
		l[LabelPodIP] = podIP
	}
	return l
}

// ContainerFromLabels fills the identity fields of a Container (whose pod,
// which container, which attempt, the pod IP) from the labels
// ContainerLabels made; the runtime adds the rest. ok is false for a
// container that is not node's.
func ContainerFromLabels(node string, l map[string]string) (c Container, ok bool) {
	if l[LabelNode] != node || l[LabelPodUID] == "" || l[LabelContainerName] == "" {
		return Container{}, false
	}
	attempt, _ := strconv.Atoi(l[LabelAttempt])
	return Container{
		PodUID:       l[LabelPodUID],
		PodNamespace: l[LabelPodNamespace],
		PodName:      l[LabelPodName],
		Name:         l[LabelContainerName],
		Attempt:      attempt,
		PodIP:        l[LabelPodIP],
	}, true
}
