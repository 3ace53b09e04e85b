package api

import (
	"slices"
	"strconv"
)

// Which pods may run on which nodes: the predicates a pod's tolerations,
// nodeSelector and required node affinity define. The scheduler's filters
// and the DaemonSet controller, which places its pods itself, both ask
// them; each decides what a "no" means for it.

// ToleratesTaint reports whether t matches taint: the same effect (or any,
// when t names none), the same key (or any, for an empty key with
// Exists), and the same value unless the operator is Exists. An empty key
// with Equal matches nothing (validation forbids it).
func (t Toleration) ToleratesTaint(taint Taint) bool {
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

// TolerationsTolerateTaint reports whether any of tols tolerates taint.
func TolerationsTolerateTaint(tols []Toleration, taint Taint) bool {
	return slices.ContainsFunc(tols, func(t Toleration) bool { return t.ToleratesTaint(taint) })
}

// NodeLabelsMatch reports whether node carries every label of a pod's
// spec.nodeSelector.
func NodeLabelsMatch(nodeSelector map[string]string, node *Node) bool {
	for k, v := range nodeSelector {
		if got, ok := node.Labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// RequiredNodeSelector returns the pod's required node affinity, or nil
// when it has none. (Preferred affinity only scores nodes in a scheduler.)
func (s *PodSpec) RequiredNodeSelector() *NodeSelector {
	if s.Affinity == nil || s.Affinity.NodeAffinity == nil {
		return nil
	}
	return s.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
}

// NodeSelectorMatches reports whether node satisfies sel: any one of its
// terms (they are ORed), a term when all its requirements hold (they are
// ANDed). A nil sel matches every node; one without terms matches none.
func NodeSelectorMatches(sel *NodeSelector, node *Node) bool {
	if sel == nil {
		return true
	}
	return slices.ContainsFunc(sel.NodeSelectorTerms, func(term NodeSelectorTerm) bool { return termMatches(term, node) })
}

// PodMatchesNode reports whether node satisfies both the pod's
// nodeSelector and its required node affinity.
func PodMatchesNode(spec *PodSpec, node *Node) bool {
	return NodeLabelsMatch(spec.NodeSelector, node) && NodeSelectorMatches(spec.RequiredNodeSelector(), node)
}

// termMatches: an empty term matches no node, as in Kubernetes.
func termMatches(term NodeSelectorTerm, node *Node) bool {
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
func requirementMatches(r NodeSelectorRequirement, labels map[string]string) bool {
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
