package manager

import (
	"go.uber.org/zap"

	"kubelab/pkg/client"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/cronjob"
	"kubelab/pkg/controller/job"
)

// The batch controllers: the job controller (package controller/job) runs
// a Job's pods to completion, and the cronjob controller (package
// controller/cronjob) makes Jobs on a schedule. The garbage collector
// watches Jobs and CronJobs too: deleting a CronJob deletes its Jobs, and
// deleting a Job its pods.

// addBatchInformers adds the informers of jobs and cronjobs, with the
// indexes the controllers and the garbage collector look them up by.
func addBatchInformers(c *client.Client, inf map[string]*client.Informer, log *zap.Logger) {
	for _, name := range []string{"jobs", "cronjobs"} {
		i := client.NewInformer(c.Resource(controller.Resource(name)), client.ListOptions{}, log.Named(name))
		i.AddIndex(controller.IndexNamespace, controller.NamespaceIndex)
		i.AddIndex(controller.IndexOwner, controller.OwnerIndex)
		inf[name] = i
	}
}

// batchOwned adds the batch kinds to the garbage collector's caches.
func batchOwned(owned map[string]controller.Lister, inf map[string]*client.Informer) {
	owned["jobs"], owned["cronjobs"] = inf["jobs"], inf["cronjobs"]
}

// batchControllers makes the job and cronjob controllers. CronJob
// schedules without a timeZone are read in the controller manager's local
// time, as in Kubernetes, on a clock that o.CronJobClockRate may speed up.
func batchControllers(o Options, inf map[string]*client.Informer, w controller.Writer, rec *client.Recorder, log *zap.Logger) []reconciler {
	jc := job.New(inf["jobs"], inf["pods"], w, rec, log.Named("job"))
	inf["jobs"].AddHandler(jc.JobHandler())
	inf["pods"].AddHandler(jc.PodHandler())

	cc := cronjob.New(inf["cronjobs"], inf["jobs"], w, rec, nil, log.Named("cronjob"))
	cc.SetClockRate(o.CronJobClockRate)
	inf["cronjobs"].AddHandler(cc.CronJobHandler())
	inf["jobs"].AddHandler(cc.JobHandler())
	return []reconciler{jc, cc}
}
