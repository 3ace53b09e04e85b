package daemonset

import (
	"slices"

	"kubelab/pkg/api"
)

// Which nodes get a daemon pod? The DaemonSet controller places its pods
// itself, so it answers the scheduler's questions of its own:
//
//   - does the node match the template's nodeSelector and required node
//     affinity?
//   - does the pod tolerate the node's NoSchedule and NoExecute taints?
//
// and ignores the rest: a cordoned node (spec.unschedulable) still gets its
// pod, and so does a full one (Kubernetes leaves resources to the kubelet's
// admission). A daemon pod tolerates more than its template says: see
// daemonTolerations.
//
// A NoSchedule taint keeps a new pod away but lets a running one stay; a
// NoExecute taint does both. So there are two answers per node.

// eligibility says what a DaemonSet may do on one node.
type eligibility struct {
	shouldRun bool // a pod should be created here if there is none
	mayStay   bool // a pod already here may keep running
}

// eligible answers for a pod with spec (the template plus the daemon
// tolerations) on node (Kubernetes: NodeShouldRunDaemonPod in
// pkg/controller/daemon/daemon_controller.go).
func eligible(spec *api.PodSpec, node *api.Node) eligibility {
	if spec.NodeName != "" && spec.NodeName != node.Name {
		return eligibility{}
	}
	if !api.PodMatchesNode(spec, node) {
		return eligibility{}
	}
	e := eligibility{shouldRun: true, mayStay: true}
	for _, t := range node.Spec.Taints {
		if api.TolerationsTolerateTaint(spec.Tolerations, t) {
			continue
		}
		switch t.Effect {
		case api.TaintNoExecute:
			return eligibility{}
		case api.TaintNoSchedule:
			e.shouldRun = false
		}
	}
	return e
}

// daemonTolerations are added to every daemon pod, as Kubernetes does
// (AddOrUpdateDaemonPodTolerations in pkg/controller/daemon/util): a
// node agent's pod must stay on a node that is not ready or cut off, and
// must start on a node under pressure or cordoned.
var daemonTolerations = []api.Toleration{
	{Key: api.TaintNodeNotReady, Operator: "Exists", Effect: api.TaintNoExecute},
	{Key: api.TaintNodeUnreachable, Operator: "Exists", Effect: api.TaintNoExecute},
	{Key: "node.kubernetes.io/disk-pressure", Operator: "Exists", Effect: api.TaintNoSchedule},
	{Key: "node.kubernetes.io/memory-pressure", Operator: "Exists", Effect: api.TaintNoSchedule},
	{Key: "node.kubernetes.io/pid-pressure", Operator: "Exists", Effect: api.TaintNoSchedule},
	{Key: api.TaintNodeUnschedulable, Operator: "Exists", Effect: api.TaintNoSchedule},
}

// hostNetworkToleration is added for pods on the host network, which work
// before the node's pod network does.
var hostNetworkToleration = api.Toleration{Key: "node.kubernetes.io/network-unavailable", Operator: "Exists", Effect: api.TaintNoSchedule}

// withDaemonTolerations returns tols plus each daemon toleration whose key
// and effect tols do not already cover.
func withDaemonTolerations(tols []api.Toleration, hostNetwork bool) []api.Toleration {
	add := daemonTolerations
	if hostNetwork {
		add = append(slices.Clone(add), hostNetworkToleration)
	}
	out := slices.Clone(tols)
	for _, d := range add {
		if !slices.ContainsFunc(tols, func(t api.Toleration) bool { return t.Key == d.Key && t.Effect == d.Effect }) {
			out = append(out, d)
		}
	}
	return out
}

// pinnedTo returns a required node affinity for exactly the node named, in
// place of the template's (which the node is known to satisfy), as
// Kubernetes does for daemon pods (ReplaceDaemonSetPodNodeNameNodeAffinity).
// The pod is bound by spec.nodeName already; the affinity says the same to
// anyone who reads the pod.
func pinnedTo(a *api.Affinity, nodeName string) *api.Affinity {
	out := &api.Affinity{}
	if a != nil {
		cp := *a
		out = &cp
	}
	na := &api.NodeAffinity{}
	if out.NodeAffinity != nil {
		*na = *out.NodeAffinity
	}
	na.RequiredDuringSchedulingIgnoredDuringExecution = &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
		MatchFields: []api.NodeSelectorRequirement{{Key: "metadata.name", Operator: "In", Values: []string{nodeName}}},
	}}}
	out.NodeAffinity = na
	return out
}
