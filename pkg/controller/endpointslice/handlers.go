package endpointslice

import (
	"maps"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// ServiceHandler is for the services informer: every change to a Service
// syncs it.
func (c *Controller) ServiceHandler() client.Handler {
	enqueue := func(obj api.Object) { c.queue.Add(client.KeyOf(obj)) }
	return client.Handler{
		OnAdd:    enqueue,
		OnUpdate: func(_, obj api.Object) { enqueue(obj) },
		OnDelete: enqueue,
	}
}

// PodHandler is for the pods informer: a pod change syncs the Services
// that select the pod, before and after the change (a relabelled pod
// leaves one Service and joins another).
func (c *Controller) PodHandler() client.Handler {
	enqueue := func(obj api.Object) {
		for _, key := range controller.ServicesSelecting(c.services, obj.(*api.Pod)) {
			c.queue.Add(key)
		}
	}
	return client.Handler{
		OnAdd: enqueue,
		OnUpdate: func(old, obj api.Object) {
			enqueue(obj)
			if !maps.Equal(old.GetObjectMeta().Labels, obj.GetObjectMeta().Labels) {
				enqueue(old)
			}
		},
		OnDelete: enqueue,
	}
}

// SliceHandler is for the endpointslices informer: a slice of ours that
// someone else changed or deleted is put back, by syncing its Service.
// A new slice syncs it too: two syncs close together can each create a
// slice before the cache shows the other's (generateName makes no
// conflict), and the sync that sees both deletes the extra one.
func (c *Controller) SliceHandler() client.Handler {
	enqueue := func(obj api.Object) {
		m := obj.GetObjectMeta()
		name := m.Labels[api.LabelServiceName]
		if name == "" || m.Labels[api.LabelManagedBy] != api.EndpointSliceControllerName {
			return
		}
		c.queue.Add(m.Namespace + "/" + name)
	}
	return client.Handler{
		OnAdd:    enqueue,
		OnUpdate: func(_, obj api.Object) { enqueue(obj) },
		OnDelete: enqueue,
	}
}
