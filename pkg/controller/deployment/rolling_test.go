package deployment

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

func intOrStr(s string) *api.IntOrString {
	if strings.HasSuffix(s, "%") {
		v := api.FromString(s)
		return &v
	}
	var n int32
	fmt.Sscan(s, &n)
	v := api.FromInt(n)
	return &v
}

// A 10-replica rollout, played step by step: the controller syncs (twice,
// the second time before the ReplicaSet controller has caught up), the
// ReplicaSet controller makes the pods follow, and `pace` new pods become
// available per round. At every point the pods asked for stay within
// replicas + maxSurge and the available ones at or above replicas −
// maxUnavailable.
func TestRollingUpdateBounds(t *testing.T) {
	tests := []struct {
		name                   string
		surge, unavailable     string // "" leaves the field unset (25%)
		wantSurge, wantUnavail int32
		pace                   int32
	}{
		{name: "defaults: 25% of 10 is surge 3, unavailable 2", wantSurge: 3, wantUnavail: 2, pace: 1},
		{name: "25% explicitly, pods ready at once", surge: "25%", unavailable: "25%", wantSurge: 3, wantUnavail: 2, pace: 100},
		{name: "surge 1, unavailable 0", surge: "1", unavailable: "0", wantSurge: 1, wantUnavail: 0, pace: 1},
		{name: "surge 0, unavailable 1", surge: "0", unavailable: "1", wantSurge: 0, wantUnavail: 1, pace: 1},
		{name: "both 0: one may be unavailable", surge: "0", unavailable: "0", wantSurge: 0, wantUnavail: 1, pace: 1},
		{name: "15% rounds surge up, unavailable down", surge: "15%", unavailable: "15%", wantSurge: 2, wantUnavail: 1, pace: 2},
		{name: "surge 100%", surge: "100%", unavailable: "0", wantSurge: 10, wantUnavail: 0, pace: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDeployment(10, "kubia:v1")
			if tt.surge != "" {
				d.Spec.Strategy.RollingUpdate = &api.RollingUpdateDeployment{MaxSurge: intOrStr(tt.surge), MaxUnavailable: intOrStr(tt.unavailable)}
			}
			if s, u, _ := bounds(d); s != tt.wantSurge || u != tt.wantUnavail {
				t.Fatalf("bounds: surge %d unavailable %d, want %d %d", s, u, tt.wantSurge, tt.wantUnavail)
			}
			f := newFixture(d)
			f.settle(t, "kubia:v1")
			first := f.rsOf(t, "kubia:v1")

			f.setImage(t, "kubia:v2")
			f.rec.Events = nil
			check := func(when string) {
				t.Helper()
				var asked, available int32
				for _, rs := range f.replicaSets() {
					asked += rsReplicas(rs)
					available += min(rs.Status.AvailableReplicas, rsReplicas(rs), rs.Status.Replicas)
				}
				if asked > 10+tt.wantSurge {
					t.Fatalf("%s: %d pods asked for, more than 10 + %d", when, asked, tt.wantSurge)
				}
				if available < 10-tt.wantUnavail {
					t.Fatalf("%s: %d pods available, fewer than 10 - %d", when, available, tt.wantUnavail)
				}
			}
			for round := 0; ; round++ {
				if round > 100 {
					t.Fatal("rollout did not finish in 100 rounds")
				}
				f.sync(t)
				f.apply(t)
				check("after a sync")
				f.sync(t) // the ReplicaSets' status is stale now
				f.apply(t)
				check("after a sync on stale status")
				f.rsController()
				check("after the ReplicaSet controller")
				f.ready("kubia:v2", tt.pace)
				if n := f.rsOf(t, "kubia:v2"); rsReplicas(n) == 10 && n.Status.AvailableReplicas == 10 && rsReplicas(f.get(t, "default/"+first.Name)) == 0 {
					break
				}
			}
			f.settle(t, "kubia:v2")

			got := f.deployment(t)
			st := got.Status
			if st.Replicas != 10 || st.UpdatedReplicas != 10 || st.AvailableReplicas != 10 || st.UnavailableReplicas != 0 || st.ObservedGeneration != 2 {
				t.Errorf("status %+v", st)
			}
			if c := condition(got, api.DeploymentProgressing); c != "True NewReplicaSetAvailable" {
				t.Errorf("Progressing %q", c)
			}
			if c := condition(got, api.DeploymentAvailable); c != "True MinimumReplicasAvailable" {
				t.Errorf("Available %q", c)
			}
			newRS := f.rsOf(t, "kubia:v2")
			if got.Annotations[api.RevisionAnnotation] != "2" || newRS.Annotations[api.RevisionAnnotation] != "2" {
				t.Errorf("revisions: deployment %q, new replicaset %q, want 2", got.Annotations[api.RevisionAnnotation], newRS.Annotations[api.RevisionAnnotation])
			}
			if !slices.ContainsFunc(f.rec.Events, func(e string) bool {
				return strings.HasPrefix(e, "Normal ScalingReplicaSet Scaled down replica set "+first.Name) && strings.HasSuffix(e, " to 0")
			}) {
				t.Errorf("no event of the old replica set scaled to 0: %q", f.rec.Events)
			}
		})
	}
}

