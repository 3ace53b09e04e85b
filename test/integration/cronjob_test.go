package integration

import (
	"context"
	"sync"
	"testing"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// A CronJob scheduled every minute starts Jobs and keeps only the
// newest of those that finished. The controller's clock runs 60 times as
// fast (--cronjob-clock-rate), so a minute of schedule is a second.
func TestCronJobRunsAndPrunesHistory(t *testing.T) {
	cl := startCluster(t, "n1")
	cl.controller.kill()
	cl.startController("--cronjob-clock-rate", "60")

	var mu sync.Mutex
	started := map[string]bool{} // every Job the CronJob made
	inf := client.NewInformer(cl.res("jobs").Namespace("default"), client.ListOptions{}, zap.NewNop())
	inf.AddHandler(client.Handler{OnAdd: func(o api.Object) {
		mu.Lock()
		defer mu.Unlock()
		started[o.GetObjectMeta().Name] = true
	}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go inf.Run(ctx)

	cl.create(&api.CronJob{
		ObjectMeta: api.ObjectMeta{Name: "tick", Namespace: "default"},
		Spec: api.CronJobSpec{Schedule: "*/1 * * * *", SuccessfulJobsHistoryLimit: api.Int32(2),
			JobTemplate: api.JobTemplateSpec{Spec: api.JobSpec{Template: api.PodTemplateSpec{Spec: api.PodSpec{
				RestartPolicy: "Never", Containers: []api.Container{{Name: "c", Image: "complete/tick"}}}}}}},
	})
	jobs := cl.res("jobs").Namespace("default")
	cl.eventually("five Jobs started, at most two finished ones kept", func() bool {
		mu.Lock()
		n := len(started)
		mu.Unlock()
		objs, _, err := jobs.List(context.Background(), client.ListOptions{})
		if err != nil || n < 5 {
			return false
		}
		finished := 0
		for _, o := range objs {
			for _, c := range o.(*api.Job).Status.Conditions {
				if c.Type == api.JobComplete && c.Status == api.ConditionTrue {
					finished++
				}
			}
		}
		return finished <= 2 && len(objs)-finished <= 1
	})
	obj, err := cl.res("cronjobs").Namespace("default").Get(context.Background(), "tick")
	if err != nil {
		t.Fatal(err)
	}
	st := obj.(*api.CronJob).Status
	if st.LastScheduleTime == nil || st.LastSuccessfulTime == nil {
		t.Errorf("status %+v: want lastScheduleTime and lastSuccessfulTime", st)
	}
	// The pruned Jobs' pods go with them (the garbage collector): no more
	// than the kept Jobs' and the running one's.
	cl.eventually("the pruned Jobs' pods gone", func() bool {
		return len(cl.pods("batch.kubernetes.io/job-name")) <= 3
	})
}
