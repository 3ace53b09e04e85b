package statefulset

import (
	"testing"

	"kubelab/pkg/api"
)

func TestStatus(t *testing.T) {
	v1 := newSet(3)
	v2 := newSet(3, image("kubia:v2"), partitioned(2), withStatus(revName(v1), revName(v1)))
	tests := []struct {
		name string
		objs []api.Object
		want api.StatefulSetStatus
	}{
		{
			name: "a new set: one revision, one pod made",
			objs: []api.Object{v1},
			want: api.StatefulSetStatus{ObservedGeneration: 1, CurrentRevision: revName(v1), UpdateRevision: revName(v1)},
		},
		{
			name: "ready and not ready pods",
			objs: []api.Object{v1, revision(v1, 1), pod(v1, 0), pod(v1, 1, notReady)},
			want: api.StatefulSetStatus{ObservedGeneration: 1, Replicas: 2, ReadyReplicas: 1, AvailableReplicas: 1,
				CurrentReplicas: 2, UpdatedReplicas: 2, CurrentRevision: revName(v1), UpdateRevision: revName(v1)},
		},
		{
			name: "a partitioned update keeps the current revision",
			objs: []api.Object{v2, revision(v1, 1), revision(v2, 2), pod(v1, 0), pod(v1, 1), pod(v2, 2)},
			want: api.StatefulSetStatus{ObservedGeneration: 1, Replicas: 3, ReadyReplicas: 3, AvailableReplicas: 3,
				CurrentReplicas: 2, UpdatedReplicas: 1, CurrentRevision: revName(v1), UpdateRevision: revName(v2)},
		},
		{
			name: "every pod updated and ready: the update revision is current",
			objs: []api.Object{newSet(2, image("kubia:v2"), withStatus(revName(v1), revName(v2))), revision(v1, 1), revision(v2, 2),
				pod(v2, 0), pod(v2, 1)},
			want: api.StatefulSetStatus{ObservedGeneration: 1, Replicas: 2, ReadyReplicas: 2, AvailableReplicas: 2,
				CurrentReplicas: 2, UpdatedReplicas: 2, CurrentRevision: revName(v2), UpdateRevision: revName(v2)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.objs...)
			f.sync(t)
			st := f.status()
			if st == nil {
				t.Fatal("no status written")
			}
			if st.Replicas != tt.want.Replicas || st.ReadyReplicas != tt.want.ReadyReplicas ||
				st.AvailableReplicas != tt.want.AvailableReplicas || st.CurrentReplicas != tt.want.CurrentReplicas ||
				st.UpdatedReplicas != tt.want.UpdatedReplicas || st.CurrentRevision != tt.want.CurrentRevision ||
				st.UpdateRevision != tt.want.UpdateRevision || st.ObservedGeneration != tt.want.ObservedGeneration {
				t.Errorf("status\n  %+v\nwant\n  %+v", *st, tt.want)
			}
		})
	}
}
