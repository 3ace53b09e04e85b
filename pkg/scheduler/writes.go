package scheduler

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Binder places a pod on a node: POST pods/{name}/binding. The apiserver
// answers 409 Conflict if the pod is bound already. annotations, if any,
// are set on the pod in the same write (the scheduling decision).
type Binder interface {
	Bind(ctx context.Context, pod *api.Pod, node string, annotations map[string]string) error
}

// Patcher changes part of a pod with a merge patch; subresource is "" for
// the pod itself (annotations) or "status" (conditions).
type Patcher interface {
	Patch(ctx context.Context, namespace, name, subresource string, mergePatch []byte) error
}

// REST is the Binder, Patcher and ClaimPatcher that talk to the apiserver.
type REST struct {
	pods   *client.ResourceClient
	claims *client.ResourceClient
}

var (
	_ Binder       = (*REST)(nil)
	_ Patcher      = (*REST)(nil)
	_ ClaimPatcher = (*REST)(nil)
)

// NewREST returns a REST writer through c.
func NewREST(c *client.Client) *REST {
	pods, _ := api.Lookup("pods")
	claims, _ := api.Lookup("persistentvolumeclaims")
	return &REST{pods: c.Resource(pods), claims: c.Resource(claims)}
}

// Bind posts a Binding. It carries the pod's UID, so that a pod deleted
// and made again under the same name is not bound by mistake.
func (r *REST) Bind(ctx context.Context, pod *api.Pod, node string, annotations map[string]string) error {
	b := &api.Binding{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Binding"},
		ObjectMeta: api.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID, Annotations: annotations},
		Target:     api.ObjectReference{Kind: "Node", Name: node},
	}
	return r.pods.Namespace(pod.Namespace).Subresource(ctx, http.MethodPost, pod.Name, "binding", b, nil)
}

// Patch sends a merge patch and ignores the object in the answer.
func (r *REST) Patch(ctx context.Context, namespace, name, subresource string, mergePatch []byte) error {
	_, err := r.pods.Namespace(namespace).Raw(ctx, http.MethodPatch, name, subresource, nil, mergePatch, client.MergePatch)
	return err
}

// PatchClaim sends a merge patch to a PersistentVolumeClaim.
func (r *REST) PatchClaim(ctx context.Context, namespace, name string, mergePatch []byte) error {
	_, err := r.claims.Namespace(namespace).Raw(ctx, http.MethodPatch, name, "", nil, mergePatch, client.MergePatch)
	return err
}

// Fake is a Binder, Patcher and ClaimPatcher that records what it is
// asked to do, for tests: "bind ns/pod node", "patch ns/pod {…}",
// "patch ns/pod/status {…}", "patch pvc ns/claim {…}".
// A bind of a pod whose key is in FailBind fails with that error.
type Fake struct {
	mu       sync.Mutex
	Actions  []string
	Bound    map[string]string // pod key → node, for the binds that succeeded
	FailBind map[string]error
}

var (
	_ Binder       = (*Fake)(nil)
	_ Patcher      = (*Fake)(nil)
	_ ClaimPatcher = (*Fake)(nil)
)

// Bind records a binding.
func (f *Fake) Bind(_ context.Context, pod *api.Pod, node string, annotations map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := client.KeyOf(pod)
	action := fmt.Sprintf("bind %s %s", key, node)
	if a := annotations[DecisionAnnotation]; a != "" {
		action += " " + a
	}
	f.Actions = append(f.Actions, action)
	if err := f.FailBind[key]; err != nil {
		return err
	}
	if f.Bound == nil {
		f.Bound = map[string]string{}
	}
	f.Bound[key] = node
	return nil
}

// Patch records a patch.
func (f *Fake) Patch(_ context.Context, namespace, name, subresource string, mergePatch []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	target := namespace + "/" + name
	if subresource != "" {
		target += "/" + subresource
	}
	f.Actions = append(f.Actions, fmt.Sprintf("patch %s %s", target, mergePatch))
	return nil
}

// PatchClaim records a patch of a claim.
func (f *Fake) PatchClaim(_ context.Context, namespace, name string, mergePatch []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Actions = append(f.Actions, fmt.Sprintf("patch pvc %s/%s %s", namespace, name, mergePatch))
	return nil
}

// Recorded returns a copy of the actions so far.
func (f *Fake) Recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.Actions...)
}

// PerNode counts the successful binds per node.
func (f *Fake) PerNode() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for _, node := range f.Bound {
		out[node]++
	}
	return out
}
