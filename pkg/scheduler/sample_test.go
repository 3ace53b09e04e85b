package scheduler

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"kubelab/pkg/api"
)

func TestSampleWant(t *testing.T) {
	cases := []struct {
		all, percentage, want int
	}{
		{all: 3, want: 3},
		{all: 99, want: 99},     // a lab's cluster: every node
		{all: 100, want: 100},   // 49%, but at least 100
		{all: 1000, want: 420},  // 50% less 8%
		{all: 5000, want: 500},  // 10%
		{all: 10000, want: 500}, // 5% at least
		{all: 1000, percentage: 100, want: 1000},
		{all: 1000, percentage: 30, want: 300},
		{all: 1000, percentage: 5, want: 100}, // at least 100 nodes
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d nodes %d%%", tc.all, tc.percentage), func(t *testing.T) {
			if got := (sample{percentage: tc.percentage}).want(tc.all); got != tc.want {
				t.Errorf("want(%d) = %d, want %d", tc.all, got, tc.want)
			}
		})
	}
}

// nodesNamed makes n empty nodes, node-000 to node-<n-1>, each with opts.
func nodesNamed(n int, opts ...func(*api.Node)) []*api.Node {
	nodes := make([]*api.Node, n)
	for i := range nodes {
		nodes[i] = makeNode(fmt.Sprintf("node-%03d", i), "4", "16Gi", opts...)
	}
	return nodes
}

// A decision over 200 nodes that all fit evaluates 100 of them, from
// where the sample starts, wrapping around; the others are in the
// decision as skipped, and its record says how many.
func TestSampledDecision(t *testing.T) {
	snap := NewSnapshot(nodesNamed(200), nil)
	pod := NewPodInfo(makePod("p", "100m", "128Mi"))
	d := DefaultProfile().schedule(pod, snap, sample{from: 150}, nil)
	if d.Evaluated != 100 || len(d.Nodes) != 200 {
		t.Fatalf("evaluated %d of %d nodes, want 100 of 200", d.Evaluated, len(d.Nodes))
	}
	for i, r := range d.Nodes {
		evaluated := i >= 150 || i < 50 // 150…199, then 0…49
		if r.Skipped == evaluated || r.Fit != evaluated || r.Name != fmt.Sprintf("node-%03d", i) {
			t.Fatalf("node %d: %+v, want evaluated %v", i, r, evaluated)
		}
	}
	// All score alike: the first by name among those evaluated wins.
	if d.Node != "node-000" {
		t.Errorf("chose %s, want node-000", d.Node)
	}
	rec := d.Record()
	if rec.Total != 200 || rec.Feasible != 100 || rec.Skipped != 100 || len(rec.Nodes) != MaxRecordedNodes {
		t.Errorf("record %d total, %d feasible, %d skipped, %d listed", rec.Total, rec.Feasible, rec.Skipped, len(rec.Nodes))
	}
	for _, n := range rec.Nodes {
		if n.Skipped || !n.Fit {
			t.Errorf("the record lists %+v before nodes that fit", n)
		}
	}
}

// Sampling stops only a decision that found nodes that fit: a pod that
// fits on few nodes looks at all of them, and one that fits nowhere gets
// the count of every node.
func TestSampledDecisionLooksFurtherForFewFits(t *testing.T) {
	nodes := nodesNamed(200, labelled(map[string]string{"disk": "hdd"}))
	nodes[7].Labels["disk"] = "ssd"
	snap := NewSnapshot(nodes, nil)
	ssd := NewPodInfo(makePod("p", "100m", "128Mi", withNodeSelector(map[string]string{"disk": "ssd"})))
	d := DefaultProfile().schedule(ssd, snap, sample{from: 20}, nil)
	if d.Node != "node-007" || d.Evaluated != 200 {
		t.Errorf("chose %q after %d nodes, want node-007 after all 200", d.Node, d.Evaluated)
	}
	nvme := NewPodInfo(makePod("q", "100m", "128Mi", withNodeSelector(map[string]string{"disk": "nvme"})))
	d = DefaultProfile().schedule(nvme, snap, sample{from: 20}, nil)
	if d.Err == nil || d.Err.Error() != "0/200 nodes are available: 200 node(s) didn't match Pod's node affinity/selector." {
		t.Errorf("err %v", d.Err)
	}
}

// The loop starts each decision where the last one stopped, so that a
// burst spreads over every node of a big cluster.
func TestSampledBurstSpreads(t *testing.T) {
	h := newHarness(t, "", true)
	for _, n := range nodesNamed(200) {
		h.addNode(n)
	}
	for i := range 400 {
		h.setPod(makePod(fmt.Sprintf("p%03d", i), "100m", "128Mi"))
	}
	if errs := h.drain(); len(errs) > 0 {
		t.Fatal(errs)
	}
	perNode := h.writes.PerNode()
	for _, n := range nodesNamed(200) {
		if perNode[n.Name] != 2 {
			t.Fatalf("pods per node %v, want 2 on each", perNode)
		}
	}
}

// Record keeps the twenty nodes a full sort would put first: the chosen
// node, then those that fit by score and name, then those that do not,
// then those not evaluated, by name.
func TestRecordAsASort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		d := Decision{Nodes: make([]NodeResult, 1+rng.IntN(60))}
		for i := range d.Nodes {
			r := NodeResult{Name: fmt.Sprintf("n%03d", i)}
			switch rng.IntN(3) {
			case 0:
				r.Fit, r.Score = true, int64(rng.IntN(5)) // few scores: many ties
			case 1:
				r.Reason = ReasonCPU
			default:
				r.Skipped = true
			}
			d.Nodes[i] = r
		}
		if i := rng.IntN(len(d.Nodes)); d.Nodes[i].Fit {
			d.Node = d.Nodes[i].Name
		}
		rank := func(r NodeResult) int {
			switch {
			case r.Fit && r.Name == d.Node:
				return 0
			case r.Fit:
				return 1
			case !r.Skipped:
				return 2
			}
			return 3
		}
		sorted := slices.Clone(d.Nodes)
		slices.SortStableFunc(sorted, func(a, b NodeResult) int {
			return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(b.Score, a.Score)) // stable: by name within
		})
		var want []NodeRecord
		for _, r := range sorted[:min(len(sorted), MaxRecordedNodes)] {
			want = append(want, NodeRecord{Node: r.Name, Fit: r.Fit, Score: r.Score, Reason: r.Reason, Skipped: r.Skipped})
		}
		if got := d.Record().Nodes; !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d:\n got  %+v\n want %+v", round, got, want)
		}
	}
}

// BenchmarkScheduleSampled is one decision of the loop among 1000 nodes
// that each run 10 pods: it looks for 42% of them that fit.
func BenchmarkScheduleSampled(b *testing.B) {
	var nodes []*api.Node
	var pods []*api.Pod
	for i := range 1000 {
		name := fmt.Sprintf("node-%04d", i)
		nodes = append(nodes, makeNode(name, "4", "16Gi"))
		for j := range 10 {
			pods = append(pods, makePod(fmt.Sprintf("p-%d-%d", i, j), "100m", "64Mi", ownedBy(fmt.Sprint("rs", j)), onNode(name)))
		}
	}
	snap := NewSnapshot(nodes, pods)
	pod := NewPodInfo(makePod("new", "100m", "64Mi", ownedBy("rs1")))
	profile := DefaultProfile()
	var sm sample
	var table []NodeResult
	for b.Loop() {
		d := profile.schedule(pod, snap, sm, table)
		sm.from, table = (sm.from+d.Evaluated)%len(d.Nodes), d.Nodes
	}
}
