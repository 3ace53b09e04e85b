package garbagecollector

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// recheck is how soon an owner waiting for its dependents, or a namespace
// waiting for its content, is looked at again. Deletions seen by the
// informers bring it back sooner; this is the safety net.
const recheck = 2 * time.Second

// Controller is the garbage collector and the namespace controller.
type Controller struct {
	objects    map[string]controller.Lister // resource name → cache
	namespaces controller.Lister
	w          controller.Writer
	live       LiveClient
	rec        controller.EventRecorder
	log        *zap.Logger
	queue      *client.Queue
	announced  announcedSet // namespaces whose deletion an event announced
}

// New returns a collector over the caches in objects (keyed by resource
// name, e.g. "pods") and the namespaces cache. It writes through w, and
// asks live what the caches cannot answer for sure. It panics if a key of
// objects is not a registered resource name.
func New(objects map[string]controller.Lister, namespaces controller.Lister, w controller.Writer, live LiveClient, rec controller.EventRecorder, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	for name := range objects {
		controller.Resource(name) // a typo fails at start-up, not in a sync
	}
	return &Controller{
		objects:    objects,
		namespaces: namespaces,
		w:          w,
		live:       live,
		rec:        rec,
		log:        log,
		queue:      client.NewQueue("garbagecollector"),
	}
}

// Run works the queue until ctx is done. Call it once the informers have
// synced.
func (c *Controller) Run(ctx context.Context, workers int) {
	client.RunWorkers(ctx, c.queue, workers, c.Sync, c.log)
}

// Queue is the controller's work queue, for the manager's metrics and
// health check.
func (c *Controller) Queue() *client.Queue { return c.queue }

// Sync looks at one object: key is "resource/namespace/name", or
// "namespaces/name" for a namespace.
func (c *Controller) Sync(ctx context.Context, key string) error {
	resName, objKey, _ := strings.Cut(key, "/")
	if resName == "namespaces" {
		return c.syncNamespace(ctx, objKey)
	}
	lister, ok := c.objects[resName]
	if !ok {
		return nil // not a kind this collector was given
	}
	obj, ok := lister.Get(objKey)
	if !ok {
		return nil // gone: its dependents were queued when it went
	}
	res := controller.Resource(resName)
	meta := obj.GetObjectMeta()
	switch {
	case meta.DeletionTimestamp != nil && slices.Contains(meta.Finalizers, api.FinalizerOrphanDependents):
		return c.orphanDependents(ctx, res, obj)
	case meta.DeletionTimestamp != nil && slices.Contains(meta.Finalizers, api.FinalizerDeleteDependents):
		return c.deleteDependentsFirst(ctx, key, res, obj)
	case meta.DeletionTimestamp != nil:
		return nil // on its way out already
	}
	return c.collectIfOwnerless(ctx, res, obj)
}

// Handler is for the informer of resource, one of the keys of the objects
// map given to New.
func (c *Controller) Handler(resource string) client.Handler {
	enqueue := func(obj api.Object) { c.queue.Add(resource + "/" + client.KeyOf(obj)) }
	return client.Handler{
		OnAdd: func(obj api.Object) {
			if needsLook(obj) {
				enqueue(obj)
			}
		},
		OnUpdate: func(old, obj api.Object) {
			if needsLook(obj) && !sameGCFields(old.GetObjectMeta(), obj.GetObjectMeta()) {
				enqueue(obj)
			}
		},
		OnDelete: func(obj api.Object) {
			meta := obj.GetObjectMeta()
			c.enqueueDependents(meta.UID)                         // they may be orphans now
			c.enqueueOwners(meta.Namespace, meta.OwnerReferences) // one may wait for it (Foreground)
			c.enqueueNamespace(meta.Namespace)                    // it may wait for it too
		},
	}
}

// NamespaceHandler is for the namespaces informer: a namespace being
// deleted is emptied.
func (c *Controller) NamespaceHandler() client.Handler {
	enqueue := func(obj api.Object) {
		if obj.GetObjectMeta().DeletionTimestamp != nil {
			c.queue.Add("namespaces/" + obj.GetObjectMeta().Name)
		}
	}
	return client.Handler{
		OnAdd:    enqueue,
		OnUpdate: func(_, obj api.Object) { enqueue(obj) },
		OnDelete: func(obj api.Object) { c.announced.forget(obj.GetObjectMeta().UID) },
	}
}

// needsLook reports an object the collector has business with: it has
// owners, or it is being deleted with one of the collector's finalizers.
func needsLook(obj api.Object) bool {
	m := obj.GetObjectMeta()
	return len(m.OwnerReferences) > 0 || (m.DeletionTimestamp != nil &&
		(slices.Contains(m.Finalizers, api.FinalizerOrphanDependents) || slices.Contains(m.Finalizers, api.FinalizerDeleteDependents)))
}

// sameGCFields reports an update that changed nothing the collector reads
// (pod status updates, mostly).
func sameGCFields(a, b *api.ObjectMeta) bool {
	return reflect.DeepEqual(a.OwnerReferences, b.OwnerReferences) &&
		slices.Equal(a.Finalizers, b.Finalizers) &&
		(a.DeletionTimestamp == nil) == (b.DeletionTimestamp == nil)
}

// enqueueDependents queues every cached object that names uid as an owner.
func (c *Controller) enqueueDependents(uid string) {
	for _, d := range c.dependentsOf(uid) {
		c.queue.Add(d.res.Name + "/" + client.KeyOf(d.obj))
	}
}

// enqueueOwners queues the owners, of kinds we watch, of an object in
// namespace.
func (c *Controller) enqueueOwners(namespace string, refs []api.OwnerReference) {
	for _, ref := range refs {
		res, err := api.ForKind(ref.APIVersion, ref.Kind)
		if err != nil {
			continue
		}
		if _, ok := c.objects[res.Name]; ok {
			c.queue.Add(res.Name + "/" + objectKey(res, namespace, ref.Name))
		}
	}
}

// enqueueNamespace queues a namespace if it is being emptied.
func (c *Controller) enqueueNamespace(name string) {
	if name == "" {
		return
	}
	if ns, ok := c.namespaces.Get(name); ok && ns.GetObjectMeta().DeletionTimestamp != nil {
		c.queue.Add("namespaces/" + name)
	}
}

// dependent is a cached object and its resource.
type dependent struct {
	res api.Resource
	obj api.Object
}

// dependentsOf returns every cached object that names uid as an owner, in
// a stable order.
func (c *Controller) dependentsOf(uid string) []dependent {
	if uid == "" {
		return nil
	}
	var out []dependent
	for _, name := range slices.Sorted(maps.Keys(c.objects)) {
		for _, obj := range c.objects[name].ByIndex(controller.IndexOwner, uid) {
			out = append(out, dependent{res: controller.Resource(name), obj: obj})
		}
	}
	return out
}

// objectKey is the cache key of an object of res: namespace/name, or name
// for a cluster-scoped kind.
func objectKey(res api.Resource, namespace, name string) string {
	if !res.Namespaced || namespace == "" {
		return name
	}
	return namespace + "/" + name
}

func describe(res api.Resource, obj api.Object) string {
	return fmt.Sprintf("%s %s", strings.ToLower(res.Kind), client.KeyOf(obj))
}
