package serviceaccount

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Controller makes the "default" ServiceAccount of every namespace.
type Controller struct {
	namespaces      controller.Lister
	serviceAccounts controller.Lister
	w               controller.Writer
	log             *zap.Logger
	queue           *client.Queue
}

// New returns a controller that reads Namespaces and ServiceAccounts from
// the given caches and creates through w.
func New(namespaces, serviceAccounts controller.Lister, w controller.Writer, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{
		namespaces:      namespaces,
		serviceAccounts: serviceAccounts,
		w:               w,
		log:             log,
		queue:           client.NewQueue("serviceaccount"),
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

// Sync takes a namespace name and creates its "default" ServiceAccount if
// the namespace is Active and has none.
func (c *Controller) Sync(ctx context.Context, key string) error {
	obj, ok := c.namespaces.Get(key)
	if !ok {
		return nil // deleted: nothing to give an account to
	}
	ns := obj.(*api.Namespace)
	if ns.DeletionTimestamp != nil || ns.Status.Phase == api.NamespaceTerminating {
		return nil // the apiserver would refuse the create anyway
	}
	if _, ok := c.serviceAccounts.Get(key + "/" + api.DefaultServiceAccountName); ok {
		return nil
	}
	sa := &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Namespace: key, Name: api.DefaultServiceAccountName}}
	api.SetTypeMeta(sa)
	_, err := c.w.Create(ctx, sa)
	if client.IsAlreadyExists(err) {
		return nil // the cache had not seen it yet
	}
	if err != nil {
		return fmt.Errorf("create serviceaccount %s/%s: %w", key, api.DefaultServiceAccountName, err)
	}
	c.log.Debug("created the default serviceaccount", zap.String("namespace", key))
	return nil
}

// NamespaceHandler is for the namespaces informer: a namespace added
// needs its account; an update is a cheap second look (a resync, a
// namespace whose create failed before).
func (c *Controller) NamespaceHandler() client.Handler {
	look := func(obj api.Object) { c.queue.Add(obj.GetObjectMeta().Name) }
	return client.Handler{OnAdd: look, OnUpdate: func(_, obj api.Object) { look(obj) }}
}

// ServiceAccountHandler is for the serviceaccounts informer: a deleted
// "default" is made again. Other accounts are the user's.
func (c *Controller) ServiceAccountHandler() client.Handler {
	return client.Handler{OnDelete: func(obj api.Object) {
		if m := obj.GetObjectMeta(); m.Name == api.DefaultServiceAccountName {
			c.queue.Add(m.Namespace)
		}
	}}
}
