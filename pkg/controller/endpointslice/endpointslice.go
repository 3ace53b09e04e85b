package endpointslice

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Controller keeps the EndpointSlices of every Service with a selector.
// Its queue holds Service keys ("namespace/name").
//
// Kubernetes' controller does more (pkg/controller/endpointslice): it
// annotates the time of the last change, sets topology hints, and
// throttles how often one Service's slices are rewritten.
type Controller struct {
	services controller.Lister
	pods     controller.Lister
	slices   controller.Lister
	nodes    controller.Lister // may be nil: no zones
	w        controller.Writer
	rec      controller.EventRecorder
	log      *zap.Logger
	queue    *client.Queue
}

// New returns a controller that reads Services, Pods, EndpointSlices and
// (if nodes is not nil) Nodes from the given caches, and writes slices
// through w.
func New(services, pods, endpointSlices, nodes controller.Lister, w controller.Writer, rec controller.EventRecorder, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{services: services, pods: pods, slices: endpointSlices, nodes: nodes,
		w: w, rec: rec, log: log, queue: client.NewQueue("endpointslice")}
}

// Run syncs Services with workers workers until ctx is done. Call it once
// the informers have synced.
func (c *Controller) Run(ctx context.Context, workers int) {
	client.RunWorkers(ctx, c.queue, workers, c.Sync, c.log)
}

// Queue is the controller's work queue, for the manager's metrics and
// health check.
func (c *Controller) Queue() *client.Queue { return c.queue }

// Sync makes the EndpointSlices of the Service with key match its pods.
func (c *Controller) Sync(ctx context.Context, key string) error {
	obj, ok := c.services.Get(key)
	if !ok {
		return nil // the garbage collector deletes its slices (owner reference)
	}
	svc := obj.(*api.Service)
	if len(svc.Spec.Selector) == 0 || svc.Spec.Type == api.ServiceTypeExternalName {
		return nil // no pods to list: hand-written slices, or a DNS alias
	}

	// Desired state: the groups of endpoints the matching pods make.
	selector := api.SelectorFromSet(svc.Spec.Selector)
	var pods []*api.Pod
	for _, o := range c.pods.ByIndex(controller.IndexNamespace, svc.Namespace) {
		if pod := o.(*api.Pod); selector.Matches(pod.Labels) {
			pods = append(pods, pod)
		}
	}
	groups := desiredGroups(svc, pods, c.zoneOf)
	if len(groups) == 0 {
		// No endpoints: one empty slice says so (Kubernetes' placeholder).
		groups = []group{{addressType: addressTypes(svc)[0]}}
	}

	// Actual state: this controller's slices of the Service, by group.
	stored := map[string][]*api.EndpointSlice{}
	for _, s := range c.slicesOf(svc) {
		k := groupKey(s.AddressType, s.Ports)
		stored[k] = append(stored[k], s)
	}

	// Pair each slice's worth of endpoints with a stored slice of its
	// group; create what is missing, delete what is left over.
	for _, g := range groups {
		have := stored[g.key()]
		delete(stored, g.key())
		for i, eps := range chunks(g.endpoints) {
			want := c.newSlice(svc, g, eps)
			var err error
			if i < len(have) {
				err = c.update(ctx, svc, have[i], want)
			} else {
				err = c.create(ctx, svc, want)
			}
			if err != nil {
				return err
			}
		}
		if len(have) > len(chunks(g.endpoints)) {
			stored[g.key()] = have[len(chunks(g.endpoints)):]
		}
	}
	for _, k := range slices.Sorted(maps.Keys(stored)) {
		for _, s := range stored[k] {
			if err := c.w.Delete(ctx, controller.Resource("endpointslices"), s.Namespace, s.Name, nil); err != nil && !client.IsNotFound(err) {
				return fmt.Errorf("deleting endpointslice %s/%s: %w", s.Namespace, s.Name, err)
			}
			c.log.Debug("deleted endpointslice", zap.String("key", key), zap.String("slice", s.Name))
		}
	}
	return nil
}

