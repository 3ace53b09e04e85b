package daemonset

import (
	"slices"
	"testing"

	"kubelab/pkg/api"
)

func TestHandlers(t *testing.T) {
	ds := newDS()
	other := newDS()
	other.Name, other.UID = "metrics", "uid-metrics"
	other.Spec.Selector.MatchLabels = map[string]string{"app": "metrics"}
	rs := &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: "logs", Namespace: "default", UID: "uid-logs"}}

	pod := daemonPod("logs-a", ds, "node-a")
	node := newNode("node-a", ssd)
	both := []string{"default/logs", "default/metrics"}
	tests := []struct {
		name string
		fire func(f *fixture)
		want []string
	}{
		{
			name: "a new pod queues its DaemonSet",
			fire: func(f *fixture) { f.c.PodHandler().OnAdd(pod) },
			want: []string{"default/logs"},
		},
		{
			name: "a pod of another kind of owner queues nothing",
			fire: func(f *fixture) {
				p := daemonPod("x", ds, "node-a", orphan)
				p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: api.Bool(true)}}
				f.c.PodHandler().OnAdd(p)
			},
		},
		{
			name: "a new orphan queues the DaemonSets that select it",
			fire: func(f *fixture) { f.c.PodHandler().OnAdd(daemonPod("stray", ds, "node-a", orphan)) },
			want: []string{"default/logs"},
		},
		{
			name: "a pod status change queues its DaemonSet",
			fire: func(f *fixture) { f.c.PodHandler().OnUpdate(daemonPod("logs-a", ds, "node-a", notReady), pod) },
			want: []string{"default/logs"},
		},
		{
			name: "a deleted pod queues its DaemonSet",
			fire: func(f *fixture) { f.c.PodHandler().OnDelete(pod) },
			want: []string{"default/logs"},
		},
		{
			name: "DaemonSet events queue it",
			fire: func(f *fixture) {
				h := f.c.DaemonSetHandler()
				h.OnAdd(ds)
				h.OnUpdate(ds, ds)
				h.OnDelete(other)
			},
			want: both,
		},
		{
			name: "a revision event queues the DaemonSet that controls it",
			fire: func(f *fixture) {
				h := f.c.RevisionHandler()
				h.OnDelete(revisionOf(ds, 1))
				stranger := revisionOf(other, 1)
				stranger.OwnerReferences = nil
				h.OnAdd(stranger)
			},
			want: []string{"default/logs"},
		},
		{
			name: "a new node queues every DaemonSet",
			fire: func(f *fixture) { f.c.NodeHandler().OnAdd(node) },
			want: both,
		},
		{
			name: "a deleted node queues every DaemonSet",
			fire: func(f *fixture) { f.c.NodeHandler().OnDelete(node) },
			want: both,
		},
		{
			name: "a node's labels changing queues every DaemonSet",
			fire: func(f *fixture) { f.c.NodeHandler().OnUpdate(node, newNode("node-a", hdd)) },
			want: both,
		},
		{
			name: "a node's taints changing queues every DaemonSet",
			fire: func(f *fixture) { f.c.NodeHandler().OnUpdate(node, newNode("node-a", ssd, gpuTnt)) },
			want: both,
		},
		{
			name: "a node heartbeat queues nothing",
			fire: func(f *fixture) {
				beat := newNode("node-a", ssd)
				beat.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue, LastHeartbeatTime: api.NewTime(now)}}
				f.c.NodeHandler().OnUpdate(node, beat)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(ds, other)
			tt.fire(f)
			if got := f.drain(); !slices.Equal(got, tt.want) {
				t.Errorf("queued %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHandlersObserveExpectations(t *testing.T) {
	ds := newDS()
	a, b := daemonPod("logs-a", ds, "node-a"), daemonPod("logs-b", ds, "node-b")
	f := newFixture(ds)
	h := f.c.PodHandler()
	f.c.expectations.Expect("default/logs", 1, []string{"default/logs-b"})
	h.OnAdd(a)
	if f.c.expectations.Satisfied("default/logs") {
		t.Fatal("satisfied before the deletion was seen")
	}
	h.OnUpdate(b, daemonPod("logs-b", ds, "node-b", podDeleting))
	if !f.c.expectations.Satisfied("default/logs") {
		t.Fatal("not satisfied after the creation and the deletion were seen")
	}
}
