package scheduler

import (
	"testing"

	"kubelab/pkg/api"
)

// filterCase is one run of a filter plugin: pod against node, which
// already runs the pods in on.
type filterCase struct {
	name   string
	pod    *api.Pod
	node   *api.Node
	on     []*api.Pod
	ok     bool
	reason string
}

func runFilterCases(t *testing.T, filter func(*PodInfo, *NodeInfo) (bool, string), cases []filterCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ok, reason := filter(NewPodInfo(tc.pod), NewNodeInfo(tc.node, tc.on...))
			if ok != tc.ok || reason != tc.reason {
				t.Errorf("got (%v, %q), want (%v, %q)", ok, reason, tc.ok, tc.reason)
			}
		})
	}
}

func TestNodeName(t *testing.T) {
	runFilterCases(t, NodeName, []filterCase{
		{name: "no node named", pod: makePod("p", "", ""), node: makeNode("n1", "1", "1Gi"), ok: true},
		{name: "this node named", pod: makePod("p", "", "", onNode("n1")), node: makeNode("n1", "1", "1Gi"), ok: true},
		{name: "another node named", pod: makePod("p", "", "", onNode("n2")), node: makeNode("n1", "1", "1Gi"), reason: ReasonNodeName},
	})
}

func TestNodeReady(t *testing.T) {
	noConditions := func(n *api.Node) { n.Status.Conditions = nil }
	runFilterCases(t, NodeReady, []filterCase{
		{name: "ready", pod: makePod("p", "", ""), node: makeNode("n1", "1", "1Gi"), ok: true},
		{name: "ready unknown", pod: makePod("p", "", ""), node: makeNode("n1", "1", "1Gi", notReady), reason: ReasonNotReady},
		{name: "never reported", pod: makePod("p", "", ""), node: makeNode("n1", "1", "1Gi", noConditions), reason: ReasonNotReady},
	})
}

func TestNodeUnschedulable(t *testing.T) {
	cordonToleration := api.Toleration{Key: api.TaintNodeUnschedulable, Operator: "Exists", Effect: api.TaintNoSchedule}
	runFilterCases(t, NodeUnschedulable, []filterCase{
		{name: "schedulable", pod: makePod("p", "", ""), node: makeNode("n1", "1", "1Gi"), ok: true},
		{name: "cordoned", pod: makePod("p", "", ""), node: makeNode("n1", "1", "1Gi", cordoned), reason: ReasonUnschedulable},
		{name: "cordoned, tolerated", pod: makePod("p", "", "", tolerating(cordonToleration)), node: makeNode("n1", "1", "1Gi", cordoned), ok: true},
		{name: "cordoned, tolerate everything", pod: makePod("p", "", "", tolerating(api.Toleration{Operator: "Exists"})),
			node: makeNode("n1", "1", "1Gi", cordoned), ok: true},
		{name: "cordoned, other toleration", pod: makePod("p", "", "", tolerating(api.Toleration{Key: "gpu", Operator: "Exists"})),
			node: makeNode("n1", "1", "1Gi", cordoned), reason: ReasonUnschedulable},
	})
}

