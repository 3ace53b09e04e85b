package cronjob

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/controllertest"
)

// start is the clock of every test when it begins: a Saturday, noon UTC.
var start = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const key = "default/backup"

// fixture is a controller over fake caches, with a clock the test moves.
// step syncs, then puts what the controller wrote into the caches, as the
// apiserver and the informers would.
type fixture struct {
	cronJobs, jobs *controllertest.Lister
	w              *controllertest.Writer
	rec            *controllertest.Recorder
	c              *Controller
	clock          time.Time
	requeues       []string
	applied        int
}

func newFixture(objs ...api.Object) *fixture {
	f := &fixture{
		cronJobs: controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex),
		jobs: controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex).
			AddIndex(controller.IndexOwner, controller.OwnerIndex),
		w:     &controllertest.Writer{},
		rec:   &controllertest.Recorder{},
		clock: start,
	}
	for _, o := range objs {
		switch o.(type) {
		case *api.CronJob:
			f.cronJobs.Add(o)
		case *api.Job:
			f.jobs.Add(o)
		}
	}
	f.c = New(f.cronJobs, f.jobs, f.w, f.rec, time.UTC, nil)
	f.c.now = func() time.Time { return f.clock }
	f.c.after = func(key string, d time.Duration) { f.requeues = append(f.requeues, fmt.Sprintf("%s after %s", key, d)) }
	return f
}

// step syncs and applies the writes; it returns them.
func (f *fixture) step(t *testing.T) []string {
	t.Helper()
	f.requeues = nil
	f.rec.Events = nil
	if err := f.c.Sync(context.Background(), key); err != nil {
		t.Fatalf("Sync(%s): %v", key, err)
	}
	var out []string
	for _, a := range f.w.Actions[f.applied:] {
		out = append(out, a.String())
		switch {
		case a.Verb == "create" && a.Resource == "jobs":
			j := a.Object.(*api.Job)
			j.CreationTimestamp = api.NewTime(f.clock)
			f.jobs.Add(j)
			f.c.JobHandler().OnAdd(j)
		case a.Verb == "delete" && a.Resource == "jobs":
			k := a.Namespace + "/" + a.Name
			if j, ok := f.jobs.Get(k); ok {
				f.jobs.Delete(k)
				f.c.JobHandler().OnDelete(j)
			}
		case a.Verb == "updateStatus" && a.Resource == "cronjobs":
			f.cronJobs.Add(a.Object)
		}
	}
	f.applied = len(f.w.Actions)
	return out
}

func (f *fixture) cronJob() *api.CronJob {
	obj, _ := f.cronJobs.Get(key)
	return obj.(*api.CronJob)
}

// finish ends the Job named name with condition t at the fixture's clock.
func (f *fixture) finish(name, t string) {
	obj, _ := f.jobs.Get("default/" + name)
	j := api.DeepCopy(obj.(*api.Job))
	j.Status.Conditions = []api.JobCondition{{Type: t, Status: api.ConditionTrue, LastTransitionTime: api.NewTime(f.clock)}}
	if t == api.JobComplete {
		ct := api.NewTime(f.clock)
		j.Status.CompletionTime = &ct
	}
	f.jobs.Add(j)
	f.c.JobHandler().OnUpdate(obj, j)
}

type cronOpt func(*api.CronJob)

// newCronJob returns the CronJob "backup", made an hour before start.
func newCronJob(schedule string, opts ...cronOpt) *api.CronJob {
	cj := &api.CronJob{
		TypeMeta:   api.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: api.ObjectMeta{Name: "backup", Namespace: "default", UID: "uid-backup", CreationTimestamp: api.NewTime(start.Add(-time.Hour))},
		Spec: api.CronJobSpec{
			Schedule: schedule,
			JobTemplate: api.JobTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "backup"}},
				Spec: api.JobSpec{Template: api.PodTemplateSpec{Spec: api.PodSpec{RestartPolicy: api.RestartNever,
					Containers: []api.Container{{Name: "backup", Image: "toolbox"}}}}},
			},
		},
	}
	for _, o := range opts {
		o(cj)
	}
	return cj
}

func lastScheduled(t time.Time) cronOpt {
	return func(cj *api.CronJob) { at := api.NewTime(t); cj.Status.LastScheduleTime = &at }
}
func createdAt(t time.Time) cronOpt {
	return func(cj *api.CronJob) { cj.CreationTimestamp = api.NewTime(t) }
}
func policy(p string) cronOpt { return func(cj *api.CronJob) { cj.Spec.ConcurrencyPolicy = p } }
func deadline(s int64) cronOpt {
	return func(cj *api.CronJob) { cj.Spec.StartingDeadlineSeconds = api.Int64(s) }
}
func zone(tz string) cronOpt { return func(cj *api.CronJob) { cj.Spec.TimeZone = api.String(tz) } }
func activeJobs(jobs ...*api.Job) cronOpt {
	return func(cj *api.CronJob) {
		for _, j := range jobs {
			cj.Status.Active = append(cj.Status.Active, refTo(j))
		}
	}
}

type jobOpt func(*api.Job)

// newJob returns a running Job of the CronJob cj, of schedule time t.
func newJob(cj *api.CronJob, t time.Time, opts ...jobOpt) *api.Job {
	j := jobFromTemplate(cj, t, time.UTC)
	j.UID = "uid-" + j.Name
	j.CreationTimestamp = api.NewTime(t)
	st := api.NewTime(t)
	j.Status.StartTime = &st
	for _, o := range opts {
		o(j)
	}
	return j
}

func finishedAs(cond string, at time.Time) jobOpt {
	return func(j *api.Job) {
		j.Status.Conditions = []api.JobCondition{{Type: cond, Status: api.ConditionTrue, LastTransitionTime: api.NewTime(at)}}
		if cond == api.JobComplete {
			ct := api.NewTime(at)
			j.Status.CompletionTime = &ct
		}
	}
}

// nameAt is the name of the Job of schedule time t.
func nameAt(t time.Time) string { return fmt.Sprintf("backup-%d", t.Unix()/60) }
