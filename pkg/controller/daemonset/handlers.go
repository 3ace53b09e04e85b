package daemonset

import (
	"maps"
	"slices"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Handlers turn informer events into DaemonSet keys on the queue, and tell
// the expectations what the cache now shows. They never sync themselves.

// DaemonSetHandler goes on the DaemonSet informer: any change to a
// DaemonSet, its deletion included, queues its key.
func (c *Controller) DaemonSetHandler() client.Handler {
	return controller.OwnerHandler(c.queue, client.KeyOf)
}

// NodeHandler goes on the node informer. A node added or deleted, or whose
// labels or taints changed, may change where every DaemonSet should run,
// so it queues them all. Status updates (heartbeats, every few seconds)
// change neither and queue nothing. (Kubernetes queues only the DaemonSets
// whose answer for that node changed.)
func (c *Controller) NodeHandler() client.Handler {
	all := func(api.Object) {
		for _, ds := range c.daemonSets.List() {
			c.queue.Add(client.KeyOf(ds))
		}
	}
	return client.Handler{
		OnAdd: all,
		OnUpdate: func(oldObj, newObj api.Object) {
			old, node := oldObj.(*api.Node), newObj.(*api.Node)
			if !maps.Equal(old.Labels, node.Labels) || !slices.EqualFunc(old.Spec.Taints, node.Spec.Taints, sameTaint) {
				all(node)
			}
		},
		OnDelete: all,
	}
}

func sameTaint(a, b api.Taint) bool {
	return a.Key == b.Key && a.Value == b.Value && a.Effect == b.Effect
}

// RevisionHandler goes on the ControllerRevision informer: a revision
// added, changed or deleted (by hand, or by the garbage collector) queues
// the DaemonSet that controls it, whose next sync puts the history right.
func (c *Controller) RevisionHandler() client.Handler {
	enqueue := func(obj api.Object) {
		m := obj.GetObjectMeta()
		if ref := api.ControllerRef(m); ref != nil && ref.Kind == "DaemonSet" && ref.APIVersion == "apps/v1" {
			c.queue.Add(m.Namespace + "/" + ref.Name)
		}
	}
	return client.Handler{
		OnAdd:    enqueue,
		OnUpdate: func(_, obj api.Object) { enqueue(obj) },
		OnDelete: enqueue,
	}
}

// PodHandler goes on the pod informer. A pod event queues the DaemonSet
// that controls the pod; for an orphan, every DaemonSet whose selector
// matches it, which may adopt it.
func (c *Controller) PodHandler() client.Handler {
	return controller.OwnedPodHandler(c.queue, c.expectations, c.ownerKey, c.enqueueSelecting)
}

// ownerKey returns the key of the DaemonSet in the cache that controls
// pod (same name and uid), or "".
func (c *Controller) ownerKey(pod *api.Pod) string {
	ref := api.ControllerRef(&pod.ObjectMeta)
	if ref == nil || ref.Kind != "DaemonSet" || ref.APIVersion != "apps/v1" {
		return ""
	}
	key := pod.Namespace + "/" + ref.Name
	if obj, ok := c.daemonSets.Get(key); !ok || obj.GetObjectMeta().UID != ref.UID {
		return ""
	}
	return key
}

// enqueueSelecting queues every DaemonSet in pod's namespace whose
// selector matches its labels.
func (c *Controller) enqueueSelecting(pod *api.Pod) {
	for _, obj := range c.daemonSets.ByIndex(controller.IndexNamespace, pod.Namespace) {
		ds := obj.(*api.DaemonSet)
		if sel, err := api.SelectorFromLabelSelector(ds.Spec.Selector); err == nil && sel.Matches(pod.Labels) {
			c.queue.Add(client.KeyOf(ds))
		}
	}
}