func TestTaintToleration(t *testing.T) {
	gpu := api.Taint{Key: "gpu", Value: "true", Effect: api.TaintNoSchedule}
	gone := api.Taint{Key: "node.kubernetes.io/unreachable", Effect: api.TaintNoExecute}
	soft := api.Taint{Key: "spot", Value: "yes", Effect: api.TaintPreferNoSchedule}
	runFilterCases(t, TaintToleration, []filterCase{
		{name: "no taints", pod: makePod("p", "", ""), node: makeNode("n1", "1", "1Gi"), ok: true},
		{name: "NoSchedule untolerated", pod: makePod("p", "", ""), node: makeNode("n1", "1", "1Gi", tainted(gpu)),
			reason: "node(s) had untolerated taint {gpu: true}"},
		{name: "NoExecute untolerated, no value", pod: makePod("p", "", ""), node: makeNode("n1", "1", "1Gi", tainted(gone)),
			reason: "node(s) had untolerated taint {node.kubernetes.io/unreachable: }"},
		{name: "PreferNoSchedule is ignored", pod: makePod("p", "", ""), node: makeNode("n1", "1", "1Gi", tainted(soft)), ok: true},
		{name: "Equal with the value", pod: makePod("p", "", "", tolerating(api.Toleration{Key: "gpu", Operator: "Equal", Value: "true", Effect: api.TaintNoSchedule})),
			node: makeNode("n1", "1", "1Gi", tainted(gpu)), ok: true},
		{name: "empty operator means Equal", pod: makePod("p", "", "", tolerating(api.Toleration{Key: "gpu", Value: "true"})),
			node: makeNode("n1", "1", "1Gi", tainted(gpu)), ok: true},
		{name: "Equal with another value", pod: makePod("p", "", "", tolerating(api.Toleration{Key: "gpu", Operator: "Equal", Value: "false"})),
			node: makeNode("n1", "1", "1Gi", tainted(gpu)), reason: "node(s) had untolerated taint {gpu: true}"},
		{name: "Exists on the key", pod: makePod("p", "", "", tolerating(api.Toleration{Key: "gpu", Operator: "Exists"})),
			node: makeNode("n1", "1", "1Gi", tainted(gpu)), ok: true},
		{name: "other effect", pod: makePod("p", "", "", tolerating(api.Toleration{Key: "gpu", Operator: "Exists", Effect: api.TaintNoExecute})),
			node: makeNode("n1", "1", "1Gi", tainted(gpu)), reason: "node(s) had untolerated taint {gpu: true}"},
		{name: "empty key with Exists tolerates all", pod: makePod("p", "", "", tolerating(api.Toleration{Operator: "Exists"})),
			node: makeNode("n1", "1", "1Gi", tainted(gpu, gone)), ok: true},
		{name: "one of two tolerated", pod: makePod("p", "", "", tolerating(api.Toleration{Key: "gpu", Operator: "Exists"})),
			node: makeNode("n1", "1", "1Gi", tainted(gpu, gone)), reason: "node(s) had untolerated taint {node.kubernetes.io/unreachable: }"},
	})
}

func TestNodeSelector(t *testing.T) {
	ssd := labelled(map[string]string{"disk": "ssd", "zone": "a"})
	runFilterCases(t, NodeSelector, []filterCase{
		{name: "no selector", pod: makePod("p", "", ""), node: makeNode("n1", "1", "1Gi"), ok: true},
		{name: "all labels match", pod: makePod("p", "", "", withNodeSelector(map[string]string{"disk": "ssd", "zone": "a"})),
			node: makeNode("n1", "1", "1Gi", ssd), ok: true},
		{name: "a value differs", pod: makePod("p", "", "", withNodeSelector(map[string]string{"disk": "hdd"})),
			node: makeNode("n1", "1", "1Gi", ssd), reason: ReasonNodeAffinity},
		{name: "a label is missing", pod: makePod("p", "", "", withNodeSelector(map[string]string{"gpu": "true"})),
			node: makeNode("n1", "1", "1Gi", ssd), reason: ReasonNodeAffinity},
	})
}

