package rootca

import (
	"context"
	"fmt"
	"maps"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// descriptionAnnotation says what the ConfigMap is for, in Kubernetes'
// words, which it puts on its own copy.
const (
	descriptionAnnotation = "kubernetes.io/description"
	description           = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints " +
		"such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."
)

// Controller keeps kube-root-ca.crt in every namespace.
type Controller struct {
	ca         string // PEM
	namespaces controller.Lister
	configMaps controller.Lister // those named kube-root-ca.crt, at least
	w          controller.Writer
	log        *zap.Logger
	queue      *client.Queue
}

// New returns a controller that publishes caPEM, reading Namespaces and
// ConfigMaps from the given caches and writing through w.
func New(caPEM []byte, namespaces, configMaps controller.Lister, w controller.Writer, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{
		ca:         string(caPEM),
		namespaces: namespaces,
		configMaps: configMaps,
		w:          w,
		log:        log,
		queue:      client.NewQueue("rootca"),
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

// Sync takes a namespace name and makes its kube-root-ca.crt hold the CA,
// if the namespace is Active.
func (c *Controller) Sync(ctx context.Context, key string) error {
	obj, ok := c.namespaces.Get(key)
	if !ok {
		return nil // deleted: nothing to publish to
	}
	ns := obj.(*api.Namespace)
	if ns.DeletionTimestamp != nil || ns.Status.Phase == api.NamespaceTerminating {
		return nil // the apiserver would refuse the create anyway
	}
	want := map[string]string{api.RootCAConfigMapKey: c.ca}
	obj, ok = c.configMaps.Get(key + "/" + api.RootCAConfigMapName)
	if !ok {
		cm := &api.ConfigMap{
			ObjectMeta: api.ObjectMeta{Namespace: key, Name: api.RootCAConfigMapName,
				Annotations: map[string]string{descriptionAnnotation: description}},
			Data: want,
		}
		api.SetTypeMeta(cm)
		_, err := c.w.Create(ctx, cm)
		if client.IsAlreadyExists(err) {
			return nil // the cache had not seen it yet
		}
		if err != nil {
			return fmt.Errorf("create configmap %s/%s: %w", key, api.RootCAConfigMapName, err)
		}
		c.log.Debug("published the root CA", zap.String("namespace", key))
		return nil
	}
	cm := obj.(*api.ConfigMap)
	if maps.Equal(cm.Data, want) && cm.Annotations[descriptionAnnotation] != "" {
		return nil
	}
	cm = api.DeepCopy(cm) // the cache's is shared
	api.SetTypeMeta(cm)
	cm.Data = want
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[descriptionAnnotation] = description
	_, err := c.w.Update(ctx, cm)
	if client.IsNotFound(err) {
		return nil // deleted meanwhile: the delete queues the namespace again
	}
	if err != nil {
		return fmt.Errorf("update configmap %s/%s: %w", key, api.RootCAConfigMapName, err)
	}
	c.log.Info("set the root CA back in a changed ConfigMap", zap.String("namespace", key))
	return nil
}

// NamespaceHandler is for the namespaces informer: a namespace added
// needs the ConfigMap; an update is a cheap second look (a resync, a
// namespace whose create failed before).
func (c *Controller) NamespaceHandler() client.Handler {
	look := func(obj api.Object) { c.queue.Add(obj.GetObjectMeta().Name) }
	return client.Handler{OnAdd: look, OnUpdate: func(_, obj api.Object) { look(obj) }}
}

// ConfigMapHandler is for the configmaps informer: kube-root-ca.crt
// changed or deleted is put back. Other ConfigMaps are the users'.
func (c *Controller) ConfigMapHandler() client.Handler {
	look := func(obj api.Object) {
		if m := obj.GetObjectMeta(); m.Name == api.RootCAConfigMapName {
			c.queue.Add(m.Namespace)
		}
	}
	return client.Handler{OnUpdate: func(_, obj api.Object) { look(obj) }, OnDelete: look}
}
