package scheduler

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"kubelab/pkg/api"
)

// Filter is a named filter plugin: Fits says whether pod may run on node,
// and if not, why.
type Filter struct {
	Name string
	Fits func(pod *PodInfo, node *NodeInfo) (ok bool, reason string)
}

// Scorer is a named, weighted score plugin. Score rates one node from 0 to
// MaxScore; Normalize, if set, rescales the raw scores of all the nodes
// that passed the filters, for plugins that can only rate a node against
// the others.
type Scorer struct {
	Name      string
	Weight    int64
	Score     func(pod *PodInfo, node *NodeInfo) int64
	Normalize func(scores []int64)
}

// Profile is the list of plugins a decision runs: every filter, in order,
// then every scorer.
type Profile struct {
	Filters []Filter
	Scorers []Scorer
}

// DefaultProfile is kubelab's scheduler: the filters in roughly the order
// Kubernetes runs them (cheap checks of the node first, resources last)
// and two scorers of equal weight.
func DefaultProfile() Profile {
	return Profile{
		Filters: []Filter{
			{"NodeName", NodeName},
			{"NodeReady", NodeReady},
			{"NodeUnschedulable", NodeUnschedulable},
			{"TaintToleration", TaintToleration},
			{"NodeSelector", NodeSelector},
			{"NodeAffinity", NodeAffinity},
			{"NodePorts", NodePorts},
			{"NodeResourcesFit", NodeResourcesFit},
			{"VolumeBinding", VolumeBinding},
		},
		Scorers: []Scorer{
			{Name: "LeastAllocated", Weight: 1, Score: LeastAllocated},
			{Name: "SelectorSpread", Weight: 1, Score: SelectorSpread, Normalize: normalizeSpread},
		},
	}
}

// Decision is the outcome of scheduling one pod.
type Decision struct {
	Node  string       // the chosen node; "" when no node fits
	Nodes []NodeResult // every candidate node, sorted by name
	Err   *FitError    // why no node fits; nil when Node is set
	// Evaluated counts the nodes the filters ran on: all of them, unless
	// enough nodes that fit were found first (sample.go).
	Evaluated int
}

// NodeResult is what one node made of the pod.
type NodeResult struct {
	Name   string
	Fit    bool   // passed every filter
	Reason string // the first failing filter's reason, when not Fit
	Score  int64  // 0 to MaxScore, when Fit
	// Skipped: the node was not evaluated, since enough nodes that fit
	// had been found before it (sample.go); neither Fit nor a Reason.
	Skipped bool
}

// Schedule decides where pod goes in snap with the default profile.
func Schedule(pod *api.Pod, snap *Snapshot) Decision {
	return DefaultProfile().Schedule(pod, snap)
}

// Schedule decides where pod goes: it runs the filters on every node, the
// scorers on the nodes that pass, and picks the best score. Among nodes
// with the same score the first by name wins, so that a decision can be
// repeated; assuming each placed pod keeps a burst of pods from piling
// onto that node, since its score falls. Schedule reads snap and changes
// nothing.
//
// The scheduling loop, in a big cluster, stops filtering once it has
// found enough nodes that fit, as Kubernetes does (sample.go); Schedule
// looks at every node.
func (p Profile) Schedule(pod *api.Pod, snap *Snapshot) Decision {
	return p.schedule(NewPodInfo(pod), snap, everyNode, nil)
}

// schedule is Schedule from where sm says, with the table of nodes in
// table's array when it is large enough (the loop reuses one).
func (p Profile) schedule(pod *PodInfo, snap *Snapshot, sm sample, table []NodeResult) Decision {
	nodes, names := snap.Nodes(), snap.names
	if cap(table) < len(nodes) {
		table = make([]NodeResult, len(nodes))
	}
	d := Decision{Nodes: table[:len(nodes)]} // each entry is written below
	want := sm.want(len(nodes))
	feasible := make([]int, 0, min(want, len(nodes))) // indexes into nodes, in the order evaluated
	for ; d.Evaluated < len(nodes) && len(feasible) < want; d.Evaluated++ {
		i := (sm.from + d.Evaluated) % len(nodes)
		n := nodes[i]
		d.Nodes[i] = NodeResult{Name: names[i], Fit: true}
		for _, f := range p.Filters {
			if ok, reason := f.Fits(pod, n); !ok {
				d.Nodes[i].Fit, d.Nodes[i].Reason = false, reason
				break
			}
		}
		if d.Nodes[i].Fit {
			feasible = append(feasible, i)
		}
	}
	for k := d.Evaluated; k < len(nodes); k++ {
		i := (sm.from + k) % len(nodes)
		d.Nodes[i] = NodeResult{Name: names[i], Skipped: true}
	}
	if len(feasible) == 0 {
		d.Err = newFitError(d.Nodes)
		return d
	}

	scores := make([]int64, 2*len(feasible))
	total, raw := scores[:len(feasible)], scores[len(feasible):]
	var weights int64
	for _, s := range p.Scorers {
		for j, i := range feasible {
			raw[j] = s.Score(pod, nodes[i])
		}
		if s.Normalize != nil {
			s.Normalize(raw)
		}
		for j := range raw {
			total[j] += s.Weight * raw[j]
		}
		weights += s.Weight
	}
	best := feasible[0]
	for j, i := range feasible {
		if weights > 0 {
			d.Nodes[i].Score = (total[j] + weights/2) / weights // the weighted sum, back on the 0-100 scale
		}
		if d.Nodes[i].Score > d.Nodes[best].Score || d.Nodes[i].Score == d.Nodes[best].Score && i < best {
			best = i // ties go to the first by name
		}
	}
	d.Node = d.Nodes[best].Name
	return d
}

// FitError says why a pod fits no node: how many nodes failed for each
// reason.
type FitError struct {
	NumAllNodes int
	Reasons     map[string]int // reason → number of nodes
}

func newFitError(results []NodeResult) *FitError {
	e := &FitError{NumAllNodes: len(results), Reasons: map[string]int{}}
	for _, r := range results {
		e.Reasons[r.Reason]++
	}
	return e
}

// Error is Kubernetes' summary, the message of the FailedScheduling event
// and of the PodScheduled condition: reasons by count, most first, then
// alphabetically, e.g.
//
//	0/3 nodes are available: 2 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector.
func (e *FitError) Error() string {
	if e.NumAllNodes == 0 {
		return "no nodes available to schedule pods"
	}
	reasons := slices.SortedFunc(maps.Keys(e.Reasons), func(a, b string) int {
		return cmp.Or(cmp.Compare(e.Reasons[b], e.Reasons[a]), strings.Compare(a, b))
	})
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%d %s", e.Reasons[r], r)
	}
	return fmt.Sprintf("0/%d nodes are available: %s.", e.NumAllNodes, strings.Join(parts, ", "))
}
