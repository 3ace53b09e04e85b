package controller

import (
	"context"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Lister reads objects from a cache. Objects are shared with the cache:
// copy (api.DeepCopy) before changing one.
type Lister interface {
	Get(key string) (api.Object, bool)
	List() []api.Object
	ByIndex(index, value string) []api.Object
}

var _ Lister = (*client.Informer)(nil)

// Writer is every write a reconciler makes.
type Writer interface {
	Create(ctx context.Context, obj api.Object) (api.Object, error)
	Update(ctx context.Context, obj api.Object) (api.Object, error)
	UpdateStatus(ctx context.Context, obj api.Object) (api.Object, error)
	Patch(ctx context.Context, res api.Resource, namespace, name, patchType string, data []byte) (api.Object, error)
	Delete(ctx context.Context, res api.Resource, namespace, name string, opts *api.DeleteOptions) error
}

// EventRecorder reports what a reconciler did, as Events on the object.
type EventRecorder interface {
	Event(obj api.Object, eventType, reason, message string)
	Eventf(obj api.Object, eventType, reason, format string, args ...any)
}

var _ EventRecorder = (*client.Recorder)(nil)

// NewWriter returns a Writer that goes through the REST client.
func NewWriter(c *client.Client) Writer { return clientWriter{c} }

type clientWriter struct{ c *client.Client }

func (w clientWriter) Create(ctx context.Context, obj api.Object) (api.Object, error) {
	return w.c.For(obj).Create(ctx, obj)
}

func (w clientWriter) Update(ctx context.Context, obj api.Object) (api.Object, error) {
	return w.c.For(obj).Update(ctx, obj)
}

func (w clientWriter) UpdateStatus(ctx context.Context, obj api.Object) (api.Object, error) {
	return w.c.For(obj).UpdateStatus(ctx, obj)
}

func (w clientWriter) Patch(ctx context.Context, res api.Resource, namespace, name, patchType string, data []byte) (api.Object, error) {
	return w.c.Resource(res).Namespace(namespace).Patch(ctx, name, patchType, data, "")
}

func (w clientWriter) Delete(ctx context.Context, res api.Resource, namespace, name string, opts *api.DeleteOptions) error {
	return w.c.Resource(res).Namespace(namespace).Delete(ctx, name, opts)
}

// Resource returns the registered resource of a name such as "pods"; it
// panics on a name that is not registered (a programming error).
func Resource(name string) api.Resource {
	r, ok := api.Lookup(name)
	if !ok {
		panic("controller: unknown resource " + name)
	}
	return r
}

// Common index names and functions for informers of pods.
const (
	// IndexNode indexes pods by spec.nodeName.
	IndexNode = "node"
	// IndexNamespace indexes objects by namespace.
	IndexNamespace = "namespace"
	// IndexOwner indexes objects by the UID of each owner reference.
	IndexOwner = "owner"
)

// NodeIndex keys a pod by the node it is bound to ("" when unbound).
func NodeIndex(obj api.Object) []string {
	if pod, ok := obj.(*api.Pod); ok {
		return []string{pod.Spec.NodeName}
	}
	return nil
}

// NamespaceIndex keys an object by its namespace.
func NamespaceIndex(obj api.Object) []string {
	return []string{obj.GetObjectMeta().Namespace}
}

// OwnerIndex keys an object by the UIDs of its owners.
func OwnerIndex(obj api.Object) []string {
	var out []string
	for _, ref := range obj.GetObjectMeta().OwnerReferences {
		out = append(out, ref.UID)
	}
	return out
}
