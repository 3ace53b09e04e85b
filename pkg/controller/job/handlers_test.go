package job

import (
	"slices"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/controller/controllertest"
)

func TestHandlers(t *testing.T) {
	j := newJob()
	stale := newJob(func(j *api.Job) { j.UID = "uid-pi-before" })
	done := newJob(func(j *api.Job) {
		j.Name, j.UID = "done", "uid-done"
		j.Status.Conditions = []api.JobCondition{{Type: api.JobComplete, Status: api.ConditionTrue}}
	})
	orphan := func(labels map[string]string) *api.Pod {
		p := newPod("o", j)
		p.OwnerReferences, p.Labels = nil, labels
		return p
	}
	tests := []struct {
		name string
		fire func(f *fixture)
		want []string
	}{
		{name: "a pod of the Job queues it", fire: func(f *fixture) { f.c.PodHandler().OnAdd(newPod("a", j)) }, want: []string{key}},
		{name: "a pod of an earlier Job of the same name queues nothing", fire: func(f *fixture) { f.c.PodHandler().OnAdd(newPod("a", stale)) }},
		{name: "a deleted pod queues its Job", fire: func(f *fixture) { f.c.PodHandler().OnDelete(newPod("a", j)) }, want: []string{key}},
		{name: "an orphan queues the unfinished Jobs that select it", fire: func(f *fixture) {
			f.c.PodHandler().OnAdd(orphan(map[string]string{api.ControllerUIDLabel: "uid-pi", api.JobNameLabel: "pi"}))
			f.c.PodHandler().OnAdd(orphan(map[string]string{api.ControllerUIDLabel: "uid-done"}))
		}, want: []string{key}},
		{name: "Job events queue the Job", fire: func(f *fixture) { f.c.JobHandler().OnUpdate(j, j) }, want: []string{key}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(j, done)
			tt.fire(f)
			if got := controllertest.Drain(f.c.queue); !slices.Equal(got, tt.want) {
				t.Errorf("queued %q, want %q", got, tt.want)
			}
		})
	}
}
