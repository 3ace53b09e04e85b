package scheduler

import (
	"fmt"
	"slices"
	"strconv"

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
	for _, c := range node.Node.Status.Conditions {
		if c.Type == api.NodeReady {
			if c.Status == api.ConditionTrue {
				return true, ""
			}
			break
		}
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
	if slices.ContainsFunc(pod.Spec.Tolerations, func(t api.Toleration) bool { return tolerates(t, cordon) }) {
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
		if !slices.ContainsFunc(pod.Spec.Tolerations, func(t api.Toleration) bool { return tolerates(t, taint) }) {
			return false, fmt.Sprintf("node(s) had untolerated taint {%s: %s}", taint.Key, taint.Value)
		}
	}
	return true, ""
}

// tolerates reports whether toleration t matches taint: same effect (or
// any, when t has none), same key (or any, for an empty key with Exists),
// and the same value unless the operator is Exists.
func tolerates(t api.Toleration, taint api.Taint) bool {
	if t.Effect != "" && t.Effect != taint.Effect {
		return false
	}
	if t.Key != "" && t.Key != taint.Key {
		return false
	}
	switch t.Operator {
	case "Exists":
		return true
	case "", "Equal":
		return t.Key != "" && t.Value == taint.Value
	}
	return false
}

// NodeSelector fits nodes that carry every label of spec.nodeSelector.
func NodeSelector(pod *PodInfo, node *NodeInfo) (bool, string) {
	for k, v := range pod.Spec.NodeSelector {
		if got, ok := node.Node.Labels[k]; !ok || got != v {
			return false, ReasonNodeAffinity
		}
	}
	return true, ""
}

// NodeAffinity fits nodes that match the pod's required node affinity: any
// one of its terms (they are ORed), each term matching when all its
// expressions do (they are ANDed). Preferred affinity only scores in
// Kubernetes; kubelab ignores it.
func NodeAffinity(pod *PodInfo, node *NodeInfo) (bool, string) {
	aff := pod.Spec.Affinity
	if aff == nil || aff.NodeAffinity == nil || aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return true, ""
	}
	for _, term := range aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		if termMatches(term, node.Node) {
			return true, ""
		}
	}
	return false, ReasonNodeAffinity
}

// termMatches: an empty term matches no node, as in Kubernetes.
func termMatches(term api.NodeSelectorTerm, node *api.Node) bool {
	if len(term.MatchExpressions) == 0 && len(term.MatchFields) == 0 {
		return false
	}
	for _, r := range term.MatchExpressions {
		if !requirementMatches(r, node.Labels) {
			return false
		}
	}
	// The one field Kubernetes allows here is metadata.name.
	fields := map[string]string{"metadata.name": node.Name}
	for _, r := range term.MatchFields {
		if r.Key != "metadata.name" || !requirementMatches(r, fields) {
			return false
		}
	}
	return true
}

// requirementMatches applies one In/NotIn/Exists/DoesNotExist/Gt/Lt
// requirement to a node's labels. Gt and Lt compare integers; a label
// that is missing or not an integer does not match.
func requirementMatches(r api.NodeSelectorRequirement, labels map[string]string) bool {
	v, ok := labels[r.Key]
	switch r.Operator {
	case "In":
		return ok && slices.Contains(r.Values, v)
	case "NotIn":
		return !ok || !slices.Contains(r.Values, v)
	case "Exists":
		return ok
	case "DoesNotExist":
		return !ok
	case "Gt", "Lt":
		if !ok || len(r.Values) != 1 {
			return false
		}
		have, err1 := strconv.ParseInt(v, 10, 64)
		want, err2 := strconv.ParseInt(r.Values[0], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		if r.Operator == "Gt" {
			return have > want
		}
		return have < want
	}
	return false
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