// slicesOf returns the slices this controller wrote for svc, by name.
func (c *Controller) slicesOf(svc *api.Service) []*api.EndpointSlice {
	var out []*api.EndpointSlice
	for _, o := range c.slices.ByIndex(controller.IndexNamespace, svc.Namespace) {
		s := o.(*api.EndpointSlice)
		if s.Labels[api.LabelServiceName] == svc.Name && s.Labels[api.LabelManagedBy] == api.EndpointSliceControllerName {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *api.EndpointSlice) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// newSlice is the slice svc should have for one chunk of a group.
func (c *Controller) newSlice(svc *api.Service, g group, eps []api.Endpoint) *api.EndpointSlice {
	labels := maps.Clone(svc.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[api.LabelServiceName] = svc.Name
	labels[api.LabelManagedBy] = api.EndpointSliceControllerName
	if svc.Spec.ClusterIP == api.ClusterIPNone {
		labels[LabelHeadless] = ""
	}
	return &api.EndpointSlice{
		ObjectMeta: api.ObjectMeta{
			Namespace: svc.Namespace, GenerateName: svc.Name + "-", Labels: labels,
			OwnerReferences: []api.OwnerReference{controller.NewControllerRef(&svc.ObjectMeta, "v1", "Service")},
		},
		AddressType: g.addressType,
		Endpoints:   eps,
		Ports:       g.ports,
	}
}

// LabelHeadless marks the slices of a headless Service, as Kubernetes
// does, so that proxies can skip them with a label selector.
const LabelHeadless = "service.kubernetes.io/headless"

func (c *Controller) create(ctx context.Context, svc *api.Service, want *api.EndpointSlice) error {
	created, err := c.w.Create(ctx, want)
	if err != nil {
		c.rec.Eventf(svc, api.EventWarning, "FailedToUpdateEndpointSlices", "Error updating Endpoint Slices for Service %s/%s: %v", svc.Namespace, svc.Name, err)
		return fmt.Errorf("creating endpointslice for %s/%s: %w", svc.Namespace, svc.Name, err)
	}
	c.log.Debug("created endpointslice", zap.String("slice", created.GetObjectMeta().Name), zap.Int("endpoints", len(want.Endpoints)))
	return nil
}

// update writes want over cur when their content differs.
func (c *Controller) update(ctx context.Context, svc *api.Service, cur, want *api.EndpointSlice) error {
	if sameJSON(cur.Endpoints, want.Endpoints) && sameJSON(cur.Ports, want.Ports) &&
		maps.Equal(cur.Labels, want.Labels) && sameJSON(cur.OwnerReferences, want.OwnerReferences) {
		return nil // nothing changed: write nothing
	}
	s := api.DeepCopy(cur) // the cache's copy is shared
	s.Endpoints, s.Ports, s.Labels, s.OwnerReferences = want.Endpoints, want.Ports, want.Labels, want.OwnerReferences
	if _, err := c.w.Update(ctx, s); err != nil {
		if !client.IsConflict(err) { // the cache is behind: the retry sees the new version
			c.rec.Eventf(svc, api.EventWarning, "FailedToUpdateEndpointSlices", "Error updating Endpoint Slices for Service %s/%s: %v", svc.Namespace, svc.Name, err)
		}
		return fmt.Errorf("updating endpointslice %s/%s: %w", s.Namespace, s.Name, err)
	}
	c.log.Debug("updated endpointslice", zap.String("slice", s.Name), zap.Int("endpoints", len(s.Endpoints)))
	return nil
}

// zoneOf is a node's zone label, "" without a nodes cache or label.
func (c *Controller) zoneOf(name string) string {
	if c.nodes == nil {
		return ""
	}
	o, ok := c.nodes.Get(name)
	if !ok {
		return ""
	}
	return o.(*api.Node).Labels[LabelZone]
}

// sameJSON compares by wire form, so that an empty list and a missing one
// are the same.
func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
