package scheduler

import (
	"slices"
	"testing"

	"kubelab/pkg/api"
)

func TestLeastAllocated(t *testing.T) {
	cases := []struct {
		name string
		pod  *api.Pod
		node *api.Node
		on   []*api.Pod
		want int64
	}{
		{name: "empty node", pod: makePod("p", "1", "4Gi"), node: makeNode("n1", "4", "16Gi"), want: 75},
		{name: "half used", pod: makePod("p", "1", "4Gi"), node: makeNode("n1", "4", "16Gi"),
			on: []*api.Pod{makePod("q", "1", "4Gi")}, want: 50},
		{name: "cpu and memory averaged", pod: makePod("p", "2", "4Gi"), node: makeNode("n1", "4", "16Gi"), want: (50 + 75) / 2},
		{name: "full after placing", pod: makePod("p", "2", "8Gi"), node: makeNode("n1", "4", "16Gi"),
			on: []*api.Pod{makePod("q", "2", "8Gi")}, want: 0},
		{name: "no requests count as 100m and 200Mi", pod: makePod("p", "", ""), node: makeNode("n1", "1", "1000Mi"), want: (90 + 80) / 2},
		{name: "no allocatable", pod: makePod("p", "1", "1Gi"), node: makeNode("n1", "0", "0"), want: 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := LeastAllocated(NewPodInfo(tc.pod), NewNodeInfo(tc.node, tc.on...)); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}

func TestSelectorSpread(t *testing.T) {
	mine, other := ownedBy("rs-1"), ownedBy("rs-2")
	cases := []struct {
		name  string
		pod   *api.Pod
		nodes [][]*api.Pod // the pods on each node
		want  []int64      // after normalizing
	}{
		{name: "no owner: every node alike", pod: makePod("p", "", ""),
			nodes: [][]*api.Pod{{makePod("a", "", "", mine)}, {}}, want: []int64{100, 100}},
		{name: "no sibling anywhere", pod: makePod("p", "", "", mine),
			nodes: [][]*api.Pod{{makePod("a", "", "", other)}, {}}, want: []int64{100, 100}},
		{name: "fewer siblings score higher", pod: makePod("p", "", "", mine),
			nodes: [][]*api.Pod{{}, {makePod("a", "", "", mine), makePod("b", "", "", mine)}, {makePod("c", "", "", mine), makePod("d", "", "", other)}},
			want:  []int64{100, 0, 50}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []int64
			for i, pods := range tc.nodes {
				got = append(got, SelectorSpread(NewPodInfo(tc.pod), NewNodeInfo(makeNode(string(rune('a'+i)), "1", "1Gi"), pods...)))
			}
			normalizeSpread(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
