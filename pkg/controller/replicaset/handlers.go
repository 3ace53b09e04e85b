package replicaset

import (
	"maps"

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
	enqueue := func(obj api.Object) { c.queue.Add(res + "/" + client.KeyOf(obj)) }
	return client.Handler{
		OnAdd:    enqueue,
		OnUpdate: func(_, obj api.Object) { enqueue(obj) },
		OnDelete: enqueue, // Sync finds it gone and forgets its expectations
	}
}

// PodHandler goes on the pod informer. A pod event queues the owner that
// controls the pod; for an orphan, every owner whose selector matches it,
// one of which may adopt it.
func (c *Controller) PodHandler() client.Handler {
	return client.Handler{
		OnAdd: func(obj api.Object) {
			pod := obj.(*api.Pod)
			key := c.ownerKey(pod)
			switch {
			case pod.DeletionTimestamp != nil && key != "":
				// Seen for the first time already on its way out (after a re-list).
				c.expectations.DeletionObserved(key, client.KeyOf(pod))
				c.queue.Add(key)
			case key != "":
				c.expectations.CreationObserved(key)
				c.queue.Add(key)
			case isOrphan(pod) && pod.DeletionTimestamp == nil:
				c.enqueueSelecting(pod)
			}
		},
		OnUpdate: func(oldObj, newObj api.Object) {
			old, pod := oldObj.(*api.Pod), newObj.(*api.Pod)
			oldKey, key := c.ownerKey(old), c.ownerKey(pod)
			if key != "" && pod.DeletionTimestamp != nil && old.DeletionTimestamp == nil {
				// Deleting a pod first sets its deletionTimestamp; it no longer
				// counts, so the deletion is as good as seen.
				c.expectations.DeletionObserved(key, client.KeyOf(pod))
			}
			if oldKey != "" && oldKey != key {
				c.queue.Add(oldKey) // released or taken: the old owner recounts
			}
			switch {
			case key != "":
				c.queue.Add(key) // any change may move a count: phase, readiness, labels
			case isOrphan(pod) && pod.DeletionTimestamp == nil && (!isOrphan(old) || !maps.Equal(old.Labels, pod.Labels)):
				c.enqueueSelecting(pod) // a new orphan, or one with new labels
			}
		},
		OnDelete: func(obj api.Object) {
			pod := obj.(*api.Pod)
			if key := c.ownerKey(pod); key != "" {
				c.expectations.DeletionObserved(key, client.KeyOf(pod))
				c.queue.Add(key)
			}
		},
	}
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

// isOrphan reports a pod no controller claims. Only orphans are adopted:
// a pod whose controller is gone waits for the garbage collector.
func isOrphan(pod *api.Pod) bool { return api.ControllerRef(&pod.ObjectMeta) == nil }

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
