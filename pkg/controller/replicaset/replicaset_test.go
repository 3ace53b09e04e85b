package replicaset

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

var (
	web   = map[string]string{"app": "web"}
	kubia = map[string]string{"app": "kubia"}
)

// settled is the status of an owner whose n pods are all ready and
// available, at generation 1.
func settled(n int32) api.ReplicaSetStatus {
	return api.ReplicaSetStatus{Replicas: n, FullyLabeledReplicas: n, ReadyReplicas: n, AvailableReplicas: n, ObservedGeneration: 1}
}

func TestSync(t *testing.T) {
	rs := newRS("web", 2, web)
	tests := []struct {
		name       string
		objs       []api.Object
		key        string
		want       []string // recorded writes
		wantEvents []string
		check      func(t *testing.T, f *fixture)
	}{
		{
			name: "scale up from 0 creates the difference from the template",
			objs: []api.Object{newRS("web", 3, web)},
			key:  "replicasets/default/web",
			want: []string{"create pods default/web-00001", "create pods default/web-00002", "create pods default/web-00003",
				"updateStatus replicasets default/web"},
			wantEvents: []string{"Normal SuccessfulCreate Created pod: web-00001", "Normal SuccessfulCreate Created pod: web-00002",
				"Normal SuccessfulCreate Created pod: web-00003"},
			check: func(t *testing.T, f *fixture) {
				want := []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web", UID: "uid-web",
					Controller: api.Bool(true), BlockOwnerDeletion: api.Bool(true)}}
				for _, p := range f.created() {
					if p.GenerateName != "web-" || p.Namespace != "default" || !reflect.DeepEqual(p.Labels, web) {
						t.Errorf("pod %s: generateName %q, namespace %q, labels %v", p.Name, p.GenerateName, p.Namespace, p.Labels)
					}
					if !reflect.DeepEqual(p.OwnerReferences, want) {
						t.Errorf("pod %s: ownerReferences %+v, want %+v", p.Name, p.OwnerReferences, want)
					}
					if p.Spec.NodeName != "" || len(p.Spec.Containers) != 1 || p.Spec.Containers[0].Image != "kubia" {
						t.Errorf("pod %s: spec %+v", p.Name, p.Spec)
					}
				}
				st := f.w.Actions[3].Object.(*api.ReplicaSet).Status
				if st != (api.ReplicaSetStatus{ObservedGeneration: 1}) {
					t.Errorf("status %+v: the new pods are not in the cache yet", st)
				}
			},
		},
		{
			name: "at the desired count nothing is written",
			objs: []api.Object{rsWithStatus(newRS("web", 2, web), settled(2)),
				newPod("a", web, ownedBy(rs)), newPod("b", web, ownedBy(rs))},
			key: "replicasets/default/web",
		},
		{
			name: "scale down deletes unscheduled, then pending, then not ready, then newest",
			objs: []api.Object{
				rsWithStatus(newRS("web", 1, web), api.ReplicaSetStatus{Replicas: 5, FullyLabeledReplicas: 5,
					ReadyReplicas: 2, AvailableReplicas: 2, ObservedGeneration: 1}),
				newPod("old", web, ownedBy(rs), age(3*time.Hour)),
				newPod("new", web, ownedBy(rs), age(time.Hour)),
				newPod("notready", web, ownedBy(rs), age(5*time.Hour), notReady),
				newPod("pending", web, ownedBy(rs), age(5*time.Hour), pending),
				newPod("unsched", web, ownedBy(rs), age(5*time.Hour), unscheduled),
			},
			key: "replicasets/default/web",
			want: []string{"delete pods default/unsched", "delete pods default/pending", "delete pods default/notready",
				"delete pods default/new"},
			wantEvents: []string{"Normal SuccessfulDelete Deleted pod: unsched", "Normal SuccessfulDelete Deleted pod: pending",
				"Normal SuccessfulDelete Deleted pod: notready", "Normal SuccessfulDelete Deleted pod: new"},
		},
		{
			name: "a matching orphan is adopted; other owners' pods and pods on their way out are not",
			objs: []api.Object{
				rsWithStatus(newRS("web", 2, web), settled(2)),
				newPod("a", web, ownedBy(rs)),
				newPod("orphan", web),
				newPod("unmatched", map[string]string{"app": "api"}),
				newPod("theirs", web, ownedBy(newRS("other", 1, web))),
				newPod("going", web, deleting),
			},
			key:  "replicasets/default/web",
			want: []string{"patch pods default/orphan"},
			check: func(t *testing.T, f *fixture) {
				want := `{"metadata":{"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web","uid":"uid-web","controller":true,"blockOwnerDeletion":true}],"uid":"uid-orphan"}}`
				if got := f.w.Actions[0].Patch; got != want {
					t.Errorf("patch\n got %s\nwant %s", got, want)
				}
			},
		},
		{
			name: "a pod whose labels no longer match is released and replaced",
			objs: []api.Object{
				rsWithStatus(newRS("web", 2, web), settled(2)),
				newPod("a", web, ownedBy(rs)),
				newPod("debug", map[string]string{"app": "debug"}, ownedBy(rs)),
			},
			key:        "replicasets/default/web",
			want:       []string{"patch pods default/debug", "create pods default/web-00001", "updateStatus replicasets default/web"},
			wantEvents: []string{"Normal SuccessfulCreate Created pod: web-00001"},
			check: func(t *testing.T, f *fixture) {
				want := `{"metadata":{"ownerReferences":[{"$patch":"delete","uid":"uid-web"}],"uid":"uid-debug"}}`
				if got := f.w.Actions[0].Patch; got != want {
					t.Errorf("patch\n got %s\nwant %s", got, want)
				}
			},
		},
		{
			name: "finished pods and pods being deleted do not count",
			objs: []api.Object{
				rsWithStatus(newRS("web", 3, web), settled(1)),
				newPod("done", web, ownedBy(rs), phase(api.PodSucceeded)),
				newPod("crashed", web, ownedBy(rs), phase(api.PodFailed)),
				newPod("going", web, ownedBy(rs), deleting),
				newPod("running", web, ownedBy(rs)),
			},
			key:        "replicasets/default/web",
			want:       []string{"create pods default/web-00001", "create pods default/web-00002"},
			wantEvents: []string{"Normal SuccessfulCreate Created pod: web-00001", "Normal SuccessfulCreate Created pod: web-00002"},
		},
		{
			name: "pods of other namespaces are neither counted nor adopted",
			objs: []api.Object{
				rsWithStatus(newRS("web", 1, web), settled(1)),
				newPod("a", web, ownedBy(rs)),
				newPod("elsewhere", web, inNamespace("other")),
			},
			key: "replicasets/default/web",
		},
		{
			name: "a ReplicaSet being deleted is left to the garbage collector",
			objs: []api.Object{
				func() api.Object {
					rs := rsWithStatus(newRS("web", 3, web), api.ReplicaSetStatus{ObservedGeneration: 1})
					t := api.NewTime(now)
					rs.DeletionTimestamp = &t
					return rs
				}(),
				newPod("orphan", web),
				newPod("debug", map[string]string{"app": "debug"}, ownedBy(rs)),
			},
			key: "replicasets/default/web",
		},
		{
			name: "a ReplicaSet that is gone needs nothing",
			key:  "replicasets/default/web",
		},
		{
			name: "a ReplicationController selects by equality and owns as v1",
			objs: []api.Object{
				newRC("kubia", 2, kubia),
				newPod("orphan", map[string]string{"app": "kubia", "track": "canary"}),
				newPod("other", map[string]string{"app": "kubia-v2"}),
			},
			key: "replicationcontrollers/default/kubia",
			want: []string{"patch pods default/orphan", "create pods default/kubia-00001",
				"updateStatus replicationcontrollers default/kubia"},
			wantEvents: []string{"Normal SuccessfulCreate Created pod: kubia-00001"},
			check: func(t *testing.T, f *fixture) {
				want := []api.OwnerReference{{APIVersion: "v1", Kind: "ReplicationController", Name: "kubia", UID: "uid-kubia",
					Controller: api.Bool(true), BlockOwnerDeletion: api.Bool(true)}}
				if got := f.created()[0].OwnerReferences; !reflect.DeepEqual(got, want) {
					t.Errorf("ownerReferences %+v, want %+v", got, want)
				}
				if st := f.w.Actions[2].Object.(*api.ReplicationController).Status; st != settled(1) {
					t.Errorf("status %+v, want %+v", st, settled(1))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.objs...)
			f.sync(t, tt.key)
			if got := f.w.Strings(); !slices.Equal(got, tt.want) {
				t.Errorf("writes\n got %q\nwant %q", got, tt.want)
			}
			if !slices.Equal(f.rec.Events, tt.wantEvents) {
				t.Errorf("events\n got %q\nwant %q", f.rec.Events, tt.wantEvents)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

// TestExpectations plays the race expectations exist for: the owner's own
// status write brings it back before the pod informer has caught up.
func TestExpectations(t *testing.T) {
	f := newFixture(newRS("web", 3, web))
	key := "replicasets/default/web"
	pods := f.c.PodHandler()
	step := func(name string, want ...string) {
		t.Helper()
		f.w.Reset()
		f.sync(t, key)
		if got := f.w.Strings(); !slices.Equal(got, want) {
			t.Errorf("%s: writes\n got %q\nwant %q", name, got, want)
		}
	}
	// catchUpOwner puts the last status write into the owner cache, as the
	// ReplicaSet informer would.
	catchUpOwner := func() {
		for _, a := range f.w.Actions {
			if a.Verb == "updateStatus" {
				f.rs.Add(a.Object)
			}
		}
	}

	step("first sync", "create pods default/web-00001", "create pods default/web-00002", "create pods default/web-00003",
		"updateStatus replicasets default/web")
	created := f.created()
	for i, p := range created {
		p.CreationTimestamp = api.NewTime(now.Add(time.Duration(i) * time.Second)) // as the apiserver would
	}
	catchUpOwner()
	step("before the pod informer catches up: no second round")

	// The informer delivers two of the three pods: still waiting for one.
	for _, p := range created[:2] {
		f.pods.Add(p)
		pods.OnAdd(p)
	}
	step("one creation still in flight", "updateStatus replicasets default/web")
	catchUpOwner()
	f.pods.Add(created[2])
	pods.OnAdd(created[2])
	step("all seen", "updateStatus replicasets default/web")
	catchUpOwner()

	// Scale down to 1: two deletes, then nothing until they are seen.
	rs, _ := f.rs.Get("default/web")
	smaller := rsWithStatus(newRS("web", 1, web), rs.(*api.ReplicaSet).Status)
	f.rs.Add(smaller)
	step("scale down", "delete pods default/web-00003", "delete pods default/web-00002")
	step("deletes not seen yet")
	for _, p := range created[1:] {
		f.pods.Delete("default/" + p.Name)
		pods.OnDelete(p)
	}
	step("deletes seen", "updateStatus replicasets default/web")

	// A write whose event is lost for good holds the owner back only until
	// the expectations time out.
	clock := now
	f.c.expectations = controller.NewExpectations(controller.ExpectationsTimeout, func() time.Time { return clock })
	catchUpOwner()
	rs, _ = f.rs.Get("default/web")
	bigger := rsWithStatus(newRS("web", 2, web), rs.(*api.ReplicaSet).Status)
	f.rs.Add(bigger)
	step("scale up", "create pods default/web-00004")
	step("lost event")
	clock = clock.Add(controller.ExpectationsTimeout + time.Second)
	step("timed out", "create pods default/web-00005")
}

func TestSyncCreateFails(t *testing.T) {
	f := newFixture(rsWithStatus(newRS("web", 3, web), api.ReplicaSetStatus{ObservedGeneration: 1}))
	f.w.Fail = map[string]error{"create pods": errors.New(`pods "web-" is forbidden: exceeded quota`)}
	err := f.c.Sync(context.Background(), "replicasets/default/web")
	if err == nil {
		t.Fatal("Sync succeeded; want the create error")
	}
	if got, want := f.w.Strings(), []string{"create pods default/web-00001"}; !slices.Equal(got, want) {
		t.Errorf("writes %q, want %q: the first failure stops the round", got, want)
	}
	if want := []string{`Warning FailedCreate Error creating: pods "web-" is forbidden: exceeded quota`}; !slices.Equal(f.rec.Events, want) {
		t.Errorf("events %q, want %q", f.rec.Events, want)
	}
	if !f.c.expectations.Satisfied("replicasets/default/web") {
		t.Error("expectations still wait for pods that were never created")
	}
}

func TestSyncRefusesASelectorThatMissesTheTemplate(t *testing.T) {
	rs := newRS("web", 3, web)
	rs.Spec.Template.Labels = map[string]string{"app": "api"} // validation forbids this
	f := newFixture(rs)
	if err := f.c.Sync(context.Background(), "replicasets/default/web"); err == nil {
		t.Fatal("Sync succeeded; want an error")
	}
	if got := f.w.Strings(); len(got) != 0 {
		t.Errorf("writes %q, want none: pods it would never count", got)
	}
}
