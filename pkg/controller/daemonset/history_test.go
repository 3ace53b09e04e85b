package daemonset

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// image returns a dsOpt that sets the template's image.
func image(name string) dsOpt {
	return func(ds *api.DaemonSet) { ds.Spec.Template.Spec.Containers[0].Image = name }
}

// revisionWrites returns the recorded writes to ControllerRevisions, with
// the revision number sent for creates and updates.
func (f *fixture) revisionWrites() []string {
	var out []string
	for _, a := range f.w.Actions {
		if a.Resource != "controllerrevisions" {
			continue
		}
		s := a.String()
		if cr, ok := a.Object.(*api.ControllerRevision); ok {
			s += fmt.Sprintf(" #%d", cr.Revision)
		}
		out = append(out, s)
	}
	return out
}

func TestRevisions(t *testing.T) {
	v1, v2 := newDS(), newDS(image("fluentbit:2"))
	h1, h2 := templateHash(&v1.Spec.Template), templateHash(&v2.Spec.Template)
	node := newNode("node-a", nil)
	// old returns n unused revisions of other templates, numbered from 1.
	old := func(n int) []api.Object {
		var out []api.Object
		for i := range n {
			out = append(out, revisionOf(newDS(image(fmt.Sprintf("old:%d", i))), int64(i+1)))
		}
		return out
	}
	tests := []struct {
		name string
		objs []api.Object
		want []string
	}{
		{
			name: "a new DaemonSet gets revision 1",
			objs: []api.Object{v1, node},
			want: []string{"create controllerrevisions default/logs-" + h1 + " #1"},
		},
		{
			name: "the current template has the newest revision: nothing to do",
			objs: []api.Object{v2, node, revisionOf(v1, 1), revisionOf(v2, 2)},
		},
		{
			name: "a changed template gets the next number",
			objs: []api.Object{v2, node, revisionOf(v1, 1)},
			want: []string{"create controllerrevisions default/logs-" + h2 + " #2"},
		},
		{
			name: "a rollback renumbers the old revision as the newest",
			objs: []api.Object{v1, node, revisionOf(v1, 1), revisionOf(v2, 2)},
			want: []string{"update controllerrevisions default/logs-" + h1 + " #3"},
		},
		{
			name: "another owner's revisions do not count",
			objs: []api.Object{v2, node, func() api.Object {
				cr := revisionOf(v1, 7)
				cr.OwnerReferences[0].UID = "uid-someone-else"
				return cr
			}()},
			want: []string{"create controllerrevisions default/logs-" + h2 + " #1"},
		},
		{
			name: "history within the limit is kept",
			objs: append(old(api.DefaultRevisionHistoryLimit), v2, node, revisionOf(v2, 11)),
		},
		{
			name: "the oldest unused revisions beyond the limit go",
			objs: append(old(api.DefaultRevisionHistoryLimit+2), v2, node, revisionOf(v2, 13)),
			want: []string{"delete controllerrevisions default/logs-" + templateHash(&newDS(image("old:0")).Spec.Template),
				"delete controllerrevisions default/logs-" + templateHash(&newDS(image("old:1")).Spec.Template)},
		},
		{
			name: "the DaemonSet's own limit",
			objs: append(old(2), func() api.Object {
				ds := newDS(image("fluentbit:2"))
				ds.Spec.RevisionHistoryLimit = api.Int32(1)
				return ds
			}(), node, revisionOf(v2, 3)),
			want: []string{"delete controllerrevisions default/logs-" + templateHash(&newDS(image("old:0")).Spec.Template)},
		},
		{
			name: "a revision a pod still runs is kept",
			objs: append(old(api.DefaultRevisionHistoryLimit+2), v2, node, revisionOf(v2, 13),
				daemonPod("logs-a", newDS(image("old:0")), "node-a")),
			want: []string{"delete controllerrevisions default/logs-" + templateHash(&newDS(image("old:1")).Spec.Template)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.objs...)
			f.sync(t, "default/logs")
			if got := f.revisionWrites(); !slices.Equal(got, tt.want) {
				t.Errorf("revision writes\n got %q\nwant %q", got, tt.want)
			}
		})
	}

	t.Run("the revision holds the template, labelled and owned like the pods", func(t *testing.T) {
		f := newFixture(v1, node)
		f.sync(t, "default/logs")
		cr := f.w.Actions[0].Object.(*api.ControllerRevision)
		if want := `{"spec":{"template":` + mustJSON(v1.Spec.Template) + `}}`; string(cr.Data) != want {
			t.Errorf("data\n got %s\nwant %s", cr.Data, want)
		}
		if cr.Labels["app"] != "logs" || cr.Labels[HashLabel] != h1 {
			t.Errorf("labels %v", cr.Labels)
		}
		if ref := api.ControllerRef(&cr.ObjectMeta); ref == nil || ref.UID != "uid-logs" || ref.Kind != "DaemonSet" {
			t.Errorf("controller ref %+v", ref)
		}
	})
}

