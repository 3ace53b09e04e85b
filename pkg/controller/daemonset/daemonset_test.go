package daemonset

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"kubelab/pkg/api"
)

var (
	ssd    = map[string]string{"disk": "ssd"}
	hdd    = map[string]string{"disk": "hdd"}
	gpuTnt = tainted("dedicated", "gpu", api.TaintNoSchedule)
)

func TestSync(t *testing.T) {
	ds := newDS()
	tests := []struct {
		name       string
		objs       []api.Object
		want       []string // recorded pod writes
		wantEvents []string
		check      func(t *testing.T, f *fixture)
	}{
		{
			name: "one pod bound to each node the nodeSelector matches",
			objs: []api.Object{newDS(nodeSelector(ssd)), newNode("node-a", ssd), newNode("node-b", hdd), newNode("node-c", ssd)},
			want: []string{"create pods default/logs-00001", "create pods default/logs-00002"},
			wantEvents: []string{"Normal SuccessfulCreate Created pod: logs-00001",
				"Normal SuccessfulCreate Created pod: logs-00002"},
			check: func(t *testing.T, f *fixture) {
				hash := templateHash(&newDS(nodeSelector(ssd)).Spec.Template)
				wantRef := []api.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "logs", UID: "uid-logs",
					Controller: api.Bool(true), BlockOwnerDeletion: api.Bool(true)}}
				for i, node := range []string{"node-a", "node-c"} {
					p := f.created()[i]
					if p.Spec.NodeName != node {
						t.Errorf("pod %s bound to %q, want %q", p.Name, p.Spec.NodeName, node)
					}
					wantAff := &api.Affinity{NodeAffinity: &api.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{
						NodeSelectorTerms: []api.NodeSelectorTerm{{MatchFields: []api.NodeSelectorRequirement{
							{Key: "metadata.name", Operator: "In", Values: []string{node}}}}}}}}
					if !reflect.DeepEqual(p.Spec.Affinity, wantAff) {
						t.Errorf("pod %s affinity %+v, want it pinned to %s", p.Name, p.Spec.Affinity.NodeAffinity, node)
					}
					if p.GenerateName != "logs-" || !reflect.DeepEqual(p.OwnerReferences, wantRef) {
						t.Errorf("pod %s: generateName %q, ownerReferences %+v", p.Name, p.GenerateName, p.OwnerReferences)
					}
					if want := map[string]string{"app": "logs", HashLabel: hash}; !reflect.DeepEqual(p.Labels, want) {
						t.Errorf("pod %s labels %v, want %v", p.Name, p.Labels, want)
					}
					if len(p.Spec.Tolerations) != len(daemonTolerations) {
						t.Errorf("pod %s tolerations %+v, want the daemon tolerations", p.Name, p.Spec.Tolerations)
					}
				}
			},
		},
		{
			name: "a node whose label no longer matches loses its pod",
			objs: []api.Object{newDS(nodeSelector(ssd)), newNode("node-a", ssd), newNode("node-b", hdd),
				daemonPod("logs-a", newDS(nodeSelector(ssd)), "node-a"), daemonPod("logs-b", newDS(nodeSelector(ssd)), "node-b")},
			want:       []string{"delete pods default/logs-b"},
			wantEvents: []string{"Normal SuccessfulDelete Deleted pod: logs-b"},
		},
		{
			name: "a taint the pod does not tolerate keeps the pod off",
			objs: []api.Object{ds, newNode("node-a", nil), newNode("gpu-1", nil, gpuTnt)},
			want: []string{"create pods default/logs-00001"},
			check: func(t *testing.T, f *fixture) {
				if node := f.created()[0].Spec.NodeName; node != "node-a" {
					t.Errorf("pod on %s, want node-a", node)
				}
			},
		},
		{
			name: "a tolerated taint does not",
			objs: []api.Object{newDS(tolerating(api.Toleration{Key: "dedicated", Value: "gpu", Effect: api.TaintNoSchedule})),
				newNode("gpu-1", nil, gpuTnt)},
			want: []string{"create pods default/logs-00001"},
		},
		{
			name: "a NoSchedule taint added under a running pod lets it stay",
			objs: []api.Object{ds, newNode("gpu-1", nil, gpuTnt), daemonPod("logs-a", ds, "gpu-1")},
		},
		{
			name: "a NoExecute taint the pod does not tolerate evicts it",
			objs: []api.Object{ds, newNode("node-a", nil, tainted("maintenance", "", api.TaintNoExecute)),
				daemonPod("logs-a", ds, "node-a")},
			want: []string{"delete pods default/logs-a"},
		},
		{
			name: "a cordoned node still gets its pod",
			objs: []api.Object{ds, newNode("node-a", nil, cordoned)},
			want: []string{"create pods default/logs-00001"},
		},
		{
			name: "so does a node that is not ready",
			objs: []api.Object{ds, newNode("node-a", nil, tainted(api.TaintNodeNotReady, "", api.TaintNoExecute))},
			want: []string{"create pods default/logs-00001"},
		},
		{
			name: "required node affinity picks the nodes",
			objs: []api.Object{
				func() *api.DaemonSet {
					d := newDS()
					d.Spec.Template.Spec.Affinity = &api.Affinity{NodeAffinity: &api.NodeAffinity{
						RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{
							{MatchExpressions: []api.NodeSelectorRequirement{{Key: "zone", Operator: "In", Values: []string{"a", "b"}}}},
						}}}}
					return d
				}(),
				newNode("in-a", map[string]string{"zone": "a"}), newNode("in-c", map[string]string{"zone": "c"}), newNode("no-zone", nil),
			},
			want: []string{"create pods default/logs-00001"},
			check: func(t *testing.T, f *fixture) {
				if node := f.created()[0].Spec.NodeName; node != "in-a" {
					t.Errorf("pod on %s, want in-a", node)
				}
			},
		},
		{
			name:       "the pod of a deleted node is deleted",
			objs:       []api.Object{ds, newNode("node-a", nil), daemonPod("logs-a", ds, "node-a"), daemonPod("logs-gone", ds, "node-gone")},
			want:       []string{"delete pods default/logs-gone"},
			wantEvents: []string{"Normal SuccessfulDelete Deleted pod: logs-gone"},
		},
		{
			name: "of two pods on a node the newest goes",
			objs: []api.Object{ds, newNode("node-a", nil),
				daemonPod("logs-new", ds, "node-a", age(time.Minute)), daemonPod("logs-old", ds, "node-a", age(time.Hour))},
			want: []string{"delete pods default/logs-new"},
		},
		{
			name: "a failed pod is deleted, and replaced on a later sync",
			objs: []api.Object{ds, newNode("node-a", nil), daemonPod("logs-a", ds, "node-a", failed)},
			want: []string{"delete pods default/logs-a"},
			wantEvents: []string{"Warning FailedDaemonPod Found failed daemon pod default/logs-a on node node-a, will try to kill it",
				"Normal SuccessfulDelete Deleted pod: logs-a"},
		},
		{
			name: "a pod on its way out is replaced at once",
			objs: []api.Object{ds, newNode("node-a", nil), daemonPod("logs-a", ds, "node-a", podDeleting)},
			want: []string{"create pods default/logs-00001"},
		},
		{
			name: "a matching orphan is adopted instead of creating a pod",
			objs: []api.Object{ds, newNode("node-a", nil), daemonPod("stray", ds, "node-a", orphan)},
			want: []string{"patch pods default/stray"},
			check: func(t *testing.T, f *fixture) {
				want := `{"metadata":{"ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"logs","uid":"uid-logs","controller":true,"blockOwnerDeletion":true}],"uid":"uid-stray"}}`
				if got := f.w.Actions[0].Patch; got != want {
					t.Errorf("patch\n got %s\nwant %s", got, want)
				}
			},
		},
		{
			name: "a DaemonSet being deleted is left to the garbage collector",
			objs: []api.Object{newDS(dsDeleting), newNode("node-a", nil), newNode("node-b", nil),
				daemonPod("stray", ds, "node-a", orphan)},
		},
		{
			name: "rolling update replaces one available pod at a time",
			objs: []api.Object{ds, newNode("node-a", nil), newNode("node-b", nil), newNode("node-c", nil),
				daemonPod("logs-a", ds, "node-a", oldTemplate), daemonPod("logs-b", ds, "node-b", oldTemplate),
				daemonPod("logs-c", ds, "node-c", oldTemplate)},
			want: []string{"delete pods default/logs-a"},
		},
		{
			name: "rolling update replaces maxUnavailable pods at a time, here 50% of 3",
			objs: []api.Object{newDS(maxUnavailableOf(api.FromString("50%"))),
				newNode("node-a", nil), newNode("node-b", nil), newNode("node-c", nil),
				daemonPod("logs-a", ds, "node-a", oldTemplate), daemonPod("logs-b", ds, "node-b", oldTemplate),
				daemonPod("logs-c", ds, "node-c", oldTemplate)},
			want: []string{"delete pods default/logs-a", "delete pods default/logs-b"},
		},
		{
			name: "rolling update deletes old pods that are not available anyway",
			objs: []api.Object{ds, newNode("node-a", nil), newNode("node-b", nil), newNode("node-c", nil),
				daemonPod("logs-a", ds, "node-a", oldTemplate), daemonPod("logs-b", ds, "node-b", oldTemplate, notReady),
				daemonPod("logs-c", ds, "node-c", oldTemplate)},
			want: []string{"delete pods default/logs-b", "delete pods default/logs-a"},
		},
		{
			name: "rolling update waits for the new pod to become available",
			objs: []api.Object{ds, newNode("node-a", nil), newNode("node-b", nil),
				daemonPod("logs-a2", ds, "node-a", notReady), daemonPod("logs-b", ds, "node-b", oldTemplate)},
		},
		{
			name: "OnDelete leaves old pods alone",
			objs: []api.Object{newDS(onDelete), newNode("node-a", nil), daemonPod("logs-a", ds, "node-a", oldTemplate)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.objs...)
			f.sync(t, "default/logs")
			if got := f.podWrites(); !slices.Equal(got, tt.want) {
				t.Errorf("pod writes\n got %q\nwant %q", got, tt.want)
			}
			if tt.wantEvents != nil && !slices.Equal(f.rec.Events, tt.wantEvents) {
				t.Errorf("events\n got %q\nwant %q", f.rec.Events, tt.wantEvents)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

// TestExpectations: a second sync before the pod informer has caught up
// creates nothing more.
func TestExpectations(t *testing.T) {
	f := newFixture(newDS(), newNode("node-a", nil), newNode("node-b", nil))
	f.sync(t, "default/logs")
	if got, want := f.podWrites(), []string{"create pods default/logs-00001", "create pods default/logs-00002"}; !slices.Equal(got, want) {
		t.Fatalf("first sync: %q, want %q", got, want)
	}
	created := f.created()
	f.w.Reset()
	f.sync(t, "default/logs")
	if got := f.podWrites(); len(got) != 0 {
		t.Fatalf("second sync before the informer caught up: %q, want nothing", got)
	}
	for _, p := range created {
		f.pods.Add(p)
		f.c.PodHandler().OnAdd(p)
	}
	f.sync(t, "default/logs")
	if got := f.podWrites(); len(got) != 0 {
		t.Fatalf("sync after the informer caught up: %q, want nothing", got)
	}
}

func TestSyncCreateFails(t *testing.T) {
	f := newFixture(newDS(), newNode("node-a", nil), newNode("node-b", nil))
	f.w.Fail = map[string]error{"create pods": errors.New("admission denied")}
	if err := f.c.Sync(context.Background(), "default/logs"); err == nil {
		t.Fatal("Sync succeeded; want the create error")
	}
	if got, want := f.podWrites(), []string{"create pods default/logs-00001"}; !slices.Equal(got, want) {
		t.Errorf("writes %q, want %q: the first failure stops the creates", got, want)
	}
	if want := []string{"Warning FailedCreate Error creating: admission denied"}; !slices.Equal(f.rec.Events, want) {
		t.Errorf("events %q, want %q", f.rec.Events, want)
	}
	if !f.c.expectations.Satisfied("default/logs") {
		t.Error("expectations still wait for pods that were never created")
	}
}

func TestStatus(t *testing.T) {
	ds := newDS(nodeSelector(ssd))
	minReady := newDS(nodeSelector(ssd))
	minReady.Spec.MinReadySeconds = 60
	tests := []struct {
		name string
		objs []api.Object
		want api.DaemonSetStatus
	}{
		{
			name: "nothing scheduled yet",
			objs: []api.Object{ds, newNode("node-a", ssd), newNode("node-b", ssd), newNode("node-c", hdd)},
			want: api.DaemonSetStatus{DesiredNumberScheduled: 2, NumberUnavailable: 2, ObservedGeneration: 1},
		},
		{
			name: "ready, not ready, old template and misscheduled",
			objs: []api.Object{ds, newNode("node-a", ssd), newNode("node-b", ssd), newNode("node-c", ssd), newNode("node-d", hdd),
				daemonPod("logs-a", ds, "node-a"), daemonPod("logs-b", ds, "node-b", notReady),
				daemonPod("logs-c", ds, "node-c", oldTemplate), daemonPod("logs-d", ds, "node-d")},
			want: api.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberMisscheduled: 1,
				NumberReady: 2, NumberAvailable: 2, NumberUnavailable: 1, UpdatedNumberScheduled: 2, ObservedGeneration: 1},
		},
		{
			name: "available after minReadySeconds",
			objs: []api.Object{minReady, newNode("node-a", ssd), newNode("node-b", ssd),
				daemonPod("logs-a", minReady, "node-a"), daemonPod("logs-b", minReady, "node-b", readyFor(10*time.Second))},
			want: api.DaemonSetStatus{DesiredNumberScheduled: 2, CurrentNumberScheduled: 2, NumberReady: 2,
				NumberAvailable: 1, NumberUnavailable: 1, UpdatedNumberScheduled: 2, ObservedGeneration: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.objs...)
			f.sync(t, "default/logs")
			got := f.status()
			if got == nil {
				t.Fatal("no status written")
			}
			if *got != tt.want {
				t.Errorf("status\n got %+v\nwant %+v", *got, tt.want)
			}
		})
	}

	t.Run("unchanged status is not written", func(t *testing.T) {
		settled := newDS()
		settled.Status = api.DaemonSetStatus{DesiredNumberScheduled: 1, CurrentNumberScheduled: 1, NumberReady: 1,
			NumberAvailable: 1, UpdatedNumberScheduled: 1, ObservedGeneration: 1}
		f := newFixture(settled, revisionOf(settled, 1), newNode("node-a", nil), daemonPod("logs-a", settled, "node-a"))
		f.sync(t, "default/logs")
		if got := f.w.Strings(); len(got) != 0 {
			t.Errorf("writes %q, want none", got)
		}
	})
}

