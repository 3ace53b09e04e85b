package replicaset

import (
	"slices"
	"testing"

	"kubelab/pkg/api"
)

func TestHandlers(t *testing.T) {
	rs := newRS("web", 2, web)
	rsAPI := newRS("api", 1, map[string]string{"app": "api"})
	rc := newRC("kubia", 2, kubia)
	stale := newRS("web", 1, web)
	stale.UID = "uid-web-before" // an earlier ReplicaSet of the same name
	ds := &api.DaemonSet{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-web"}}

	owned := newPod("a", web, ownedBy(rs))
	tests := []struct {
		name string
		fire func(f *fixture)
		want []string
	}{
		{
			name: "a new pod queues its ReplicaSet",
			fire: func(f *fixture) { f.c.PodHandler().OnAdd(owned) },
			want: []string{"replicasets/default/web"},
		},
		{
			name: "a new pod queues its ReplicationController",
			fire: func(f *fixture) { f.c.PodHandler().OnAdd(newPod("k", kubia, ownedBy(rc))) },
			want: []string{"replicationcontrollers/default/kubia"},
		},
		{
			name: "a new orphan queues the owners that select it",
			fire: func(f *fixture) { f.c.PodHandler().OnAdd(newPod("o", web)) },
			want: []string{"replicasets/default/web"},
		},
		{
			name: "an orphan nobody selects queues nothing",
			fire: func(f *fixture) { f.c.PodHandler().OnAdd(newPod("o", map[string]string{"app": "db"})) },
		},
		{
			name: "a pod of an earlier owner of the same name queues nothing",
			fire: func(f *fixture) { f.c.PodHandler().OnAdd(newPod("s", web, ownedBy(stale))) },
		},
		{
			name: "a pod of another kind of controller queues nothing",
			fire: func(f *fixture) { f.c.PodHandler().OnAdd(newPod("d", web, ownedBy(ds))) },
		},
		{
			name: "a pod turning ready queues its owner",
			fire: func(f *fixture) { f.c.PodHandler().OnUpdate(newPod("a", web, ownedBy(rs), notReady), owned) },
			want: []string{"replicasets/default/web"},
		},
		{
			name: "a released pod queues its old owner and those that now select it",
			fire: func(f *fixture) {
				f.c.PodHandler().OnUpdate(owned, newPod("a", map[string]string{"app": "api"}))
			},
			want: []string{"replicasets/default/api", "replicasets/default/web"},
		},
		{
			name: "an orphan relabelled queues the owners that select it now",
			fire: func(f *fixture) {
				f.c.PodHandler().OnUpdate(newPod("o", map[string]string{"app": "db"}), newPod("o", kubia))
			},
			want: []string{"replicationcontrollers/default/kubia"},
		},
		{
			name: "an orphan's status change queues nothing",
			fire: func(f *fixture) { f.c.PodHandler().OnUpdate(newPod("o", web, notReady), newPod("o", web)) },
		},
		{
			name: "a deleted pod queues its owner",
			fire: func(f *fixture) { f.c.PodHandler().OnDelete(owned) },
			want: []string{"replicasets/default/web"},
		},
		{
			name: "ReplicaSet events queue the ReplicaSet",
			fire: func(f *fixture) {
				h := f.c.ReplicaSetHandler()
				h.OnAdd(rs)
				h.OnUpdate(rs, rsAPI)
				h.OnDelete(rs)
			},
			want: []string{"replicasets/default/api", "replicasets/default/web"},
		},
		{
			name: "ReplicationController events queue the ReplicationController",
			fire: func(f *fixture) { f.c.ReplicationControllerHandler().OnDelete(rc) },
			want: []string{"replicationcontrollers/default/kubia"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(rs, rsAPI, rc)
			tt.fire(f)
			if got := f.drain(); !slices.Equal(got, tt.want) {
				t.Errorf("queued %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHandlersObserveExpectations(t *testing.T) {
	rs := newRS("web", 2, web)
	key := "replicasets/default/web"
	a, b := newPod("a", web, ownedBy(rs)), newPod("b", web, ownedBy(rs))
	bGoing := newPod("b", web, ownedBy(rs), deleting)

	f := newFixture(rs)
	h := f.c.PodHandler()
	f.c.expectations.Expect(key, 1, []string{"default/b"})
	h.OnAdd(a)
	if f.c.expectations.Satisfied(key) {
		t.Fatal("satisfied before the deletion was seen")
	}
	h.OnUpdate(b, bGoing) // marked for deletion: as good as gone
	if !f.c.expectations.Satisfied(key) {
		t.Fatal("not satisfied after the creation and the deletion were seen")
	}
	h.OnDelete(bGoing) // seen again, when it is really gone: no harm
	if !f.c.expectations.Satisfied(key) {
		t.Fatal("not satisfied after the final delete")
	}
}