// cluster plays the API server, the informers and the kubelet around a
// fixture: it applies the recorded writes to the caches (telling the
// handlers), and makes pending pods ready.
type cluster struct {
	f *fixture
	h client.Handler
}

func (c *cluster) applyWrites() {
	for _, a := range c.f.w.Actions {
		key := a.Namespace + "/" + a.Name
		switch {
		case a.Resource == "pods" && a.Verb == "create":
			p := api.DeepCopy(a.Object.(*api.Pod))
			p.CreationTimestamp = api.NewTime(now)
			p.Status = api.PodStatus{Phase: api.PodPending}
			c.f.pods.Add(p)
			c.h.OnAdd(p)
		case a.Resource == "pods" && a.Verb == "delete":
			obj, _ := c.f.pods.Get(key)
			c.f.pods.Delete(key)
			c.h.OnDelete(obj)
		case a.Resource == "controllerrevisions" && (a.Verb == "create" || a.Verb == "update"):
			c.f.revs.Add(a.Object)
		case a.Resource == "controllerrevisions" && a.Verb == "delete":
			c.f.revs.Delete(key)
		case a.Verb == "updateStatus":
			c.f.ds.Add(a.Object)
		}
	}
	c.f.w.Reset()
}

// kubelet makes every pending pod ready, as of an hour ago.
func (c *cluster) kubelet() {
	for _, obj := range c.f.pods.List() {
		p := obj.(*api.Pod)
		if p.Status.Phase == api.PodPending {
			cp := api.DeepCopy(p)
			cp.Status = api.PodStatus{Phase: api.PodRunning, Conditions: []api.PodCondition{
				{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: api.NewTime(now)}}}
			c.f.pods.Add(cp)
			c.h.OnUpdate(p, cp)
		}
	}
}

// unavailableNodes counts the nodes without an available daemon pod.
func (c *cluster) unavailableNodes(nodes []string) int {
	n := 0
	for _, node := range nodes {
		ok := false
		for _, obj := range c.f.pods.List() {
			p := obj.(*api.Pod)
			if a, _ := controller.IsPodAvailable(p, 0, now); a && p.Spec.NodeName == node {
				ok = true
			}
		}
		if !ok {
			n++
		}
	}
	return n
}

// setTemplate writes a new template, as kctl set image or undo would.
func (c *cluster) setTemplate(ds *api.DaemonSet) {
	cp := api.DeepCopy(ds)
	cp.Generation++
	c.f.ds.Add(cp)
}

func (c *cluster) current() *api.DaemonSet {
	obj, _ := c.f.ds.Get("default/logs")
	return obj.(*api.DaemonSet)
}

