package scheduler

import (
	"fmt"

	"kubelab/pkg/api"
)

// Filter plugins. Each says whether a pod may run on a node and, if not,
// why, in the words Kubernetes uses so that FitError summaries read the
// same. They are pure: they read the pod and the NodeInfo and change
// neither.

// Reasons filters give; FitError counts nodes by them.
const (
	ReasonNodeName      = "node(s) didn't match the requested node name"
	ReasonNotReady      = "node(s) were not ready"
	ReasonUnschedulable = "node(s) were unschedulable"
	ReasonNodeAffinity  = "node(s) didn't match Pod's node affinity/selector"
	ReasonNodePorts     = "node(s) didn't have free ports for the requested pod ports"
	ReasonTooManyPods   = "Too many pods"
	ReasonCPU           = "Insufficient cpu"
	ReasonMemory        = "Insufficient memory"
)

// NodeName fits only the node the pod names in spec.nodeName, if it names
// one. The loop only schedules pods that name none, so this matters to
// callers of Schedule with such a pod.
func NodeName(pod *PodInfo, node *NodeInfo) (bool, string) {
	if pod.Spec.NodeName != "" && pod.Spec.NodeName != node.Node.Name {
		return false, ReasonNodeName
	}
	return true, ""
}

// NodeReady fits nodes whose Ready condition is True: a node agent that
// stopped reporting cannot start the pod. (Kubernetes gets the same effect
// from the not-ready taint that its node controller adds.)
func NodeReady(_ *PodInfo, node *NodeInfo) (bool, string) {
	if node.Ready { // the Ready condition, read when the node changed (NodeInfo)
		return true, ""
	}
	return false, ReasonNotReady
}

// NodeUnschedulable keeps pods off cordoned nodes (spec.unschedulable),
// unless the pod tolerates the node.kubernetes.io/unschedulable taint.
func NodeUnschedulable(pod *PodInfo, node *NodeInfo) (bool, string) {
	if !node.Node.Spec.Unschedulable {
		return true, ""
	}
	cordon := api.Taint{Key: api.TaintNodeUnschedulable, Effect: api.TaintNoSchedule}
	if api.TolerationsTolerateTaint(pod.Spec.Tolerations, cordon) {
		return true, ""
	}
	return false, ReasonUnschedulable
}

// TaintToleration fits a node when the pod tolerates each of its taints
// with effect NoSchedule or NoExecute. (PreferNoSchedule only lowers a
// node's score in Kubernetes; kubelab ignores it.)
func TaintToleration(pod *PodInfo, node *NodeInfo) (bool, string) {
	for _, taint := range node.Node.Spec.Taints {
		if taint.Effect != api.TaintNoSchedule && taint.Effect != api.TaintNoExecute {
			continue
		}
		if !api.TolerationsTolerateTaint(pod.Spec.Tolerations, taint) {
			return false, fmt.Sprintf("node(s) had untolerated taint {%s: %s}", taint.Key, taint.Value)
		}
	}
	return true, ""
}

// NodeSelector fits nodes that carry every label of spec.nodeSelector.
func NodeSelector(pod *PodInfo, node *NodeInfo) (bool, string) {
	if !api.NodeLabelsMatch(pod.Spec.NodeSelector, node.Node) {
		return false, ReasonNodeAffinity
	}
	return true, ""
}

// NodeAffinity fits nodes that match the pod's required node affinity: any
// one of its terms (they are ORed), each term matching when all its
// expressions do (they are ANDed); an empty term matches no node.
// Preferred affinity only scores in Kubernetes; kubelab ignores it.
func NodeAffinity(pod *PodInfo, node *NodeInfo) (bool, string) {
	if !api.NodeSelectorMatches(pod.Spec.RequiredNodeSelector(), node.Node) {
		return false, ReasonNodeAffinity
	}
	return true, ""
}

// NodePorts fits nodes where none of the host ports the pod asks for is
// taken. Two uses of a port conflict when protocol and port are the same
// and the addresses are the same or either is 0.0.0.0 (every address).
func NodePorts(pod *PodInfo, node *NodeInfo) (bool, string) {
	for _, want := range pod.HostPorts {
		for used := range node.UsedPorts {
			if used.Protocol == want.Protocol && used.Port == want.Port &&
				(used.IP == want.IP || used.IP == "0.0.0.0" || want.IP == "0.0.0.0") {
				return false, ReasonNodePorts
			}
		}
	}
	return true, ""
}

// NodeResourcesFit fits nodes with room for the pod: its requests fit in
// allocatable minus what the node's pods already request, and a pod slot
// is free. Kubernetes reports every resource that is short; kubelab, like
// the other filters, gives the first.
func NodeResourcesFit(pod *PodInfo, node *NodeInfo) (bool, string) {
	req := pod.Requests
	free := node.Allocatable
	free.sub(node.Requested)
	switch {
	case free.Pods < 1:
		return false, ReasonTooManyPods
	case req.MilliCPU > 0 && req.MilliCPU > free.MilliCPU:
		return false, ReasonCPU
	case req.Memory > 0 && req.Memory > free.Memory:
		return false, ReasonMemory
	}
	return true, ""
}
