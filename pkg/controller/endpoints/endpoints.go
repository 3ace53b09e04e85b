package endpoints

import (
	"context"
	"fmt"
	"maps"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Controller keeps the Endpoints of every Service with a selector. Its
// queue holds Service keys ("namespace/name").
//
// Kubernetes' controller does more (pkg/controller/endpoint): it caps an
// Endpoints at 1000 addresses, annotates the time of the last change, and
// lives beside the EndpointSlice controller that newer proxies read.
type Controller struct {
	services  controller.Lister
	pods      controller.Lister
	endpoints controller.Lister
	w         controller.Writer
	rec       controller.EventRecorder
	log       *zap.Logger
	queue     *client.Queue
}

// New returns a controller that reads Services, Pods and Endpoints from
// the given caches and writes Endpoints through w.
func New(services, pods, endpoints controller.Lister, w controller.Writer, rec controller.EventRecorder, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{
		services:  services,
		pods:      pods,
		endpoints: endpoints,
		w:         w,
		rec:       rec,
		log:       log,
		queue:     client.NewQueue("endpoints"),
	}
}

// Run syncs Services with workers workers until ctx is done. Call it once
// the informers have synced.
func (c *Controller) Run(ctx context.Context, workers int) {
	client.RunWorkers(ctx, c.queue, workers, c.Sync, c.log)
}

// Queue is the controller's work queue, for the manager's metrics and
// health check.
func (c *Controller) Queue() *client.Queue { return c.queue }

// Sync makes the Endpoints of the Service with key match its pods.
func (c *Controller) Sync(ctx context.Context, key string) error {
	namespace, name := client.SplitKey(key)
	obj, ok := c.services.Get(key)
	if !ok {
		return c.deleteEndpoints(ctx, key)
	}
	svc := obj.(*api.Service)
	if len(svc.Spec.Selector) == 0 {
		return nil // no selector: the user writes the Endpoints by hand
	}
	if svc.Spec.Type == api.ServiceTypeExternalName {
		return nil // a DNS alias: nothing to proxy to
	}

	// Desired state: the subsets the matching pods make.
	selector := api.SelectorFromSet(svc.Spec.Selector)
	var pods []*api.Pod
	for _, o := range c.pods.ByIndex(controller.IndexNamespace, namespace) {
		if pod := o.(*api.Pod); selector.Matches(pod.Labels) {
			pods = append(pods, pod)
		}
	}
	subsets := subsetsFor(svc, pods)

	// Actual state: the stored Endpoints, if any.
	cur, found := c.endpoints.Get(key)
	if !found {
		ep := &api.Endpoints{
			ObjectMeta: api.ObjectMeta{Namespace: namespace, Name: name, Labels: maps.Clone(svc.Labels)},
			Subsets:    subsets,
		}
		if _, err := c.w.Create(ctx, ep); err != nil {
			if !client.IsAlreadyExists(err) { // the cache is behind: the retry sees them
				c.rec.Eventf(svc, api.EventWarning, "FailedToCreateEndpoint", "Failed to create endpoint for service %s: %v", key, err)
			}
			return fmt.Errorf("creating endpoints %s: %w", key, err)
		}
		c.log.Debug("created endpoints", zap.String("key", key), zap.Int("subsets", len(subsets)))
		return nil
	}
	ep := api.DeepCopy(cur.(*api.Endpoints)) // the cache's copy is shared
	if sameSubsets(ep.Subsets, subsets) && maps.Equal(ep.Labels, svc.Labels) {
		return nil // nothing changed: write nothing
	}
	ep.Subsets = subsets
	ep.Labels = maps.Clone(svc.Labels)
	if _, err := c.w.Update(ctx, ep); err != nil {
		if !client.IsConflict(err) { // the cache is behind: the retry sees the new version
			c.rec.Eventf(svc, api.EventWarning, "FailedToUpdateEndpoint", "Failed to update endpoint %s: %v", key, err)
		}
		return fmt.Errorf("updating endpoints %s: %w", key, err)
	}
	c.log.Debug("updated endpoints", zap.String("key", key), zap.Int("subsets", len(subsets)))
	return nil
}

// deleteEndpoints removes the Endpoints of a Service that is gone. Like
// Kubernetes, it does not ask whether this controller wrote them: without
// their Service, nobody reads them.
func (c *Controller) deleteEndpoints(ctx context.Context, key string) error {
	if _, ok := c.endpoints.Get(key); !ok {
		return nil
	}
	namespace, name := client.SplitKey(key)
	err := c.w.Delete(ctx, controller.Resource("endpoints"), namespace, name, nil)
	if err != nil && !client.IsNotFound(err) {
		return fmt.Errorf("deleting endpoints %s: %w", key, err)
	}
	return nil
}

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
	return client.Handler{
		OnAdd: func(obj api.Object) { c.enqueueServicesOf(obj) },
		OnUpdate: func(old, obj api.Object) {
			c.enqueueServicesOf(obj)
			if !maps.Equal(old.GetObjectMeta().Labels, obj.GetObjectMeta().Labels) {
				c.enqueueServicesOf(old)
			}
		},
		OnDelete: func(obj api.Object) { c.enqueueServicesOf(obj) },
	}
}

// EndpointsHandler is for the endpoints informer: an Endpoints object
// changed or deleted by someone else is put back, if its Service exists.
// (Endpoints with no Service are left alone: they may be written by hand
// before their Service.)
func (c *Controller) EndpointsHandler() client.Handler {
	enqueue := func(obj api.Object) {
		if key := client.KeyOf(obj); c.hasService(key) {
			c.queue.Add(key)
		}
	}
	return client.Handler{
		OnUpdate: func(_, obj api.Object) { enqueue(obj) },
		OnDelete: enqueue,
	}
}

func (c *Controller) hasService(key string) bool {
	_, ok := c.services.Get(key)
	return ok
}

// enqueueServicesOf adds the Services of the pod's namespace whose
// selector matches the pod's labels.
func (c *Controller) enqueueServicesOf(obj api.Object) {
	for _, key := range controller.ServicesSelecting(c.services, obj.(*api.Pod)) {
		c.queue.Add(key)
	}
}