// TestRollingUpdateAcrossNodes changes the template of a DaemonSet on four
// nodes and syncs until nothing changes, the kubelet readying pods between
// syncs: a new revision, every pod replaced, never more than
// maxUnavailable nodes without an available pod; then a rollback by
// writing the old template back, which reuses revision 1 as revision 3.
func TestRollingUpdateAcrossNodes(t *testing.T) {
	nodes := []string{"node-a", "node-b", "node-c", "node-d"}
	for _, tt := range []struct {
		name      string
		max       api.IntOrString
		allowed   int // nodes without an available pod at once
		minRounds int
	}{
		{"maxUnavailable 1", api.FromInt(1), 1, 4},
		{"maxUnavailable 2", api.FromInt(2), 2, 2},
		{"maxUnavailable 30% of 4 rounds up to 2", api.FromString("30%"), 2, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v1 := newDS(maxUnavailableOf(tt.max))
			objs := []api.Object{v1, revisionOf(v1, 1)}
			for _, n := range nodes {
				objs = append(objs, newNode(n, nil), daemonPod("logs-"+n, v1, n))
			}
			c := &cluster{f: newFixture(objs...)}
			c.h = c.f.c.PodHandler()

			// rollout syncs until the pods all run image, and returns the rounds.
			rollout := func(image string) int {
				t.Helper()
				for round := 1; round < 20; round++ {
					c.f.sync(t, "default/logs")
					c.applyWrites()
					if n := c.unavailableNodes(nodes); n > tt.allowed {
						t.Fatalf("round %d: %d nodes without an available pod, want at most %d", round, n, tt.allowed)
					}
					c.kubelet()
					done := len(c.f.pods.List()) == len(nodes)
					for _, obj := range c.f.pods.List() {
						done = done && obj.(*api.Pod).Spec.Containers[0].Image == image
					}
					if st := c.current().Status; done && st.UpdatedNumberScheduled == int32(len(nodes)) && st.NumberAvailable == int32(len(nodes)) {
						return round
					}
				}
				t.Fatalf("pods not all on %s after 20 rounds", image)
				return 0
			}
			revisions := func() map[string]int64 {
				out := map[string]int64{}
				for _, obj := range c.f.revs.List() {
					cr := obj.(*api.ControllerRevision)
					out[cr.Name] = cr.Revision
				}
				return out
			}

			v2 := api.DeepCopy(c.current())
			v2.Spec.Template.Spec.Containers[0].Image = "fluentbit:2"
			c.setTemplate(v2)
			if rounds := rollout("fluentbit:2"); rounds < tt.minRounds {
				t.Errorf("rolled out in %d rounds, want at least %d", rounds, tt.minRounds)
			}
			h1, h2 := templateHash(&v1.Spec.Template), templateHash(&v2.Spec.Template)
			if got := revisions(); got["logs-"+h1] != 1 || got["logs-"+h2] != 2 || len(got) != 2 {
				t.Errorf("revisions after the update %v, want %s at 1 and %s at 2", got, h1, h2)
			}

			back := api.DeepCopy(c.current())
			back.Spec.Template = v1.Spec.Template
			c.setTemplate(back)
			rollout("fluentbit")
			if got := revisions(); got["logs-"+h1] != 3 || got["logs-"+h2] != 2 || len(got) != 2 {
				t.Errorf("revisions after the rollback %v, want %s at 3 and %s at 2", got, h1, h2)
			}
		})
	}
}

// TestOnDeleteUpdate: a changed template replaces no pod until someone
// deletes one; its replacement runs the new template.
func TestOnDeleteUpdate(t *testing.T) {
	v1 := newDS(onDelete)
	c := &cluster{f: newFixture(v1, revisionOf(v1, 1), newNode("node-a", nil), newNode("node-b", nil),
		daemonPod("logs-a", v1, "node-a"), daemonPod("logs-b", v1, "node-b"))}
	c.h = c.f.c.PodHandler()
	v2 := newDS(onDelete, image("fluentbit:2"))
	c.setTemplate(v2)
	for range 3 {
		c.f.sync(t, "default/logs")
		if got := c.f.podWrites(); len(got) != 0 {
			t.Fatalf("pod writes %q before any delete, want none", got)
		}
		c.applyWrites()
	}
	obj, _ := c.f.pods.Get("default/logs-a")
	c.f.pods.Delete("default/logs-a")
	c.h.OnDelete(obj)
	c.f.sync(t, "default/logs")
	created := c.f.created()
	if len(created) != 1 || created[0].Spec.NodeName != "node-a" || created[0].Spec.Containers[0].Image != "fluentbit:2" ||
		created[0].Labels[HashLabel] != templateHash(&v2.Spec.Template) {
		t.Fatalf("created %v, want one fluentbit:2 pod on node-a", created)
	}
	if got := c.f.podWrites(); len(got) != 1 {
		t.Errorf("pod writes %q, want the create only: logs-b stays", got)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
