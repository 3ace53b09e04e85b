package deployment

import (
	"slices"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// Recreate: the old ReplicaSet goes to 0 first; the new one is created
// only once the old pods are gone, and then at full size.
func TestRecreate(t *testing.T) {
	d := newDeployment(3, "kubia:v1")
	d.Spec.Strategy.Type = api.RecreateDeploymentStrategyType
	f := newFixture(d)
	f.settle(t, "kubia:v1")
	old := f.rsOf(t, "kubia:v1")
	f.setImage(t, "kubia:v2")
	f.w.Reset()
	f.applied = 0
	f.rec.Events = nil

	f.sync(t)
	f.apply(t)
	if got, want := f.w.Strings(), []string{"update replicasets default/" + old.Name, "updateStatus deployments default/web"}; !slices.Equal(got, want) {
		t.Fatalf("first sync: %q, want %q", got, want)
	}
	f.sync(t) // the old pods still run: nothing to do
	f.apply(t)
	if n := len(f.w.Actions); n != 2 {
		t.Fatalf("synced while the old pods run: %q", f.w.Strings()[2:])
	}
	f.rsController() // the old pods are gone
	f.sync(t)
	f.apply(t)
	newName := f.rsOf(t, "kubia:v2").Name
	if got := f.w.Strings()[2]; got != "create replicasets default/"+newName {
		t.Fatalf("after the old pods went: %q", f.w.Strings()[2:])
	}
	wantEvents := []string{"Normal ScalingReplicaSet Scaled down replica set " + old.Name + " from 3 to 0",
		"Normal ScalingReplicaSet Scaled up replica set " + newName + " from 0 to 3"}
	if !slices.Equal(f.rec.Events, wantEvents) {
		t.Errorf("events %q, want %q", f.rec.Events, wantEvents)
	}
	if n := rsReplicas(f.rsOf(t, "kubia:v2")); n != 3 {
		t.Errorf("new replicaset at %d, want 3", n)
	}
}

// Paused: a new template starts no rollout, and Progressing says why;
// a change of replicas still scales. Resumed, the rollout begins.
func TestPaused(t *testing.T) {
	f := newFixture(newDeployment(4, "kubia:v1"))
	f.settle(t, "kubia:v1")
	old := f.rsOf(t, "kubia:v1")
	f.update(t, func(d *api.Deployment) {
		d.Spec.Paused = true
		d.Spec.Template = podTemplate("kubia:v2")
		d.Spec.Replicas = api.Int32(6)
	})
	f.w.Reset()
	f.applied = 0
	f.sync(t)
	f.apply(t)
	if got, want := f.w.Strings(), []string{"update replicasets default/" + old.Name, "updateStatus deployments default/web"}; !slices.Equal(got, want) {
		t.Fatalf("paused: %q, want %q", got, want)
	}
	if n := rsReplicas(f.get(t, "default/"+old.Name)); n != 6 {
		t.Errorf("paused scaling: %d, want 6", n)
	}
	if c := condition(f.deployment(t), api.DeploymentProgressing); c != "Unknown DeploymentPaused" {
		t.Errorf("Progressing %q", c)
	}

	f.rsController()
	f.ready("kubia:v1", 100)
	f.sync(t) // the status catches up with the 6 pods
	f.apply(t)

	f.update(t, func(d *api.Deployment) { d.Spec.Paused = false })
	f.sync(t)
	f.apply(t)
	if len(f.replicaSets()) != 2 {
		t.Fatalf("resumed: no new replicaset: %q", f.w.Strings())
	}
	if c := condition(f.deployment(t), api.DeploymentProgressing); c != "True NewReplicaSetCreated" {
		t.Errorf("Progressing after resume %q", c)
	}
}

// Once a rollout is complete, old revisions beyond revisionHistoryLimit
// go, the oldest first; one still holding pods stays.
func TestHistoryLimit(t *testing.T) {
	d := newDeployment(2, "kubia:v1")
	d.Spec.RevisionHistoryLimit = api.Int32(2)
	f := newFixture(d)
	f.settle(t, "kubia:v1")
	for _, image := range []string{"kubia:v2", "kubia:v3", "kubia:v4", "kubia:v5"} {
		f.setImage(t, image)
		f.settle(t, image)
	}
	var revs []string
	for _, rs := range f.replicaSets() {
		revs = append(revs, rs.Spec.Template.Spec.Containers[0].Image+"@"+rs.Annotations[api.RevisionAnnotation])
	}
	slices.Sort(revs)
	if want := []string{"kubia:v3@3", "kubia:v4@4", "kubia:v5@5"}; !slices.Equal(revs, want) {
		t.Errorf("replicasets left %q, want %q", revs, want)
	}
}

// Rollback: the template of an old ReplicaSet copied back makes that
// ReplicaSet the new one, with the next revision; nothing is created.
func TestRollbackByTemplate(t *testing.T) {
	f := newFixture(newDeployment(3, "kubia:v1"))
	f.settle(t, "kubia:v1")
	v1 := f.rsOf(t, "kubia:v1")
	f.setImage(t, "kubia:v2")
	f.settle(t, "kubia:v2")
	if rev := f.deployment(t).Annotations[api.RevisionAnnotation]; rev != "2" {
		t.Fatalf("revision %q before the rollback, want 2", rev)
	}

	f.setImage(t, "kubia:v1") // kctl rollout undo
	f.settle(t, "kubia:v1")
	for _, s := range f.w.Strings() {
		if strings.HasPrefix(s, "create replicasets") && strings.HasSuffix(s, v1.Name) && s != f.w.Strings()[0] {
			t.Errorf("created again: %s", s)
		}
	}
	if n := len(f.replicaSets()); n != 2 {
		t.Errorf("%d replicasets, want 2", n)
	}
	got := f.get(t, "default/"+v1.Name)
	if got.Annotations[api.RevisionAnnotation] != "3" || rsReplicas(got) != 3 {
		t.Errorf("rolled back to %s: revision %q, replicas %d; want 3, 3", v1.Name, got.Annotations[api.RevisionAnnotation], rsReplicas(got))
	}
	if rev := f.deployment(t).Annotations[api.RevisionAnnotation]; rev != "3" {
		t.Errorf("deployment revision %q, want 3", rev)
	}
	if rsReplicas(f.rsOf(t, "kubia:v2")) != 0 {
		t.Error("v2 not scaled down")
	}
}

// An orphan the selector matches is adopted; an owned ReplicaSet it no
// longer matches is released; another controller's is left alone.
func TestAdoptAndRelease(t *testing.T) {
	d := newDeployment(2, "kubia:v1")
	orphan := &api.ReplicaSet{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
		ObjectMeta: api.ObjectMeta{Name: "orphan", Namespace: "default", UID: "uid-orphan", Labels: web, Generation: 1},
		Spec:       api.ReplicaSetSpec{Replicas: api.Int32(0), Selector: &api.LabelSelector{MatchLabels: web}, Template: podTemplate("kubia:v0")},
	}
	strayed := api.DeepCopy(orphan)
	strayed.Name, strayed.UID, strayed.Labels = "strayed", "uid-strayed", map[string]string{"app": "other"}
	strayed.OwnerReferences = []api.OwnerReference{controllerRef(d)}
	foreign := api.DeepCopy(orphan)
	foreign.Name, foreign.UID = "foreign", "uid-foreign"
	foreign.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "api", UID: "uid-api", Controller: api.Bool(true)}}

	f := newFixture(d, orphan, strayed, foreign)
	f.sync(t)
	var patches []string
	for _, a := range f.w.Actions {
		if a.Verb == "patch" && a.Resource == "replicasets" {
			patches = append(patches, a.Name+" "+a.Patch)
		}
	}
	want := []string{
		`orphan {"metadata":{"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"uid-web","controller":true,"blockOwnerDeletion":true}],"uid":"uid-orphan"}}`,
		`strayed {"metadata":{"ownerReferences":[{"$patch":"delete","uid":"uid-web"}],"uid":"uid-strayed"}}`,
	}
	slices.Sort(patches)
	if !slices.Equal(patches, want) {
		t.Errorf("patches\n got %q\nwant %q", patches, want)
	}
	// The adopted one is old (another template), and counts in the revisions.
	for _, a := range f.w.Actions {
		if a.Verb == "create" && a.Object.(*api.ReplicaSet).Annotations[api.RevisionAnnotation] != "1" {
			t.Errorf("new replicaset revision %q", a.Object.(*api.ReplicaSet).Annotations[api.RevisionAnnotation])
		}
	}

	// The handlers queue the Deployment for an orphan it selects, and for
	// its own ReplicaSets; not for another controller's.
	h := f.c.ReplicaSetHandler()
	h.OnAdd(orphan)
	h.OnAdd(foreign)
	if got := drain(f); !slices.Equal(got, []string{"default/web"}) {
		t.Errorf("queued %q", got)
	}
}

