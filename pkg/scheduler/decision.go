package scheduler

import (
	"encoding/json"
	"slices"
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
// score first, then the nodes that did not, by name, then those not
// evaluated (sample.go), by name, each "skipped":true; at most
// MaxRecordedNodes of them. total counts every node, feasible those that
// fit, skipped those not evaluated (omitted when none were):
//
//	{"total":1000,"feasible":420,"skipped":580,"nodes":[{"node":"n0412","fit":true,"score":94}, …]}
const DecisionAnnotation = "scheduler.kubelab.io/decision"

// MaxRecordedNodes caps the nodes listed in DecisionAnnotation, so that a
// pod in a 1000-node cluster does not carry 1000 entries.
const MaxRecordedNodes = 20

// DecisionRecord is the value of DecisionAnnotation.
type DecisionRecord struct {
	Total    int          `json:"total"`
	Feasible int          `json:"feasible"`
	Skipped  int          `json:"skipped,omitempty"`
	Nodes    []NodeRecord `json:"nodes"`
}

// NodeRecord is one node of a DecisionRecord.
type NodeRecord struct {
	Node    string `json:"node"`
	Fit     bool   `json:"fit"`
	Score   int64  `json:"score,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Skipped bool   `json:"skipped,omitempty"`
}

// Record summarizes d for DecisionAnnotation. It takes the nodes to list
// in one pass over d.Nodes, which are sorted by name, keeping only the
// best MaxRecordedNodes that fit as it goes: sorting every node of a big
// cluster for the sake of twenty cost as much as the decision itself.
func (d Decision) Record() DecisionRecord {
	rec := DecisionRecord{Total: len(d.Nodes)}
	var chosen *NodeResult
	var fit, unfit, skipped []NodeResult // fit: best score first, then by name
	for i := range d.Nodes {
		r := &d.Nodes[i]
		switch {
		case r.Fit:
			rec.Feasible++
			if chosen == nil && r.Name == d.Node {
				chosen = r
				continue
			}
			// Insert after every node that scores as well: those come
			// first by name.
			at := len(fit)
			for at > 0 && fit[at-1].Score < r.Score {
				at--
			}
			if at < MaxRecordedNodes {
				fit = slices.Insert(fit, at, *r)
				fit = fit[:min(len(fit), MaxRecordedNodes)]
			}
		case r.Skipped:
			rec.Skipped++
			if len(skipped) < MaxRecordedNodes {
				skipped = append(skipped, *r)
			}
		default:
			if len(unfit) < MaxRecordedNodes {
				unfit = append(unfit, *r)
			}
		}
	}
	var listed []NodeResult
	if chosen != nil {
		listed = append(listed, *chosen)
	}
	listed = append(append(append(listed, fit...), unfit...), skipped...)
	for _, r := range listed[:min(len(listed), MaxRecordedNodes)] {
		rec.Nodes = append(rec.Nodes, NodeRecord{Node: r.Name, Fit: r.Fit, Score: r.Score, Reason: r.Reason, Skipped: r.Skipped})
	}
	return rec
}

// Annotation is d's record as the value of DecisionAnnotation.
func (d Decision) Annotation() string {
	b, _ := json.Marshal(d.Record()) // plain strings and numbers: cannot fail
	return string(b)
}
