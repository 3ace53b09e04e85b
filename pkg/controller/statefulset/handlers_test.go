package statefulset

import (
	"slices"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/controller/controllertest"
)

func TestHandlers(t *testing.T) {
	set := newSet(3)
	other := func(p *api.Pod) { p.OwnerReferences[0].UID = "uid-gone" }
	orphan := func(p *api.Pod) { p.OwnerReferences = nil }
	relabelled := func(p *api.Pod) { p.Labels = map[string]string{"app": "else"} }
	tests := []struct {
		name string
		fire func(f *fixture)
		want []string
	}{
		{"a pod of the set", func(f *fixture) { f.c.PodHandler().OnAdd(pod(set, 0)) }, []string{"default/web"}},
		{"a pod of the set, updated", func(f *fixture) { f.c.PodHandler().OnUpdate(pod(set, 0), pod(set, 0, notReady)) }, []string{"default/web"}},
		{"a pod of the set, deleted", func(f *fixture) { f.c.PodHandler().OnDelete(pod(set, 0)) }, []string{"default/web"}},
		{"a pod of a set of the same name that is gone", func(f *fixture) { f.c.PodHandler().OnAdd(pod(set, 0, other)) }, nil},
		{"an orphan the set selects", func(f *fixture) { f.c.PodHandler().OnAdd(pod(set, 0, orphan)) }, []string{"default/web"}},
		{"an orphan it does not", func(f *fixture) { f.c.PodHandler().OnAdd(pod(set, 0, orphan, relabelled)) }, nil},
		{"a revision of the set", func(f *fixture) { f.c.RevisionHandler().OnAdd(revision(set, 1)) }, []string{"default/web"}},
		{"the set", func(f *fixture) { f.c.StatefulSetHandler().OnUpdate(set, set) }, []string{"default/web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(set)
			tt.fire(f)
			if got := controllertest.Drain(f.c.queue); !slices.Equal(got, tt.want) {
				t.Errorf("queued %v, want %v", got, tt.want)
			}
		})
	}
}