// The first step of the default rollout: the new ReplicaSet is created
// at the surge (3) and the old one scaled down by what may be
// unavailable (2), each with its event.
func TestRollingUpdateFirstStep(t *testing.T) {
	f := newFixture(newDeployment(10, "kubia:v1"))
	f.settle(t, "kubia:v1")
	old := f.rsOf(t, "kubia:v1")
	f.setImage(t, "kubia:v2")
	f.rec.Events, f.applied = nil, len(f.w.Actions)
	f.w.Reset()
	f.applied = 0
	f.sync(t)
	newName := "web-" + templateHash(&f.deployment(t).Spec.Template, nil)
	want := []string{"create replicasets default/" + newName, "patch deployments default/web",
		"update replicasets default/" + old.Name, "updateStatus deployments default/web"}
	if got := f.w.Strings(); !slices.Equal(got, want) {
		t.Errorf("writes\n got %q\nwant %q", got, want)
	}
	wantEvents := []string{"Normal ScalingReplicaSet Scaled up replica set " + newName + " from 0 to 3",
		"Normal ScalingReplicaSet Scaled down replica set " + old.Name + " from 10 to 8"}
	if !slices.Equal(f.rec.Events, wantEvents) {
		t.Errorf("events\n got %q\nwant %q", f.rec.Events, wantEvents)
	}
	created := f.w.Actions[0].Object.(*api.ReplicaSet)
	hash := strings.TrimPrefix(newName, "web-")
	if created.Labels[api.PodTemplateHashLabel] != hash || created.Spec.Template.Labels[api.PodTemplateHashLabel] != hash ||
		created.Spec.Selector.MatchLabels[api.PodTemplateHashLabel] != hash || created.Spec.Selector.MatchLabels["app"] != "web" {
		t.Errorf("hash label missing: labels %v, template %v, selector %v", created.Labels, created.Spec.Template.Labels, created.Spec.Selector)
	}
	ref := api.ControllerRef(&created.ObjectMeta)
	if ref == nil || ref.UID != "uid-web" || ref.Kind != "Deployment" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
		t.Errorf("owner references %+v", created.OwnerReferences)
	}
}

// New pods that never become ready stop the rollout at the bound: the
// old pods stay, and at the progress deadline Progressing goes False.
func TestRolloutStuckUntilDeadline(t *testing.T) {
	f := newFixture(newDeployment(10, "kubia:v1"))
	f.settle(t, "kubia:v1")
	f.setImage(t, "kubia:broken")
	for range 10 {
		f.sync(t)
		f.apply(t)
		f.rsController() // never ready
	}
	old, bad := f.rsOf(t, "kubia:v1"), f.rsOf(t, "kubia:broken")
	if rsReplicas(old) != 8 || old.Status.AvailableReplicas != 8 || rsReplicas(bad) != 5 {
		t.Errorf("old %d (%d available), new %d: want 8 (8), 5", rsReplicas(old), old.Status.AvailableReplicas, rsReplicas(bad))
	}
	if c := condition(f.deployment(t), api.DeploymentProgressing); c != "True ReplicaSetUpdated" {
		t.Errorf("Progressing before the deadline %q", c)
	}
	if c := condition(f.deployment(t), api.DeploymentAvailable); c != "True MinimumReplicasAvailable" {
		t.Errorf("Available %q: 8 of 10 are", c)
	}

	f.clock = f.clock.Add(599 * time.Second)
	f.sync(t)
	f.apply(t)
	if c := condition(f.deployment(t), api.DeploymentProgressing); c != "True ReplicaSetUpdated" {
		t.Errorf("Progressing a second before the deadline %q", c)
	}
	f.clock = f.clock.Add(time.Second)
	f.sync(t)
	f.apply(t)
	d := f.deployment(t)
	if c := condition(d, api.DeploymentProgressing); c != "False ProgressDeadlineExceeded" {
		t.Errorf("Progressing at the deadline %q", c)
	}
	if rsReplicas(f.rsOf(t, "kubia:v1")) != 8 {
		t.Error("old pods scaled down past the bound")
	}
	if wait, ok := untilDeadline(d, &d.Status, f.clock); ok {
		t.Errorf("timed out, yet a requeue in %v", wait)
	}
}