func drain(f *fixture) []string {
	var keys []string
	for f.c.queue.Len() > 0 {
		k, _ := f.c.queue.Get()
		f.c.queue.Done(k)
		keys = append(keys, k)
	}
	return keys
}

// Equal templates hash alike, whatever maps hold them; any change, or a
// collision count, gives another name, spelled with safe characters.
func TestTemplateHash(t *testing.T) {
	a, b := podTemplate("kubia:v1"), podTemplate("kubia:v1")
	b.Labels = map[string]string{"app": "web"}
	if templateHash(&a, nil) != templateHash(&b, nil) {
		t.Error("equal templates hash differently")
	}
	c := podTemplate("kubia:v2")
	one := int32(1)
	h := templateHash(&a, nil)
	if h == templateHash(&c, nil) || h == templateHash(&a, &one) {
		t.Error("different templates or collision counts hash alike")
	}
	if strings.Trim(h, safeChars) != "" || len(h) < 6 {
		t.Errorf("hash %q", h)
	}
	withHash := podTemplate("kubia:v1")
	withHash.Labels[api.PodTemplateHashLabel] = h
	if !equalIgnoringHash(&a, &withHash) || equalIgnoringHash(&a, &c) {
		t.Error("equalIgnoringHash")
	}
	// The same Deployment, twice, makes the same ReplicaSet name.
	f1, f2 := newFixture(newDeployment(1, "kubia:v1")), newFixture(newDeployment(1, "kubia:v1"))
	f1.sync(t)
	f2.sync(t)
	if n1, n2 := f1.w.Actions[0].Name, f2.w.Actions[0].Name; n1 != n2 || n1 != "web-"+h {
		t.Errorf("names %q and %q, want web-%s", n1, n2, h)
	}
}