func TestNodeAffinity(t *testing.T) {
	node := makeNode("n1", "1", "1Gi", labelled(map[string]string{"zone": "a", "cores": "8"}))
	expr := func(key, op string, values ...string) api.NodeSelectorRequirement {
		return api.NodeSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	term := func(exprs ...api.NodeSelectorRequirement) api.NodeSelectorTerm {
		return api.NodeSelectorTerm{MatchExpressions: exprs}
	}
	cases := []struct {
		name  string
		terms []api.NodeSelectorTerm
		ok    bool
	}{
		{"In matches", []api.NodeSelectorTerm{term(expr("zone", "In", "a", "b"))}, true},
		{"In misses", []api.NodeSelectorTerm{term(expr("zone", "In", "b"))}, false},
		{"In on a missing label", []api.NodeSelectorTerm{term(expr("rack", "In", "r1"))}, false},
		{"NotIn matches", []api.NodeSelectorTerm{term(expr("zone", "NotIn", "b"))}, true},
		{"NotIn misses", []api.NodeSelectorTerm{term(expr("zone", "NotIn", "a"))}, false},
		{"NotIn on a missing label", []api.NodeSelectorTerm{term(expr("rack", "NotIn", "r1"))}, true},
		{"Exists", []api.NodeSelectorTerm{term(expr("zone", "Exists"))}, true},
		{"Exists on a missing label", []api.NodeSelectorTerm{term(expr("rack", "Exists"))}, false},
		{"DoesNotExist", []api.NodeSelectorTerm{term(expr("rack", "DoesNotExist"))}, true},
		{"DoesNotExist on a present label", []api.NodeSelectorTerm{term(expr("zone", "DoesNotExist"))}, false},
		{"Gt matches", []api.NodeSelectorTerm{term(expr("cores", "Gt", "4"))}, true},
		{"Gt misses", []api.NodeSelectorTerm{term(expr("cores", "Gt", "8"))}, false},
		{"Lt matches", []api.NodeSelectorTerm{term(expr("cores", "Lt", "16"))}, true},
		{"Lt misses", []api.NodeSelectorTerm{term(expr("cores", "Lt", "8"))}, false},
		{"Gt on a label that is no number", []api.NodeSelectorTerm{term(expr("zone", "Gt", "1"))}, false},
		{"Gt on a missing label", []api.NodeSelectorTerm{term(expr("rack", "Gt", "1"))}, false},
		{"expressions are ANDed", []api.NodeSelectorTerm{term(expr("zone", "In", "a"), expr("cores", "Gt", "8"))}, false},
		{"terms are ORed", []api.NodeSelectorTerm{term(expr("zone", "In", "b")), term(expr("cores", "Gt", "4"))}, true},
		{"an empty term matches nothing", []api.NodeSelectorTerm{{}}, false},
		{"matchFields on the name", []api.NodeSelectorTerm{{MatchFields: []api.NodeSelectorRequirement{expr("metadata.name", "In", "n1")}}}, true},
		{"matchFields on another name", []api.NodeSelectorTerm{{MatchFields: []api.NodeSelectorRequirement{expr("metadata.name", "In", "n2")}}}, false},
		{"matchFields NotIn", []api.NodeSelectorTerm{{MatchFields: []api.NodeSelectorRequirement{expr("metadata.name", "NotIn", "n2")}}}, true},
		{"matchFields and expressions ANDed", []api.NodeSelectorTerm{{
			MatchExpressions: []api.NodeSelectorRequirement{expr("zone", "In", "b")},
			MatchFields:      []api.NodeSelectorRequirement{expr("metadata.name", "In", "n1")}}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ok, reason := NodeAffinity(NewPodInfo(makePod("p", "", "", requiring(tc.terms...))), NewNodeInfo(node))
			want := ""
			if !tc.ok {
				want = ReasonNodeAffinity
			}
			if ok != tc.ok || reason != want {
				t.Errorf("got (%v, %q), want (%v, %q)", ok, reason, tc.ok, want)
			}
		})
	}
	t.Run("no affinity", func(t *testing.T) {
		if ok, _ := NodeAffinity(NewPodInfo(makePod("p", "", "")), NewNodeInfo(node)); !ok {
			t.Error("a pod without affinity does not fit")
		}
	})
}

func TestNodePorts(t *testing.T) {
	n := makeNode("n1", "4", "8Gi")
	runFilterCases(t, NodePorts, []filterCase{
		{name: "no host ports", pod: makePod("p", "", ""), node: n, on: []*api.Pod{makePod("q", "", "", hostPort(80, "TCP", ""))}, ok: true},
		{name: "free port", pod: makePod("p", "", "", hostPort(8080, "TCP", "")), node: n,
			on: []*api.Pod{makePod("q", "", "", hostPort(80, "TCP", ""))}, ok: true},
		{name: "same port and protocol", pod: makePod("p", "", "", hostPort(80, "TCP", "")), node: n,
			on: []*api.Pod{makePod("q", "", "", hostPort(80, "", ""))}, reason: ReasonNodePorts},
		{name: "same port, other protocol", pod: makePod("p", "", "", hostPort(53, "UDP", "")), node: n,
			on: []*api.Pod{makePod("q", "", "", hostPort(53, "TCP", ""))}, ok: true},
		{name: "different addresses", pod: makePod("p", "", "", hostPort(80, "TCP", "10.0.0.1")), node: n,
			on: []*api.Pod{makePod("q", "", "", hostPort(80, "TCP", "10.0.0.2"))}, ok: true},
		{name: "same address", pod: makePod("p", "", "", hostPort(80, "TCP", "10.0.0.1")), node: n,
			on: []*api.Pod{makePod("q", "", "", hostPort(80, "TCP", "10.0.0.1"))}, reason: ReasonNodePorts},
		{name: "wanted on every address, used on one", pod: makePod("p", "", "", hostPort(80, "TCP", "")), node: n,
			on: []*api.Pod{makePod("q", "", "", hostPort(80, "TCP", "10.0.0.1"))}, reason: ReasonNodePorts},
		{name: "wanted on one address, used on every", pod: makePod("p", "", "", hostPort(80, "TCP", "10.0.0.1")), node: n,
			on: []*api.Pod{makePod("q", "", "", hostPort(80, "TCP", "0.0.0.0"))}, reason: ReasonNodePorts},
	})
}

func TestNodeResourcesFit(t *testing.T) {
	n := makeNode("n1", "2", "4Gi", podSlots("3"))
	initHeavy := func(p *api.Pod) {
		p.Spec.InitContainers = []api.Container{{Name: "init", Image: "init", Resources: api.ResourceRequirements{
			Requests: api.ResourceList{"cpu": api.MustParse("1500m")}}}}
	}
	runFilterCases(t, NodeResourcesFit, []filterCase{
		{name: "fits an empty node", pod: makePod("p", "1", "1Gi"), node: n, ok: true},
		{name: "fits exactly", pod: makePod("p", "1", "2Gi"), node: n, on: []*api.Pod{makePod("q", "1", "2Gi")}, ok: true},
		{name: "cpu short", pod: makePod("p", "1500m", ""), node: n, on: []*api.Pod{makePod("q", "1", "")}, reason: ReasonCPU},
		{name: "memory short", pod: makePod("p", "", "3Gi"), node: n, on: []*api.Pod{makePod("q", "", "2Gi")}, reason: ReasonMemory},
		{name: "both short gives cpu", pod: makePod("p", "2", "4Gi"), node: n, on: []*api.Pod{makePod("q", "1", "1Gi")}, reason: ReasonCPU},
		{name: "no requests fit a full node", pod: makePod("p", "", ""), node: n, on: []*api.Pod{makePod("q", "2", "4Gi")}, ok: true},
		{name: "no requests still take a pod slot", pod: makePod("p", "", ""), node: n,
			on: []*api.Pod{makePod("a", "", ""), makePod("b", "", ""), makePod("c", "", "")}, reason: ReasonTooManyPods},
		{name: "an init container asks more than the containers", pod: makePod("p", "100m", "", initHeavy), node: n,
			on: []*api.Pod{makePod("q", "1", "")}, reason: ReasonCPU},
		{name: "init and app containers do not add up", pod: makePod("p", "1", "", initHeavy), node: makeNode("n1", "2", "4Gi"), ok: true},
	})
}

func TestPodRequests(t *testing.T) {
	p := makePod("p", "250m", "64Mi")
	p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: "side", Resources: api.ResourceRequirements{
		Requests: api.ResourceList{"cpu": api.MustParse("250m"), "memory": api.MustParse("64Mi")}}})
	p.Spec.InitContainers = []api.Container{
		{Name: "a", Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse("1")}}},
		{Name: "b", Resources: api.ResourceRequirements{Requests: api.ResourceList{"memory": api.MustParse("100Mi")}}},
	}
	want := Resources{MilliCPU: 1000, Memory: 128 << 20, Pods: 1}
	if got := PodRequests(p); got != want {
		t.Errorf("PodRequests = %+v, want %+v", got, want)
	}
}
