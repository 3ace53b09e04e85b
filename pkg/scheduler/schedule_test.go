package scheduler

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"kubelab/pkg/api"
)

func TestFitErrorSummary(t *testing.T) {
	ssd := labelled(map[string]string{"disk": "ssd"})
	cases := []struct {
		name  string
		pod   *api.Pod
		nodes []*api.Node
		want  string
	}{
		{
			name:  "the example of DESIGN.md",
			pod:   makePod("p", "2", "", withNodeSelector(map[string]string{"disk": "ssd"})),
			nodes: []*api.Node{makeNode("n1", "1", "4Gi", ssd), makeNode("n2", "1", "4Gi", ssd), makeNode("n3", "4", "4Gi")},
			want:  "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector.",
		},
		{
			name: "equal counts sort by reason",
			pod:  makePod("p", "2", "8Gi"),
			nodes: []*api.Node{makeNode("n1", "4", "4Gi"), makeNode("n2", "1", "16Gi"), makeNode("n3", "4", "16Gi", notReady),
				makeNode("n4", "4", "16Gi", cordoned)},
			want: "0/4 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 node(s) were not ready, 1 node(s) were unschedulable.",
		},
		{
			name: "taints are named",
			pod:  makePod("p", "", ""),
			nodes: []*api.Node{
				makeNode("n1", "1", "1Gi", tainted(api.Taint{Key: "dedicated", Value: "db", Effect: api.TaintNoSchedule})),
				makeNode("n2", "1", "1Gi", tainted(api.Taint{Key: "dedicated", Value: "db", Effect: api.TaintNoSchedule})),
				makeNode("n3", "1", "1Gi", podSlots("0"))},
			want: "0/3 nodes are available: 2 node(s) had untolerated taint {dedicated: db}, 1 Too many pods.",
		},
		{name: "no nodes", pod: makePod("p", "", ""), want: "no nodes available to schedule pods"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Schedule(tc.pod, NewSnapshot(tc.nodes, nil))
			if d.Node != "" || d.Err == nil {
				t.Fatalf("placed on %q, want no node", d.Node)
			}
			if got := d.Err.Error(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestSchedulePicks(t *testing.T) {
	cases := []struct {
		name  string
		pod   *api.Pod
		nodes []*api.Node
		pods  []*api.Pod
		want  []NodeResult
	}{
		{
			name:  "the emptiest node",
			pod:   makePod("p", "1", "1Gi"),
			nodes: []*api.Node{makeNode("n1", "4", "4Gi"), makeNode("n2", "4", "4Gi"), makeNode("n3", "1", "1Gi")},
			pods:  []*api.Pod{makePod("q", "2", "2Gi", onNode("n1"))},
			want: []NodeResult{{Name: "n1", Fit: true, Score: 63}, {Name: "n2", Fit: true, Score: 88},
				{Name: "n3", Fit: true, Score: 50}},
		},
		{
			name:  "ties go to the first by name",
			pod:   makePod("p", "1", "1Gi"),
			nodes: []*api.Node{makeNode("b", "4", "4Gi"), makeNode("a", "4", "4Gi")},
			want:  []NodeResult{{Name: "a", Fit: true, Score: 88}, {Name: "b", Fit: true, Score: 88}},
		},
		{
			name:  "away from its siblings",
			pod:   makePod("p", "1", "1Gi", ownedBy("rs")),
			nodes: []*api.Node{makeNode("n1", "4", "4Gi"), makeNode("n2", "4", "4Gi")},
			pods:  []*api.Pod{makePod("q", "", "", ownedBy("rs"), onNode("n1"))},
			want:  []NodeResult{{Name: "n1", Fit: true, Score: 36}, {Name: "n2", Fit: true, Score: 88}},
		},
		{
			name:  "only where it fits",
			pod:   makePod("p", "2", "1Gi"),
			nodes: []*api.Node{makeNode("n1", "1", "4Gi"), makeNode("n2", "4", "4Gi", cordoned), makeNode("n3", "2", "4Gi")},
			want: []NodeResult{{Name: "n1", Reason: ReasonCPU}, {Name: "n2", Reason: ReasonUnschedulable},
				{Name: "n3", Fit: true, Score: 69}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Schedule(tc.pod, NewSnapshot(tc.nodes, tc.pods))
			if !reflect.DeepEqual(d.Nodes, tc.want) {
				t.Errorf("results\n got %+v\nwant %+v", d.Nodes, tc.want)
			}
			best := tc.want[0]
			for _, r := range tc.want {
				if r.Fit && (!best.Fit || r.Score > best.Score) {
					best = r
				}
			}
			if d.Node != best.Name || d.Err != nil {
				t.Errorf("chose %q (err %v), want %q", d.Node, d.Err, best.Name)
			}
		})
	}
}

// TestAssumeSpreads decides a burst of identical pods one after the other,
// assuming each before the next, as the loop does before any binding is
// confirmed: they spread evenly instead of all taking the emptiest node.
func TestAssumeSpreads(t *testing.T) {
	snap := NewSnapshot([]*api.Node{makeNode("n1", "4", "8Gi"), makeNode("n2", "4", "8Gi"), makeNode("n3", "4", "8Gi")}, nil)
	perNode := map[string]int{}
	for i := range 10 {
		pod := makePod(fmt.Sprintf("p%d", i), "100m", "128Mi")
		d := Schedule(pod, snap)
		if d.Node == "" {
			t.Fatalf("pod %d: %v", i, d.Err)
		}
		snap.Assume(NewPodInfo(pod), d.Node)
		perNode[d.Node]++
	}
	if want := map[string]int{"n1": 4, "n2": 3, "n3": 3}; !reflect.DeepEqual(perNode, want) {
		t.Errorf("pods per node %v, want %v", perNode, want)
	}
	if got := snap.Node("n1").Requested; got != (Resources{MilliCPU: 400, Memory: 4 * 128 << 20, Pods: 4}) {
		t.Errorf("n1 requested %+v", got)
	}
}

func TestSnapshotForget(t *testing.T) {
	snap := NewSnapshot([]*api.Node{makeNode("n1", "4", "8Gi")}, nil)
	p := makePod("p", "1", "1Gi")
	snap.Assume(NewPodInfo(p), "n1")
	if !snap.Forget("default/p") || snap.Node("n1").Requested != (Resources{}) {
		t.Fatalf("forgetting an assumed pod left %+v", snap.Node("n1").Requested)
	}
	// Once the informer shows the pod bound, a late Forget must not undo it.
	snap.Assume(NewPodInfo(p), "n1")
	snap.AddPod(makePod("p", "1", "1Gi", onNode("n1")))
	if snap.Forget("default/p") || snap.Node("n1").Requested.Pods != 1 {
		t.Errorf("Forget removed a confirmed pod")
	}
}

func TestSnapshotNodeGoesAndComesBack(t *testing.T) {
	snap := NewSnapshot(nil, []*api.Pod{makePod("early", "1", "", onNode("n1"))}) // the pod arrives before its node
	if len(snap.Nodes()) != 0 {
		t.Fatalf("a node known only from its pods is a candidate")
	}
	snap.SetNode(makeNode("n1", "4", "8Gi"))
	if got := snap.Node("n1").Requested.MilliCPU; got != 1000 {
		t.Fatalf("n1 requested cpu %d, want 1000", got)
	}
	snap.RemoveNode("n1")
	snap.SetNode(makeNode("n1", "4", "8Gi"))
	if got := snap.Node("n1").NumPods(); got != 1 {
		t.Errorf("after the node came back it has %d pods, want 1", got)
	}
	snap.RemovePod("default/early")
	snap.RemoveNode("n1")
	if len(snap.nodes) != 0 || len(snap.pods) != 0 {
		t.Errorf("left over: %v %v", snap.nodes, snap.pods)
	}
}

func TestDecisionRecord(t *testing.T) {
	var nodes []*api.Node
	for i := range 25 {
		nodes = append(nodes, makeNode(fmt.Sprintf("n%02d", i), "4", "8Gi", func(n *api.Node) {
			if i%2 == 1 {
				cordoned(n)
			}
		}))
	}
	pods := []*api.Pod{makePod("busy", "2", "4Gi", onNode("n00"))}
	d := Schedule(makePod("p", "1", "1Gi"), NewSnapshot(nodes, pods))
	rec := d.Record()
	if rec.Total != 25 || rec.Feasible != 13 || len(rec.Nodes) != MaxRecordedNodes {
		t.Fatalf("total %d feasible %d listed %d", rec.Total, rec.Feasible, len(rec.Nodes))
	}
	want := []NodeRecord{{Node: "n02", Fit: true, Score: 91}, {Node: "n04", Fit: true, Score: 91}}
	if !reflect.DeepEqual(rec.Nodes[:2], want) {
		t.Errorf("first %+v, want %+v", rec.Nodes[:2], want)
	}
	if last := rec.Nodes[12]; last != (NodeRecord{Node: "n00", Fit: true, Score: 66}) {
		t.Errorf("the worst feasible node is %+v", last)
	}
	if first := rec.Nodes[13]; first != (NodeRecord{Node: "n01", Reason: ReasonUnschedulable}) {
		t.Errorf("the first unfit node is %+v", first)
	}
	var back DecisionRecord
	if err := json.Unmarshal([]byte(d.Annotation()), &back); err != nil || !reflect.DeepEqual(back, rec) {
		t.Errorf("the annotation does not round-trip: %v", err)
	}
}

// BenchmarkSchedule1000Nodes is one decision among 1000 nodes that each
// run 10 pods.
func BenchmarkSchedule1000Nodes(b *testing.B) {
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
	pod := makePod("new", "100m", "64Mi", ownedBy("rs1"))
	profile := DefaultProfile()
	b.ResetTimer()
	for b.Loop() {
		d := profile.Schedule(pod, snap)
		_ = d.Annotation()
	}
}
