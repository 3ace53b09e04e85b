package dashboard

import (
	"slices"
	"testing"

	"kubelab/pkg/api"
)

func TestHubHandsChangesToEverySubscription(t *testing.T) {
	h := newHub()
	a, seqA := h.subscribe()
	b, _ := h.subscribe()
	if seqA != 0 {
		t.Fatalf("first sequence %d", seqA)
	}
	h.publish(change{kind: "Pod", name: "p1"})
	h.publish(change{kind: "Pod", name: "p2"})
	for _, s := range []*subscription{a, b} {
		select {
		case <-s.wake:
		default:
			t.Fatal("not woken")
		}
		got, overflow := s.take()
		if overflow || len(got) != 2 || got[0].name != "p1" || got[1].name != "p2" {
			t.Fatalf("take = %v, %v", got, overflow)
		}
	}
	h.unsubscribe(a)
	h.publish(change{kind: "Pod", name: "p3"})
	if got, _ := a.take(); len(got) != 0 {
		t.Fatalf("an ended subscription got %v", got)
	}
	if _, seq := h.subscribe(); seq != 3 {
		t.Fatalf("sequence %d, want 3", seq)
	}
}

// A subscription that is not read holds at most maxPending changes, then
// only the fact that it must render everything.
func TestHubBoundsWhatASlowPageHolds(t *testing.T) {
	h := newHub()
	s, _ := h.subscribe()
	for range maxPending + 10 {
		h.publish(change{kind: "Pod"})
	}
	got, overflow := s.take()
	if !overflow || len(got) != 0 {
		t.Fatalf("take = %d changes, overflow %v; want none and overflow", len(got), overflow)
	}
	h.publish(change{kind: "Pod"})
	if got, overflow := s.take(); overflow || len(got) != 1 {
		t.Fatalf("after: %d, %v", len(got), overflow)
	}
}

func TestChangeOf(t *testing.T) {
	old := pod("default", "p", "", api.PodPending, false, "")
	bound := pod("default", "p", "n1", api.PodPending, false, "")
	c := changeOf(opModified, old, bound)
	if c.kind != "Pod" || c.namespace != "default" || c.name != "p" || !slices.Equal(c.nodes, []string{"n1", ""}) {
		t.Fatalf("changeOf = %+v", c)
	}
	ev := &api.Event{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "e"}, InvolvedObject: api.ObjectReference{Kind: "Pod", Namespace: "default", Name: "p"}}
	if c := changeOf(opAdded, nil, ev); c.kind != "Event" || c.involved != "Pod/default/p" {
		t.Fatalf("changeOf(event) = %+v", c)
	}
}

func TestViewAffected(t *testing.T) {
	pods := func(nodes ...string) change {
		return change{op: opModified, kind: "Pod", namespace: "default", name: "p", nodes: nodes}
	}
	tests := []struct {
		name string
		v    view
		c    change
		want []string
	}{
		{"map: a pod on a node", view{name: viewMap, namespace: "default"}, pods("n1"), []string{"node-n1"}},
		{"map: a pod bound", view{name: viewMap, namespace: "default"}, pods("n1", ""), []string{"node-n1", fragPending}},
		{"map: another namespace's pod still counts on its node", view{name: viewMap, namespace: "other"}, pods("n1"), []string{"node-n1"}},
		{"map: a node changed", view{name: viewMap}, change{op: opModified, kind: "Node", name: "n1"}, []string{"node-n1"}},
		{"map: a node added", view{name: viewMap}, change{op: opAdded, kind: "Node", name: "n1"}, []string{viewMap}},
		{"map: a service", view{name: viewMap}, change{kind: "Service"}, nil},
		{"workloads: a pod", view{name: viewWorkloads, namespace: "default"}, pods("n1"), []string{viewWorkloads}},
		{"workloads: another namespace", view{name: viewWorkloads, namespace: "other"}, pods("n1"), nil},
		{"services: endpoints", view{name: viewServices}, change{kind: "Endpoints", namespace: "x"}, []string{viewServices}},
		{"events: an event", view{name: viewEvents, namespace: "default"}, change{kind: "Event", namespace: "default"}, []string{viewEvents}},
		{"pod: its pod", view{name: viewPod, namespace: "default", pod: "p"}, pods("n1"), []string{viewPod}},
		{"pod: another pod", view{name: viewPod, namespace: "default", pod: "q"}, pods("n1"), nil},
		{"pod: its event", view{name: viewPod, namespace: "default", pod: "p"}, change{kind: "Event", involved: "Pod/default/p"}, []string{fragPodEvents}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.affected(tc.c); !slices.Equal(got, tc.want) {
				t.Errorf("affected = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestViewMergeKeepsTheRootAlone(t *testing.T) {
	v := view{name: viewMap}
	ids := v.merge(nil, []string{"node-a", fragPending})
	ids = v.merge(ids, []string{"node-a"})
	if !slices.Equal(ids, []string{"node-a", fragPending}) {
		t.Fatalf("merge = %v", ids)
	}
	if ids = v.merge(ids, []string{viewMap}); !slices.Equal(ids, []string{viewMap}) {
		t.Fatalf("merge with the root = %v", ids)
	}
	if ids = v.merge(ids, []string{"node-b"}); !slices.Equal(ids, []string{viewMap}) {
		t.Fatalf("merge after the root = %v", ids)
	}
}
