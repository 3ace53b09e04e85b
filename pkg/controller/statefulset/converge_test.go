package statefulset

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// A simulated cluster: after each sync, the recorded writes are applied
// to the caches, as the apiserver and the informers would; a created pod
// runs and is ready at once. Tests step it and look at the order of the
// writes, and restart the controller in the middle.

// apply applies the recorded writes to the caches and forgets them; it
// returns them as strings.
func (f *fixture) apply(t *testing.T) []string {
	t.Helper()
	var done []string
	for _, a := range f.w.Actions {
		key := a.Namespace + "/" + a.Name
		switch a.Verb + " " + a.Resource {
		case "create pods":
			p := api.DeepCopy(a.Object.(*api.Pod))
			p.Status = api.PodStatus{Phase: api.PodRunning, Conditions: []api.PodCondition{
				{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: api.NewTime(now.Add(-time.Hour))}}}
			f.pods.Add(p)
		case "delete pods":
			f.pods.Delete(key)
		case "create controllerrevisions", "update controllerrevisions":
			f.revs.Add(a.Object)
		case "delete controllerrevisions":
			f.revs.Delete(key)
		case "create persistentvolumeclaims", "update persistentvolumeclaims":
			f.claims.Add(a.Object)
		case "updateStatus statefulsets", "update statefulsets":
			f.sets.Add(a.Object)
		default:
			t.Fatalf("unexpected write %s", a)
		}
		if a.Verb != "updateStatus" && a.Resource != "controllerrevisions" {
			done = append(done, a.String())
		}
	}
	f.w.Reset()
	return done
}

// converge syncs and applies until a sync writes nothing, at most n
// times; it returns the writes to pods and claims.
func (f *fixture) converge(t *testing.T, n int) []string {
	t.Helper()
	var all []string
	for range n {
		f.sync(t)
		if len(f.w.Actions) == 0 {
			return all
		}
		all = append(all, f.apply(t)...)
	}
	t.Fatalf("no convergence after %d syncs; last writes %v", n, all)
	return nil
}

// setTemplate changes the set in the cache as `kctl set image` would.
func (f *fixture) setImage(image string) {
	obj, _ := f.sets.Get("default/web")
	set := api.DeepCopy(obj.(*api.StatefulSet))
	set.Spec.Template.Spec.Containers[0].Image = image
	set.Generation++
	f.sets.Add(set)
}

func (f *fixture) images() string {
	var out []string
	for _, obj := range f.pods.List() {
		p := obj.(*api.Pod)
		out = append(out, fmt.Sprintf("%s=%s", p.Name, p.Spec.Containers[0].Image))
	}
	return strings.Join(out, " ")
}

func TestConverge(t *testing.T) {
	t.Run("three pods in order, then a rolling update from the top", func(t *testing.T) {
		f := newFixture(newSet(3, withClaims))
		want := []string{
			"create persistentvolumeclaims default/data-web-0", "create pods default/web-0",
			"create persistentvolumeclaims default/data-web-1", "create pods default/web-1",
			"create persistentvolumeclaims default/data-web-2", "create pods default/web-2",
		}
		if got := f.converge(t, 10); !slices.Equal(got, want) {
			t.Fatalf("writes %v, want %v", got, want)
		}
		f.setImage("kubia:v2")
		want = []string{
			"delete pods default/web-2", "create pods default/web-2",
			"delete pods default/web-1", "create pods default/web-1",
			"delete pods default/web-0", "create pods default/web-0",
		}
		if got := f.converge(t, 20); !slices.Equal(got, want) {
			t.Fatalf("writes %v, want %v", got, want)
		}
		checkDone(t, f, "web-0=kubia:v2 web-1=kubia:v2 web-2=kubia:v2")
	})
	t.Run("a controller restarted in the middle of an update goes on", func(t *testing.T) {
		f := newFixture(newSet(3))
		f.converge(t, 10)
		f.setImage("kubia:v2")
		for range 3 { // web-2 deleted, made again; web-1 deleted
			f.sync(t)
			f.apply(t)
		}
		if got := f.images(); got != "web-0=kubia:v1 web-2=kubia:v2" {
			t.Fatalf("mid-update pods %s", got)
		}
		// A new controller over the same caches: nothing in memory.
		f.c = New(f.sets, f.revs, f.pods, f.claims, f.w, f.rec, nil)
		f.c.now = func() time.Time { return now }
		want := []string{"create pods default/web-1", "delete pods default/web-0", "create pods default/web-0"}
		if got := f.converge(t, 20); !slices.Equal(got, want) {
			t.Fatalf("writes after restart %v, want %v", got, want)
		}
		checkDone(t, f, "web-0=kubia:v2 web-1=kubia:v2 web-2=kubia:v2")
	})
	t.Run("a rollback reuses the old revision", func(t *testing.T) {
		f := newFixture(newSet(2))
		f.converge(t, 10)
		f.setImage("kubia:v2")
		f.converge(t, 20)
		f.setImage("kubia:v1")
		f.converge(t, 20)
		checkDone(t, f, "web-0=kubia:v1 web-1=kubia:v1")
		var revs []string
		for _, obj := range f.revs.List() {
			cr := obj.(*api.ControllerRevision)
			revs = append(revs, fmt.Sprintf("%s#%d", cr.Name, cr.Revision))
		}
		want := []string{revName(newSet(2)) + "#3", revName(newSet(2, image("kubia:v2"))) + "#2"}
		slices.Sort(want)
		if !slices.Equal(revs, want) {
			t.Errorf("revisions %v, want %v", revs, want)
		}
	})
}

// checkDone checks the pods' images and that status says the update is
// complete.
func checkDone(t *testing.T, f *fixture, images string) {
	t.Helper()
	if got := f.images(); got != images {
		t.Errorf("pods %s, want %s", got, images)
	}
	obj, _ := f.sets.Get("default/web")
	set := obj.(*api.StatefulSet)
	st := set.Status
	n := *set.Spec.Replicas
	if st.CurrentRevision != st.UpdateRevision || st.UpdateRevision != revName(set) ||
		st.Replicas != n || st.ReadyReplicas != n || st.UpdatedReplicas != n || st.CurrentReplicas != n ||
		st.AvailableReplicas != n || st.ObservedGeneration != set.Generation {
		t.Errorf("status %+v of %s, want a complete update to %s", st, client.KeyOf(set), revName(set))
	}
}
