package garbagecollector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// finalizerKubernetes is the spec finalizer the apiserver gives every
// namespace; clearing it is this controller's job.
const finalizerKubernetes = "kubernetes"

// lister lists the objects of one resource in one namespace.
type lister func(ctx context.Context, res api.Resource, namespace string) ([]api.Object, error)

// syncNamespace empties a terminating namespace and then finalizes it.
func (c *Controller) syncNamespace(ctx context.Context, name string) error {
	obj, ok := c.namespaces.Get(name)
	if !ok {
		return nil
	}
	ns := obj.(*api.Namespace)
	if ns.DeletionTimestamp == nil || !slices.Contains(ns.Spec.Finalizers, finalizerKubernetes) {
		return nil // not being deleted, or done with already
	}
	log := c.log.With(zap.String("key", "namespaces/"+name))

	// First from the caches; once they show nothing, once more from the
	// apiserver, in case a cache has not seen something created just
	// before the namespace was deleted.
	for _, list := range []lister{c.listCached, c.live.List} {
		left, err := c.deleteContent(ctx, ns, list)
		if err != nil {
			return err
		}
		if left > 0 {
			log.Debug("waiting for the namespace to empty", zap.Int("objects", left))
			c.queue.AddAfter("namespaces/"+name, recheck)
			return nil
		}
	}

	rest := slices.DeleteFunc(slices.Clone(ns.Spec.Finalizers), func(f string) bool { return f == finalizerKubernetes })
	if err := c.live.FinalizeNamespace(ctx, name, rest); err != nil && !client.IsNotFound(err) {
		return fmt.Errorf("finalizing namespace %s: %w", name, err)
	}
	c.announced.forget(ns.UID)
	log.Info("namespace is empty; finalized")
	return nil
}

// deleteContent deletes every object in the namespace that is not being
// deleted already, and returns how many objects the listing found:
// zero means the namespace is empty.
func (c *Controller) deleteContent(ctx context.Context, ns *api.Namespace, list lister) (left int, err error) {
	var errs []error
	var deleted []string // "3 pods", for the event
	for _, res := range api.Resources() {
		if !res.Namespaced {
			continue
		}
		objs, err := list(ctx, res, ns.Name)
		if err != nil {
			return 0, fmt.Errorf("listing %s in namespace %s: %w", res.Name, ns.Name, err)
		}
		left += len(objs)
		n := 0
		for _, obj := range objs {
			if obj.GetObjectMeta().DeletionTimestamp != nil {
				continue // on its way: a pod waiting for its kubelet, an owner for its dependents
			}
			if err := c.deleteObject(ctx, res, obj); err != nil {
				errs = append(errs, err)
				continue
			}
			n++
		}
		if n > 0 {
			deleted = append(deleted, fmt.Sprintf("%d %s", n, res.Name))
		}
	}
	if len(deleted) > 0 && c.announced.first(ns.UID) {
		c.rec.Eventf(ns, api.EventNormal, "DeletingContent", "Deleting %s", strings.Join(deleted, ", "))
	}
	return left, errors.Join(errs...)
}

// announcedSet remembers the namespaces (by UID) whose deletion has been
// announced with a DeletingContent event, so that it is announced once.
//
// Once, and not at every pass, because the event must not feed back. An
// event about a Namespace, a cluster-scoped object, is stored in the
// namespace "default", as in Kubernetes (client-go's recorder puts events
// of objects without a namespace there). While "default" itself is being
// emptied, each pass would delete the previous pass's event, report that
// deletion with a new event in "default", and find that event at the next
// pass: the namespace would never be empty. Announced once, the event is
// deleted by the next pass like any other content, and nothing replaces
// it. (Kubernetes' namespace controller records no such event; it reports
// progress in the namespace's status conditions.)
type announcedSet struct {
	mu   sync.Mutex
	uids map[string]bool
}

// first reports whether uid is announced for the first time, and marks it.
func (a *announcedSet) first(uid string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.uids[uid] {
		return false
	}
	if a.uids == nil {
		a.uids = map[string]bool{}
	}
	a.uids[uid] = true
	return true
}

// forget drops uid, once its namespace is gone.
func (a *announcedSet) forget(uid string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.uids, uid)
}

// listCached lists from a cache when there is one, else from the apiserver.
func (c *Controller) listCached(ctx context.Context, res api.Resource, namespace string) ([]api.Object, error) {
	if cache, ok := c.objects[res.Name]; ok {
		return cache.ByIndex(controller.IndexNamespace, namespace), nil
	}
	return c.live.List(ctx, res, namespace)
}
