package controller

import (
	"maps"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Handlers of a controller that owns pods (ReplicaSet, DaemonSet): they
// turn informer events into owner keys on the queue, and tell the
// expectations what the cache now shows. They never sync themselves.

// OwnerHandler goes on an owner's informer: any change to an owner, its
// deletion included, queues key(owner). (A sync that finds its owner gone
// forgets the owner's expectations.)
func OwnerHandler(queue *client.Queue, key func(api.Object) string) client.Handler {
	enqueue := func(obj api.Object) { queue.Add(key(obj)) }
	return client.Handler{
		OnAdd:    enqueue,
		OnUpdate: func(_, obj api.Object) { enqueue(obj) },
		OnDelete: enqueue,
	}
}

// OwnedPodHandler goes on the pod informer. A pod event queues the owner
// that controls the pod, ownerKey(pod) ("" for none in the cache); for an
// orphan, enqueueSelecting queues every owner whose selector matches it,
// one of which may adopt it.
func OwnedPodHandler(queue *client.Queue, exp *Expectations, ownerKey func(*api.Pod) string, enqueueSelecting func(*api.Pod)) client.Handler {
	return client.Handler{
		OnAdd: func(obj api.Object) {
			pod := obj.(*api.Pod)
			key := ownerKey(pod)
			switch {
			case pod.DeletionTimestamp != nil && key != "":
				// Seen for the first time already on its way out (after a re-list).
				exp.DeletionObserved(key, client.KeyOf(pod))
				queue.Add(key)
			case key != "":
				exp.CreationObserved(key)
				queue.Add(key)
			case IsOrphan(pod) && pod.DeletionTimestamp == nil:
				enqueueSelecting(pod)
			}
		},
		OnUpdate: func(oldObj, newObj api.Object) {
			old, pod := oldObj.(*api.Pod), newObj.(*api.Pod)
			oldKey, key := ownerKey(old), ownerKey(pod)
			if key != "" && pod.DeletionTimestamp != nil && old.DeletionTimestamp == nil {
				// Deleting a pod first sets its deletionTimestamp; it no longer
				// counts, so the deletion is as good as seen.
				exp.DeletionObserved(key, client.KeyOf(pod))
			}
			if oldKey != "" && oldKey != key {
				queue.Add(oldKey) // released or taken: the old owner recounts
			}
			switch {
			case key != "":
				queue.Add(key) // any change may matter: phase, readiness, labels
			case IsOrphan(pod) && pod.DeletionTimestamp == nil && (!IsOrphan(old) || !maps.Equal(old.Labels, pod.Labels)):
				enqueueSelecting(pod) // a new orphan, or one with new labels
			}
		},
		OnDelete: func(obj api.Object) {
			pod := obj.(*api.Pod)
			if key := ownerKey(pod); key != "" {
				exp.DeletionObserved(key, client.KeyOf(pod))
				queue.Add(key)
			}
		},
	}
}
