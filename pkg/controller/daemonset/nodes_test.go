package daemonset

import (
	"testing"

	"kubelab/pkg/api"
)

func TestEligible(t *testing.T) {
	daemon := func(spec api.PodSpec) *api.PodSpec {
		spec.Tolerations = withDaemonTolerations(spec.Tolerations, spec.HostNetwork)
		return &spec
	}
	affinity := func(terms ...api.NodeSelectorTerm) *api.Affinity {
		return &api.Affinity{NodeAffinity: &api.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{NodeSelectorTerms: terms}}}
	}
	expr := func(key, op string, values ...string) api.NodeSelectorTerm {
		return api.NodeSelectorTerm{MatchExpressions: []api.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
	}
	both, stayOnly, none := eligibility{true, true}, eligibility{false, true}, eligibility{}
	tests := []struct {
		name string
		spec *api.PodSpec
		node *api.Node
		want eligibility
	}{
		{"plain node", daemon(api.PodSpec{}), newNode("n", nil), both},
		{"nodeSelector matches", daemon(api.PodSpec{NodeSelector: ssd}), newNode("n", ssd), both},
		{"nodeSelector does not", daemon(api.PodSpec{NodeSelector: ssd}), newNode("n", hdd), none},
		{"template names another node", daemon(api.PodSpec{NodeName: "m"}), newNode("n", nil), none},
		{"NoSchedule taint: no new pod, the old one stays", daemon(api.PodSpec{}), newNode("n", nil, gpuTnt), stayOnly},
		{"NoExecute taint: neither", daemon(api.PodSpec{}), newNode("n", nil, tainted("k", "", api.TaintNoExecute)), none},
		{"PreferNoSchedule taint: ignored", daemon(api.PodSpec{}), newNode("n", nil, tainted("k", "", api.TaintPreferNoSchedule)), both},
		{"Equal toleration needs the value", daemon(api.PodSpec{Tolerations: []api.Toleration{{Key: "dedicated", Value: "db"}}}),
			newNode("n", nil, gpuTnt), stayOnly},
		{"Exists toleration takes any value", daemon(api.PodSpec{Tolerations: []api.Toleration{{Key: "dedicated", Operator: "Exists"}}}),
			newNode("n", nil, gpuTnt), both},
		{"empty Exists toleration takes every taint", daemon(api.PodSpec{Tolerations: []api.Toleration{{Operator: "Exists"}}}),
			newNode("n", nil, tainted("k", "v", api.TaintNoExecute)), both},
		{"toleration for another effect", daemon(api.PodSpec{Tolerations: []api.Toleration{{Key: "dedicated", Operator: "Exists", Effect: api.TaintNoExecute}}}),
			newNode("n", nil, gpuTnt), stayOnly},
		{"cordoned", daemon(api.PodSpec{}), newNode("n", nil, cordoned), both},
		{"unreachable", daemon(api.PodSpec{}), newNode("n", nil, tainted(api.TaintNodeUnreachable, "", api.TaintNoExecute)), both},
		{"network unavailable, host network", daemon(api.PodSpec{HostNetwork: true}),
			newNode("n", nil, tainted("node.kubernetes.io/network-unavailable", "", api.TaintNoSchedule)), both},
		{"network unavailable, pod network", daemon(api.PodSpec{}),
			newNode("n", nil, tainted("node.kubernetes.io/network-unavailable", "", api.TaintNoSchedule)), stayOnly},
		{"affinity In", daemon(api.PodSpec{Affinity: affinity(expr("zone", "In", "a"))}), newNode("n", map[string]string{"zone": "a"}), both},
		{"affinity NotIn", daemon(api.PodSpec{Affinity: affinity(expr("zone", "NotIn", "a"))}), newNode("n", map[string]string{"zone": "a"}), none},
		{"affinity DoesNotExist", daemon(api.PodSpec{Affinity: affinity(expr("gpu", "DoesNotExist"))}), newNode("n", nil), both},
		{"affinity Gt", daemon(api.PodSpec{Affinity: affinity(expr("cores", "Gt", "8"))}), newNode("n", map[string]string{"cores": "16"}), both},
		{"affinity Lt", daemon(api.PodSpec{Affinity: affinity(expr("cores", "Lt", "8"))}), newNode("n", map[string]string{"cores": "16"}), none},
		{"affinity terms are ORed", daemon(api.PodSpec{Affinity: affinity(expr("zone", "In", "b"), expr("disk", "Exists"))}),
			newNode("n", ssd), both},
		{"affinity matchFields on the name", daemon(api.PodSpec{Affinity: pinnedTo(nil, "n")}), newNode("n", nil), both},
		{"affinity matchFields on another name", daemon(api.PodSpec{Affinity: pinnedTo(nil, "m")}), newNode("n", nil), none},
		{"an empty term matches nothing", daemon(api.PodSpec{Affinity: affinity(api.NodeSelectorTerm{})}), newNode("n", nil), none},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := eligible(tt.spec, tt.node); got != tt.want {
				t.Errorf("eligible = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestWithDaemonTolerationsKeepsTheTemplates(t *testing.T) {
	own := api.Toleration{Key: api.TaintNodeNotReady, Operator: "Exists", Effect: api.TaintNoExecute, TolerationSeconds: api.Int64(30)}
	got := withDaemonTolerations([]api.Toleration{own}, false)
	if len(got) != len(daemonTolerations) {
		t.Fatalf("%d tolerations, want %d: the template's own not-ready toleration replaces the default", len(got), len(daemonTolerations))
	}
	if got[0].TolerationSeconds == nil || *got[0].TolerationSeconds != 30 {
		t.Errorf("the template's toleration was changed: %+v", got[0])
	}
}
