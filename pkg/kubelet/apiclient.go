package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// clientAPI is podAPI and nodeAPI over the REST client.
type clientAPI struct{ c *client.Client }

var (
	_ podAPI    = clientAPI{}
	_ nodeAPI   = clientAPI{}
	_ volumeAPI = clientAPI{}
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

func (a clientAPI) GetConfigMap(ctx context.Context, namespace, name string) (*api.ConfigMap, error) {
	obj, err := a.resource("configmaps").Namespace(namespace).Get(ctx, name)
	if err != nil {
		return nil, err
	}
	return obj.(*api.ConfigMap), nil
}

func (a clientAPI) GetSecret(ctx context.Context, namespace, name string) (*api.Secret, error) {
	obj, err := a.resource("secrets").Namespace(namespace).Get(ctx, name)
	if err != nil {
		return nil, err
	}
	return obj.(*api.Secret), nil
}

// CreateToken asks for a token of a ServiceAccount. TokenRequest is a
// subresource's body, not a stored kind, so it goes as plain JSON.
func (a clientAPI) CreateToken(ctx context.Context, namespace, serviceAccount string, req *api.TokenRequest) (*api.TokenRequest, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	path := "/api/v1/namespaces/" + url.PathEscape(namespace) + "/serviceaccounts/" + url.PathEscape(serviceAccount) + "/token"
	b, err := a.c.Do(ctx, http.MethodPost, path, body, "application/json")
	if err != nil {
		return nil, err
	}
	var out api.TokenRequest
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("POST %s: the answer is not a TokenRequest: %w", path, err)
	}
	return &out, nil
}
