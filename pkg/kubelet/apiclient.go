package kubelet

import (
	"context"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// clientAPI is podAPI and nodeAPI over the REST client.
type clientAPI struct{ c *client.Client }

var (
	_ podAPI  = clientAPI{}
	_ nodeAPI = clientAPI{}
)

func (a clientAPI) resource(name string) *client.ResourceClient {
	r, _ := api.Lookup(name)
	return a.c.Resource(r)
}

func (a clientAPI) UpdatePodStatus(ctx context.Context, pod *api.Pod) (*api.Pod, error) {
	obj, err := a.resource("pods").Namespace(pod.Namespace).UpdateStatus(ctx, pod)
	if err != nil {
		return nil, err
	}
	return obj.(*api.Pod), nil
}

func (a clientAPI) DeletePod(ctx context.Context, namespace, name string, opts *api.DeleteOptions) error {
	return a.resource("pods").Namespace(namespace).Delete(ctx, name, opts)
}

func (a clientAPI) GetNode(ctx context.Context, name string) (*api.Node, error) {
	return asNode(a.resource("nodes").Get(ctx, name))
}

func (a clientAPI) CreateNode(ctx context.Context, node *api.Node) (*api.Node, error) {
	return asNode(a.resource("nodes").Create(ctx, node))
}

func (a clientAPI) UpdateNode(ctx context.Context, node *api.Node) (*api.Node, error) {
	return asNode(a.resource("nodes").Update(ctx, node))
}

func (a clientAPI) UpdateNodeStatus(ctx context.Context, node *api.Node) (*api.Node, error) {
	return asNode(a.resource("nodes").UpdateStatus(ctx, node))
}

func asNode(obj api.Object, err error) (*api.Node, error) {
	if err != nil {
		return nil, err
	}
	return obj.(*api.Node), nil
}