// A name already taken by another ReplicaSet bumps the collision count,
// and the next sync creates the ReplicaSet under another name.
func TestHashCollision(t *testing.T) {
	d := newDeployment(1, "kubia:v1")
	h := templateHash(&d.Spec.Template, nil)
	squatter := &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: "web-" + h, Namespace: "default", UID: "uid-sq",
		Labels: map[string]string{"app": "other"}}, Spec: api.ReplicaSetSpec{Template: podTemplate("other")}}
	f := newFixture(d, squatter)
	if err := f.c.Sync(t.Context(), "default/web"); err == nil {
		t.Fatal("no error on a collision")
	}
	f.apply(t)
	if cc := f.deployment(t).Status.CollisionCount; cc == nil || *cc != 1 {
		t.Fatalf("collisionCount %v", cc)
	}
	f.sync(t)
	one := int32(1)
	if got, want := f.w.Actions[1].Name, "web-"+templateHash(&d.Spec.Template, &one); got != want {
		t.Errorf("created %q, want %q", got, want)
	}
}

// Scaling up mid-rollout spreads the new pods over the ReplicaSets in
// proportion, within the new surge bound, and the rollout then finishes.
func TestScaleMidRollout(t *testing.T) {
	f := newFixture(newDeployment(10, "kubia:v1"))
	f.settle(t, "kubia:v1")
	f.setImage(t, "kubia:v2")
	f.sync(t)
	f.apply(t)
	f.rsController() // old 8, new 3: 11 of 13
	f.update(t, func(d *api.Deployment) { d.Spec.Replicas = api.Int32(20) })
	f.sync(t)
	f.apply(t)
	old, cur := rsReplicas(f.rsOf(t, "kubia:v1")), rsReplicas(f.rsOf(t, "kubia:v2"))
	if old+cur != 25 || old <= 8 || cur <= 3 {
		t.Errorf("after scaling to 20: old %d, new %d; want 25 in all, both grown", old, cur)
	}
	f.update(t, func(d *api.Deployment) { d.Spec.Replicas = api.Int32(4) })
	f.sync(t)
	f.apply(t)
	old, cur = rsReplicas(f.rsOf(t, "kubia:v1")), rsReplicas(f.rsOf(t, "kubia:v2"))
	if old+cur != 5 {
		t.Errorf("after scaling to 4: old %d, new %d; want 4 + 1 surge in all", old, cur)
	}
	f.rsController()
	f.settle(t, "kubia:v2")
	if old, cur := rsReplicas(f.rsOf(t, "kubia:v1")), rsReplicas(f.rsOf(t, "kubia:v2")); old != 0 || cur != 4 {
		t.Errorf("settled at old %d, new %d", old, cur)
	}
}

// Without progress, the key comes back at the deadline.
func TestRequeueAtDeadline(t *testing.T) {
	d := newDeployment(1, "kubia:v1")
	d.Spec.ProgressDeadlineSeconds = api.Int32(30)
	st := api.DeploymentStatus{Conditions: []api.DeploymentCondition{{Type: api.DeploymentProgressing, Status: api.ConditionTrue,
		Reason: api.ReasonReplicaSetUpdated, LastUpdateTime: api.NewTime(start)}}}
	if wait, ok := untilDeadline(d, &st, start.Add(10*time.Second)); !ok || wait != 20*time.Second {
		t.Errorf("requeue in %v (%v), want 20s", wait, ok)
	}
}
