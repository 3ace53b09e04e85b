package replicaset

import (
	"slices"
	"testing"
	"time"

	"kubelab/pkg/api"
)

func TestCompareForDeletion(t *testing.T) {
	tests := []struct {
		name string
		pods []*api.Pod
		want []string // names, delete first to delete last
	}{
		{
			name: "unscheduled before scheduled",
			pods: []*api.Pod{newPod("on-node", web), newPod("nowhere", web, unscheduled)},
			want: []string{"nowhere", "on-node"},
		},
		{
			name: "pending before unknown before running",
			pods: []*api.Pod{newPod("running", web), newPod("unknown", web, phase(api.PodUnknown)), newPod("pending", web, pending)},
			want: []string{"pending", "unknown", "running"},
		},
		{
			name: "not ready before ready",
			pods: []*api.Pod{newPod("ready", web), newPod("not-ready", web, notReady)},
			want: []string{"not-ready", "ready"},
		},
		{
			name: "newest first",
			pods: []*api.Pod{newPod("old", web, age(2*time.Hour)), newPod("young", web, age(time.Minute)), newPod("mid", web, age(time.Hour))},
			want: []string{"young", "mid", "old"},
		},
		{
			name: "an earlier rule wins over a later one",
			pods: []*api.Pod{
				newPod("young-ready", web, age(time.Minute)),
				newPod("old-not-ready", web, age(time.Hour), notReady),
				newPod("old-pending", web, age(2*time.Hour), pending),
				newPod("old-unscheduled", web, age(3*time.Hour), unscheduled),
			},
			want: []string{"old-unscheduled", "old-pending", "old-not-ready", "young-ready"},
		},
		{
			name: "ties break by name",
			pods: []*api.Pod{newPod("b", web), newPod("a", web)},
			want: []string{"a", "b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pods := slices.Clone(tt.pods)
			slices.SortFunc(pods, compareForDeletion)
			var got []string
			for _, p := range pods {
				got = append(got, p.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("order %q, want %q", got, tt.want)
			}
		})
	}
}

func TestComputeStatus(t *testing.T) {
	frontWeb := map[string]string{"app": "web", "tier": "front"}
	tests := []struct {
		name        string
		minReady    int32
		templateLbl map[string]string
		pods        []*api.Pod
		want        api.ReplicaSetStatus
		wantRecheck time.Duration
	}{
		{
			name: "no pods",
			want: api.ReplicaSetStatus{ObservedGeneration: 1},
		},
		{
			name: "ready, not ready and pending pods",
			pods: []*api.Pod{newPod("a", web), newPod("b", web, notReady), newPod("c", web, pending)},
			want: api.ReplicaSetStatus{Replicas: 3, FullyLabeledReplicas: 3, ReadyReplicas: 1, AvailableReplicas: 1, ObservedGeneration: 1},
		},
		{
			name: "finished and deleting pods are not counted",
			pods: []*api.Pod{newPod("a", web), newPod("b", web, phase(api.PodFailed)), newPod("c", web, deleting)},
			want: settled(1),
		},
		{
			name:        "fully labeled means every template label",
			templateLbl: frontWeb,
			pods:        []*api.Pod{newPod("a", frontWeb), newPod("b", web)},
			want:        api.ReplicaSetStatus{Replicas: 2, FullyLabeledReplicas: 1, ReadyReplicas: 2, AvailableReplicas: 2, ObservedGeneration: 1},
		},
		{
			name:     "available only after minReadySeconds; recheck when the next one will be",
			minReady: 60,
			pods: []*api.Pod{
				newPod("long", web, readyFor(time.Hour)),
				newPod("recent", web, readyFor(20*time.Second)),
				newPod("just", web, readyFor(5*time.Second)),
			},
			want:        api.ReplicaSetStatus{Replicas: 3, FullyLabeledReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 1, ObservedGeneration: 1},
			wantRecheck: 40 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := newRS("web", 3, web)
			rs.Spec.MinReadySeconds = tt.minReady
			if tt.templateLbl != nil {
				rs.Spec.Template.Labels = tt.templateLbl
			}
			o, err := ownerOf("replicasets/default/web", rs)
			if err != nil {
				t.Fatal(err)
			}
			got, recheck := computeStatus(o, tt.pods, now)
			if got != tt.want {
				t.Errorf("status %+v, want %+v", got, tt.want)
			}
			if recheck != tt.wantRecheck {
				t.Errorf("recheck %v, want %v", recheck, tt.wantRecheck)
			}
		})
	}
}

func TestSyncRequeuesForMinReadySeconds(t *testing.T) {
	rs := newRS("web", 1, web)
	rs.Spec.MinReadySeconds = 1
	f := newFixture(rs, newPod("a", web, ownedBy(rs), readyFor(0)))
	// Ready for all but 20 ms of its minReadySeconds: the test waits that long.
	f.c.now = func() time.Time { return now.Add(time.Second - 20*time.Millisecond) }
	f.sync(t, "replicasets/default/web")
	if got := f.drain(); len(got) != 0 {
		t.Fatalf("queued %q at once; want a delayed requeue", got)
	}
	deadline := time.Now().Add(3 * time.Second)
	for f.c.queue.Len() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got, want := f.drain(), []string{"replicasets/default/web"}; !slices.Equal(got, want) {
		t.Errorf("queue %q, want %q", got, want)
	}
}
