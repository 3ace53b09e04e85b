package dashboard

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// The dashboard sees the cluster the way every other component does:
// through informers, one per resource, listing once and then watching.
// Every page is rendered from their caches, and every change they hear of
// is published to the hub (hub.go), which tells the open pages.

// cache is what the views read: an informer's cache, or a fixed set of
// objects in tests.
type cache interface {
	List() []api.Object
	Get(key string) (api.Object, bool)
}

var _ cache = (*client.Informer)(nil)

// caches holds one cache per resource the dashboard shows, all namespaces.
type caches struct {
	namespaces, nodes, pods, services, endpoints, events cache
	replicaSets, replicationControllers, deployments     cache
	daemonSets, statefulSets, jobs                       cache
}

// watched names the resources the dashboard watches, and where each
// informer goes in caches. Its ClusterRole (rbac.yaml) lets it list and
// watch exactly these.
var watched = []struct {
	resource string
	field    func(*caches) *cache
}{
	{"namespaces", func(c *caches) *cache { return &c.namespaces }},
	{"nodes", func(c *caches) *cache { return &c.nodes }},
	{"pods", func(c *caches) *cache { return &c.pods }},
	{"services", func(c *caches) *cache { return &c.services }},
	{"endpoints", func(c *caches) *cache { return &c.endpoints }},
	{"events", func(c *caches) *cache { return &c.events }},
	{"replicasets", func(c *caches) *cache { return &c.replicaSets }},
	{"replicationcontrollers", func(c *caches) *cache { return &c.replicationControllers }},
	{"deployments", func(c *caches) *cache { return &c.deployments }},
	{"daemonsets", func(c *caches) *cache { return &c.daemonSets }},
	{"statefulsets", func(c *caches) *cache { return &c.statefulSets }},
	{"jobs", func(c *caches) *cache { return &c.jobs }},
}

// startInformers makes an informer for every watched resource, each
// publishing what it sees to h, runs them until ctx ends, and returns the
// caches with a function that reports whether all have synced.
func startInformers(ctx context.Context, c *client.Client, h *hub, log *zap.Logger) (*caches, func() bool, error) {
	cs := &caches{}
	var infs []*client.Informer
	for _, w := range watched {
		res, ok := api.Lookup(w.resource)
		if !ok {
			return nil, nil, fmt.Errorf("the API has no resource %q", w.resource)
		}
		inf := client.NewInformer(c.Resource(res), client.ListOptions{}, log)
		inf.AddHandler(client.Handler{
			OnAdd:    func(obj api.Object) { h.publish(changeOf(opAdded, nil, obj)) },
			OnUpdate: func(old, new api.Object) { h.publish(changeOf(opModified, old, new)) },
			OnDelete: func(obj api.Object) { h.publish(changeOf(opDeleted, obj, nil)) },
		})
		*w.field(cs) = inf
		infs = append(infs, inf)
	}
	for _, inf := range infs {
		go inf.Run(ctx)
	}
	synced := func() bool {
		for _, inf := range infs {
			if !inf.HasSynced() {
				return false
			}
		}
		return true
	}
	return cs, synced, nil
}

// listOf reads a cache's objects of type T; a nil cache holds none.
func listOf[T api.Object](c cache) []T {
	if c == nil {
		return nil
	}
	return client.ListOf[T](c)
}

// getAs reads one object of type T by key.
func getAs[T api.Object](c cache, key string) (T, bool) {
	var zero T
	if c == nil {
		return zero, false
	}
	obj, ok := c.Get(key)
	if !ok {
		return zero, false
	}
	t, ok := obj.(T)
	return t, ok
}
