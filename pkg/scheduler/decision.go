package scheduler

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
)

// DecisionAnnotation holds, on each pod the scheduler tried, what every
// node made of it, for `kctl describe pod` to show. It is kubelab's own:
// Kubernetes keeps this only in its logs. The value is compact JSON:
//
//	{"total":3,"feasible":1,"nodes":[
//	  {"node":"n1","fit":true,"score":87},
//	  {"node":"n2","fit":false,"reason":"Insufficient cpu"},
//	  {"node":"n3","fit":false,"reason":"node(s) were unschedulable"}]}
//
// nodes lists the chosen node first, then the other nodes that fit, best
// score first, then the nodes that did not, by name; at most
// MaxRecordedNodes of them. total and feasible count every node.
const DecisionAnnotation = "scheduler.kubelab.io/decision"

// MaxRecordedNodes caps the nodes listed in DecisionAnnotation, so that a
// pod in a 1000-node cluster does not carry 1000 entries.
const MaxRecordedNodes = 20

// DecisionRecord is the value of DecisionAnnotation.
type DecisionRecord struct {
	Total    int          `json:"total"`
	Feasible int          `json:"feasible"`
	Nodes    []NodeRecord `json:"nodes"`
}

// NodeRecord is one node of a DecisionRecord.
type NodeRecord struct {
	Node   string `json:"node"`
	Fit    bool   `json:"fit"`
	Score  int64  `json:"score,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Record summarizes d for DecisionAnnotation. It keeps the first
// MaxRecordedNodes in order as it goes, rather than sorting all the nodes
// of a big cluster for the sake of twenty.
func (d Decision) Record() DecisionRecord {
	rec := DecisionRecord{Total: len(d.Nodes)}
	before := func(a, b NodeResult) bool {
		return cmp.Or(
			compareBool(a.Name == d.Node, b.Name == d.Node), // the chosen node first
			compareBool(a.Fit, b.Fit),                       // then the others that fit
			cmp.Compare(b.Score, a.Score),                   // best first
			strings.Compare(a.Name, b.Name)) < 0
	}
	var top []NodeResult
	for _, r := range d.Nodes {
		if r.Fit {
			rec.Feasible++
		}
		if len(top) == MaxRecordedNodes && !before(r, top[len(top)-1]) {
			continue
		}
		i := slices.IndexFunc(top, func(t NodeResult) bool { return before(r, t) })
		if i < 0 {
			i = len(top)
		}
		top = slices.Insert(top, i, r)
		if len(top) > MaxRecordedNodes {
			top = top[:MaxRecordedNodes]
		}
	}
	for _, r := range top {
		rec.Nodes = append(rec.Nodes, NodeRecord{Node: r.Name, Fit: r.Fit, Score: r.Score, Reason: r.Reason})
	}
	return rec
}

// compareBool orders true before false.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// Annotation is d's record as the value of DecisionAnnotation.
func (d Decision) Annotation() string {
	b, _ := json.Marshal(d.Record()) // plain strings and numbers: cannot fail
	return string(b)
}