func TestSyncRefusesASelectorThatMissesTheTemplate(t *testing.T) {
	ds := newDS()
	ds.Spec.Template.Labels = map[string]string{"app": "other"} // validation forbids this
	f := newFixture(ds, newNode("node-a", nil))
	if err := f.c.Sync(context.Background(), "default/logs"); err == nil {
		t.Fatal("Sync succeeded; want an error")
	}
	if got := f.w.Strings(); len(got) != 0 {
		t.Errorf("writes %q, want none: pods it would never claim", got)
	}
}

// TestRollingUpdate follows a template change across two nodes, one pod
// at a time, playing the informer between syncs.
func TestRollingUpdate(t *testing.T) {
	ds := newDS()
	f := newFixture(ds, newNode("node-a", nil), newNode("node-b", nil),
		daemonPod("logs-a", ds, "node-a", oldTemplate), daemonPod("logs-b", ds, "node-b", oldTemplate))
	h := f.c.PodHandler()
	step := func(name string, want ...string) {
		t.Helper()
		f.w.Reset()
		f.sync(t, "default/logs")
		if got := f.podWrites(); !slices.Equal(got, want) {
			t.Fatalf("%s: pod writes %q, want %q", name, got, want)
		}
	}
	gone := func(name string) {
		obj, _ := f.pods.Get("default/" + name)
		f.pods.Delete("default/" + name)
		h.OnDelete(obj)
	}
	arrive := func(p *api.Pod) {
		p.CreationTimestamp = api.NewTime(now)
		p.Status = api.PodStatus{Phase: api.PodPending}
		f.pods.Add(p)
		h.OnAdd(p)
	}
	becomeReady := func(name string) {
		obj, _ := f.pods.Get("default/" + name)
		p := api.DeepCopy(obj.(*api.Pod))
		p.Status = api.PodStatus{Phase: api.PodRunning, Conditions: []api.PodCondition{
			{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: api.NewTime(now)}}}
		f.pods.Add(p)
		h.OnUpdate(obj, p)
	}

	step("first old pod goes", "delete pods default/logs-a")
	gone("logs-a")
	step("its replacement comes", "create pods default/logs-00001")
	arrive(f.created()[0])
	step("the second waits while the new pod is not ready")
	becomeReady("logs-00001")
	step("second old pod goes", "delete pods default/logs-b")
	gone("logs-b")
	step("its replacement comes", "create pods default/logs-00002")
	if node := f.created()[0].Spec.NodeName; node != "node-b" {
		t.Errorf("replacement on %s, want node-b", node)
	}
	arrive(f.created()[0])
	becomeReady("logs-00002")
	step("done")
}
