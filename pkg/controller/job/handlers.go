package job

import (
	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Handlers turn informer events into keys on the queue, and tell the
// expectations what the cache now shows. They never sync themselves.

// JobHandler goes on the Job informer: any change to a Job, its deletion
// included, queues its key.
func (c *Controller) JobHandler() client.Handler {
	return controller.OwnerHandler(c.queue, client.KeyOf)
}

// PodHandler goes on the pod informer. A pod event queues the Job that
// controls the pod; for an orphan, every unfinished Job of its namespace
// whose selector matches it, one of which may adopt it.
func (c *Controller) PodHandler() client.Handler {
	return controller.OwnedPodHandler(c.queue, c.expectations, c.ownerKey, c.enqueueSelecting)
}

// ownerKey returns the key of the Job that controls pod, or "" if none
// does. The reference must name the Job in the cache by uid too: a pod of
// a Job deleted and recreated under the same name is not the new Job's.
func (c *Controller) ownerKey(pod *api.Pod) string {
	ref := api.ControllerRef(&pod.ObjectMeta)
	if ref == nil || ref.Kind != jobsResource.Kind || ref.APIVersion != jobsResource.APIVersion() {
		return ""
	}
	key := pod.Namespace + "/" + ref.Name
	if obj, ok := c.jobs.Get(key); !ok || obj.GetObjectMeta().UID != ref.UID {
		return ""
	}
	return key
}

// enqueueSelecting queues every unfinished Job in pod's namespace whose
// selector matches its labels.
func (c *Controller) enqueueSelecting(pod *api.Pod) {
	for _, obj := range c.jobs.ByIndex(controller.IndexNamespace, pod.Namespace) {
		j := obj.(*api.Job)
		if _, done := finished(j); done {
			continue
		}
		if sel, err := selectorOf(j); err == nil && sel.Matches(pod.Labels) {
			c.queue.Add(client.KeyOf(j))
		}
	}
}
