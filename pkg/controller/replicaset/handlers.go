package replicaset

import (
	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Handlers turn informer events into keys on the queue, and tell the
// expectations what the cache now shows. They never sync themselves.

// ReplicaSetHandler goes on the ReplicaSet informer: any change to a
// ReplicaSet, its deletion included, queues its key.
func (c *Controller) ReplicaSetHandler() client.Handler { return c.ownerHandler(replicaSets) }

// ReplicationControllerHandler goes on the ReplicationController informer.
func (c *Controller) ReplicationControllerHandler() client.Handler {
	return c.ownerHandler(replicationControllers)
}

func (c *Controller) ownerHandler(res string) client.Handler {
	return controller.OwnerHandler(c.queue, func(obj api.Object) string { return res + "/" + client.KeyOf(obj) })
}

// PodHandler goes on the pod informer. A pod event queues the owner that
// controls the pod; for an orphan, every owner whose selector matches it,
// one of which may adopt it.
func (c *Controller) PodHandler() client.Handler {
	return controller.OwnedPodHandler(c.queue, c.expectations, c.ownerKey, c.enqueueSelecting)
}

// ownerKey returns the queue key of the ReplicaSet or ReplicationController
// that controls pod, or "" if none does. The reference must name the
// owner in the cache by uid too: a reference to an owner deleted and
// recreated under the same name is not the new owner's.
func (c *Controller) ownerKey(pod *api.Pod) string {
	ref := api.ControllerRef(&pod.ObjectMeta)
	if ref == nil {
		return ""
	}
	var res string
	switch {
	case ref.Kind == "ReplicaSet" && ref.APIVersion == "apps/v1":
		res = replicaSets
	case ref.Kind == "ReplicationController" && ref.APIVersion == "v1":
		res = replicationControllers
	default:
		return ""
	}
	lister := c.listerFor(res)
	if lister == nil {
		return ""
	}
	cacheKey := pod.Namespace + "/" + ref.Name
	if obj, ok := lister.Get(cacheKey); !ok || obj.GetObjectMeta().UID != ref.UID {
		return ""
	}
	return res + "/" + cacheKey
}

// enqueueSelecting queues every owner in pod's namespace whose selector
// matches its labels.
func (c *Controller) enqueueSelecting(pod *api.Pod) {
	for _, res := range []string{replicaSets, replicationControllers} {
		lister := c.listerFor(res)
		if lister == nil {
			continue
		}
		for _, obj := range lister.ByIndex(controller.IndexNamespace, pod.Namespace) {
			key := res + "/" + client.KeyOf(obj)
			if o, err := ownerOf(key, obj); err == nil && o.selector.Matches(pod.Labels) {
				c.queue.Add(key)
			}
		}
	}
}
