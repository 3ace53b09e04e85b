package deployment

import (
	"maps"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Handlers turn informer events into Deployment keys on the queue. They
// never sync themselves.

// DeploymentHandler goes on the Deployment informer: any change to a
// Deployment, its deletion included, queues its key.
func (c *Controller) DeploymentHandler() client.Handler {
	return controller.OwnerHandler(c.queue, client.KeyOf)
}

// ReplicaSetHandler goes on the ReplicaSet informer. A ReplicaSet event
// queues the Deployment that controls it (its status may have moved the
// rollout on); for an orphan, every Deployment whose selector matches
// it, one of which may adopt it. A ReplicaSet that changes controller
// queues the one it left too.
func (c *Controller) ReplicaSetHandler() client.Handler {
	return client.Handler{
		OnAdd: func(obj api.Object) { c.enqueueFor(obj.(*api.ReplicaSet)) },
		OnUpdate: func(oldObj, newObj api.Object) {
			old, rs := oldObj.(*api.ReplicaSet), newObj.(*api.ReplicaSet)
			oldKey, key := c.ownerKey(old), c.ownerKey(rs)
			if oldKey != "" && oldKey != key {
				c.queue.Add(oldKey) // released or taken: the old owner recounts
			}
			switch {
			case key != "":
				c.queue.Add(key) // status, spec, labels: any change may matter
			case isOrphan(rs) && (!isOrphan(old) || !maps.Equal(old.Labels, rs.Labels)):
				c.enqueueFor(rs) // a new orphan, or one with new labels
			}
		},
		OnDelete: func(obj api.Object) {
			if key := c.ownerKey(obj.(*api.ReplicaSet)); key != "" {
				c.queue.Add(key)
			}
		},
	}
}

// enqueueFor queues rs's Deployment, or for an orphan the Deployments
// that select it.
func (c *Controller) enqueueFor(rs *api.ReplicaSet) {
	if key := c.ownerKey(rs); key != "" {
		c.queue.Add(key)
		return
	}
	if !isOrphan(rs) || rs.DeletionTimestamp != nil {
		return // another controller's, or on its way out
	}
	for _, obj := range c.deployments.ByIndex(controller.IndexNamespace, rs.Namespace) {
		d := obj.(*api.Deployment)
		sel, err := api.SelectorFromLabelSelector(d.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(rs.Labels) {
			c.queue.Add(client.KeyOf(d))
		}
	}
}

// ownerKey returns the key of the Deployment in the cache that controls
// rs, or "". The reference must name it by uid too: a Deployment deleted
// and recreated under the same name is not the old one's owner.
func (c *Controller) ownerKey(rs *api.ReplicaSet) string {
	ref := api.ControllerRef(&rs.ObjectMeta)
	if ref == nil || ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" {
		return ""
	}
	key := rs.Namespace + "/" + ref.Name
	if obj, ok := c.deployments.Get(key); !ok || obj.GetObjectMeta().UID != ref.UID {
		return ""
	}
	return key
}

func isOrphan(rs *api.ReplicaSet) bool { return api.ControllerRef(&rs.ObjectMeta) == nil }
