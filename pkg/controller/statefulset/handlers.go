package statefulset

import (
	"maps"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Handlers turn informer events into StatefulSet keys on the queue. They
// never sync themselves. Unlike the ReplicaSet's, they keep no
// expectations: a StatefulSet's writes are idempotent by name (see
// identity.go).

// StatefulSetHandler goes on the StatefulSet informer: any change to a
// set, its deletion included, queues its key.
func (c *Controller) StatefulSetHandler() client.Handler {
	return controller.OwnerHandler(c.queue, client.KeyOf)
}

// RevisionHandler goes on the ControllerRevision informer: a revision
// added, changed or deleted queues the set that controls it.
func (c *Controller) RevisionHandler() client.Handler {
	enqueue := func(obj api.Object) {
		m := obj.GetObjectMeta()
		if ref := api.ControllerRef(m); ref != nil && ref.Kind == "StatefulSet" && ref.APIVersion == "apps/v1" {
			c.queue.Add(m.Namespace + "/" + ref.Name)
		}
	}
	return client.Handler{
		OnAdd:    enqueue,
		OnUpdate: func(_, obj api.Object) { enqueue(obj) },
		OnDelete: enqueue,
	}
}

// PodHandler goes on the pod informer. A pod event queues the set that
// controls the pod (any change may matter: phase, readiness, deletion);
// for an orphan that is new or has new labels, every set whose selector
// matches it, which may adopt it.
func (c *Controller) PodHandler() client.Handler {
	onChange := func(old *api.Pod, pod *api.Pod) {
		if old != nil {
			if key := c.ownerKey(old); key != "" {
				c.queue.Add(key) // released or taken: the old owner recounts
			}
		}
		switch key := c.ownerKey(pod); {
		case key != "":
			c.queue.Add(key)
		case controller.IsOrphan(pod) && pod.DeletionTimestamp == nil &&
			(old == nil || !controller.IsOrphan(old) || !maps.Equal(old.Labels, pod.Labels)):
			c.enqueueSelecting(pod)
		}
	}
	return client.Handler{
		OnAdd:    func(obj api.Object) { onChange(nil, obj.(*api.Pod)) },
		OnUpdate: func(oldObj, newObj api.Object) { onChange(oldObj.(*api.Pod), newObj.(*api.Pod)) },
		OnDelete: func(obj api.Object) {
			if key := c.ownerKey(obj.(*api.Pod)); key != "" {
				c.queue.Add(key)
			}
		},
	}
}

// ownerKey returns the key of the set in the cache that controls pod
// (same name and uid), or "".
func (c *Controller) ownerKey(pod *api.Pod) string {
	ref := api.ControllerRef(&pod.ObjectMeta)
	if ref == nil || ref.Kind != "StatefulSet" || ref.APIVersion != "apps/v1" {
		return ""
	}
	key := pod.Namespace + "/" + ref.Name
	if obj, ok := c.sets.Get(key); !ok || obj.GetObjectMeta().UID != ref.UID {
		return ""
	}
	return key
}

// enqueueSelecting queues every set in pod's namespace whose selector
// matches its labels.
func (c *Controller) enqueueSelecting(pod *api.Pod) {
	for _, obj := range c.sets.ByIndex(controller.IndexNamespace, pod.Namespace) {
		set := obj.(*api.StatefulSet)
		if sel, err := api.SelectorFromLabelSelector(set.Spec.Selector); err == nil && sel.Matches(pod.Labels) {
			c.queue.Add(client.KeyOf(set))
		}
	}
}
