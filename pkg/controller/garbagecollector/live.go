package garbagecollector

import (
	"context"
	"net/http"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// LiveClient is what the collector asks the apiserver itself, past the
// caches and the Writer: a read that confirms an owner is really gone, a
// list of a kind no cache holds, and the finalize call that lets a
// namespace go.
type LiveClient interface {
	Get(ctx context.Context, res api.Resource, namespace, name string) (api.Object, error)
	List(ctx context.Context, res api.Resource, namespace string) ([]api.Object, error)
	// FinalizeNamespace sets the namespace's spec.finalizers, through
	// PUT /api/v1/namespaces/{name}/finalize.
	FinalizeNamespace(ctx context.Context, name string, finalizers []string) error
}

// NewLiveClient returns a LiveClient that goes through the REST client.
func NewLiveClient(c *client.Client) LiveClient { return restLive{c} }

type restLive struct{ c *client.Client }

var _ LiveClient = restLive{}

func (r restLive) Get(ctx context.Context, res api.Resource, namespace, name string) (api.Object, error) {
	return r.c.Resource(res).Namespace(namespace).Get(ctx, name)
}

func (r restLive) List(ctx context.Context, res api.Resource, namespace string) ([]api.Object, error) {
	objs, _, err := r.c.Resource(res).Namespace(namespace).List(ctx, client.ListOptions{})
	return objs, err
}

func (r restLive) FinalizeNamespace(ctx context.Context, name string, finalizers []string) error {
	ns := &api.Namespace{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec:       api.NamespaceSpec{Finalizers: finalizers},
	}
	return r.c.Resource(controller.Resource("namespaces")).Subresource(ctx, http.MethodPut, name, "finalize", ns, nil)
}
