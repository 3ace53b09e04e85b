package cronjob

import (
	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Handlers turn informer events into keys on the queue. They never sync
// themselves.

// CronJobHandler goes on the CronJob informer: any change to a CronJob
// (a new schedule, a resume), its deletion included, queues its key.
func (c *Controller) CronJobHandler() client.Handler {
	return controller.OwnerHandler(c.queue, client.KeyOf)
}

// JobHandler goes on the Job informer: a Job's event queues the CronJob
// that controls it (on an update, the one that controlled it before too),
// and tells the in-flight record what the cache now shows.
func (c *Controller) JobHandler() client.Handler {
	return client.Handler{
		OnAdd: func(obj api.Object) {
			c.inFlight.seen(obj.GetObjectMeta().UID, true)
			c.enqueueOwner(obj)
		},
		OnUpdate: func(old, obj api.Object) {
			c.inFlight.seen(obj.GetObjectMeta().UID, true)
			c.enqueueOwner(old)
			c.enqueueOwner(obj)
		},
		OnDelete: func(obj api.Object) {
			c.inFlight.seen(obj.GetObjectMeta().UID, false)
			c.enqueueOwner(obj)
		},
	}
}

func (c *Controller) enqueueOwner(obj api.Object) {
	m := obj.GetObjectMeta()
	ref := api.ControllerRef(m)
	if ref == nil || ref.Kind != cronJobsResource.Kind || ref.APIVersion != cronJobsResource.APIVersion() {
		return
	}
	key := m.Namespace + "/" + ref.Name
	if cj, ok := c.cronJobs.Get(key); ok && cj.GetObjectMeta().UID == ref.UID {
		c.queue.Add(key)
	}
}
