package api

import "testing"

func TestToleratesTaint(t *testing.T) {
	gpu := Taint{Key: "gpu", Value: "true", Effect: TaintNoSchedule}
	tests := []struct {
		name  string
		tol   Toleration
		taint Taint
		want  bool
	}{
		{"Equal, same key and value", Toleration{Key: "gpu", Value: "true"}, gpu, true},
		{"Equal spelled out", Toleration{Key: "gpu", Operator: "Equal", Value: "true", Effect: TaintNoSchedule}, gpu, true},
		{"Equal, other value", Toleration{Key: "gpu", Value: "false"}, gpu, false},
		{"Equal, other key", Toleration{Key: "disk", Value: "true"}, gpu, false},
		{"Equal with an empty key matches nothing", Toleration{Value: "true"}, gpu, false},
		{"Exists takes any value", Toleration{Key: "gpu", Operator: "Exists"}, gpu, true},
		{"Exists, other key", Toleration{Key: "disk", Operator: "Exists"}, gpu, false},
		{"Exists with an empty key takes every taint", Toleration{Operator: "Exists"}, gpu, true},
		{"other effect", Toleration{Key: "gpu", Operator: "Exists", Effect: TaintNoExecute}, gpu, false},
		{"no effect takes every effect", Toleration{Key: "gpu", Operator: "Exists"}, Taint{Key: "gpu", Effect: TaintNoExecute}, true},
		{"unknown operator", Toleration{Key: "gpu", Operator: "Like", Value: "true"}, gpu, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.tol.ToleratesTaint(tt.taint); got != tt.want {
				t.Errorf("ToleratesTaint = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTolerationsTolerateTaint(t *testing.T) {
	gone := Taint{Key: TaintNodeUnreachable, Effect: TaintNoExecute}
	tests := []struct {
		name string
		tols []Toleration
		want bool
	}{
		{"none", nil, false},
		{"one of two matches", []Toleration{{Key: "gpu", Operator: "Exists"}, {Key: TaintNodeUnreachable, Operator: "Exists"}}, true},
		{"none of two matches", []Toleration{{Key: "gpu", Operator: "Exists"}, {Key: TaintNodeNotReady, Operator: "Exists"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TolerationsTolerateTaint(tt.tols, gone); got != tt.want {
				t.Errorf("TolerationsTolerateTaint = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNodeLabelsMatch(t *testing.T) {
	node := &Node{ObjectMeta: ObjectMeta{Name: "n1", Labels: map[string]string{"disk": "ssd", "zone": "a"}}}
	tests := []struct {
		name string
		sel  map[string]string
		want bool
	}{
		{"no selector", nil, true},
		{"one label", map[string]string{"disk": "ssd"}, true},
		{"every label", map[string]string{"disk": "ssd", "zone": "a"}, true},
		{"other value", map[string]string{"disk": "hdd"}, false},
		{"missing label", map[string]string{"gpu": "true"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NodeLabelsMatch(tt.sel, node); got != tt.want {
				t.Errorf("NodeLabelsMatch = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNodeSelectorMatches(t *testing.T) {
	node := &Node{ObjectMeta: ObjectMeta{Name: "n1", Labels: map[string]string{"zone": "a", "cores": "16", "disk": "ssd"}}}
	expr := func(key, op string, values ...string) NodeSelectorTerm {
		return NodeSelectorTerm{MatchExpressions: []NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
	}
	field := func(key, op string, values ...string) NodeSelectorTerm {
		return NodeSelectorTerm{MatchFields: []NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
	}
	sel := func(terms ...NodeSelectorTerm) *NodeSelector { return &NodeSelector{NodeSelectorTerms: terms} }
	tests := []struct {
		name string
		sel  *NodeSelector
		want bool
	}{
		{"nil matches every node", nil, true},
		{"no terms match no node", sel(), false},
		{"an empty term matches no node", sel(NodeSelectorTerm{}), false},
		{"In", sel(expr("zone", "In", "a", "b")), true},
		{"In, other values", sel(expr("zone", "In", "b")), false},
		{"In, missing label", sel(expr("gpu", "In", "true")), false},
		{"NotIn", sel(expr("zone", "NotIn", "a")), false},
		{"NotIn, missing label", sel(expr("gpu", "NotIn", "true")), true},
		{"Exists", sel(expr("disk", "Exists")), true},
		{"DoesNotExist", sel(expr("gpu", "DoesNotExist")), true},
		{"DoesNotExist, present", sel(expr("disk", "DoesNotExist")), false},
		{"Gt", sel(expr("cores", "Gt", "8")), true},
		{"Gt, equal", sel(expr("cores", "Gt", "16")), false},
		{"Lt", sel(expr("cores", "Lt", "8")), false},
		{"Gt, not an integer", sel(expr("zone", "Gt", "1")), false},
		{"Gt, two values", sel(expr("cores", "Gt", "1", "2")), false},
		{"unknown operator", sel(expr("zone", "Like", "a")), false},
		{"expressions of a term are ANDed", sel(NodeSelectorTerm{MatchExpressions: []NodeSelectorRequirement{
			{Key: "zone", Operator: "In", Values: []string{"a"}}, {Key: "gpu", Operator: "Exists"}}}), false},
		{"terms are ORed", sel(expr("zone", "In", "b"), expr("disk", "Exists")), true},
		{"matchFields on the name", sel(field("metadata.name", "In", "n1")), true},
		{"matchFields on another name", sel(field("metadata.name", "In", "n2")), false},
		{"matchFields on another field", sel(field("metadata.namespace", "DoesNotExist")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NodeSelectorMatches(tt.sel, node); got != tt.want {
				t.Errorf("NodeSelectorMatches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPodMatchesNode(t *testing.T) {
	node := &Node{ObjectMeta: ObjectMeta{Name: "n1", Labels: map[string]string{"zone": "a"}}}
	required := func(values ...string) *Affinity {
		return &Affinity{NodeAffinity: &NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &NodeSelector{
			NodeSelectorTerms: []NodeSelectorTerm{{MatchExpressions: []NodeSelectorRequirement{{Key: "zone", Operator: "In", Values: values}}}},
		}}}
	}
	onlyPreferred := &Affinity{NodeAffinity: &NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []PreferredSchedulingTerm{
		{Weight: 1, Preference: NodeSelectorTerm{MatchExpressions: []NodeSelectorRequirement{{Key: "zone", Operator: "In", Values: []string{"b"}}}}},
	}}}
	tests := []struct {
		name string
		spec PodSpec
		want bool
	}{
		{"neither", PodSpec{}, true},
		{"nodeSelector matches", PodSpec{NodeSelector: map[string]string{"zone": "a"}}, true},
		{"nodeSelector does not", PodSpec{NodeSelector: map[string]string{"zone": "b"}}, false},
		{"affinity matches", PodSpec{Affinity: required("a")}, true},
		{"affinity does not", PodSpec{Affinity: required("b")}, false},
		{"both must match", PodSpec{NodeSelector: map[string]string{"zone": "a"}, Affinity: required("b")}, false},
		{"preferred affinity is not required", PodSpec{Affinity: onlyPreferred}, true},
		{"affinity without node affinity", PodSpec{Affinity: &Affinity{}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PodMatchesNode(&tt.spec, node); got != tt.want {
				t.Errorf("PodMatchesNode = %v, want %v", got, tt.want)
			}
		})
	}
}
