package daemonset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// HashLabel is the label on every daemon pod naming the version of the
// template it was made from; a pod whose value differs from the current
// template's is out of date and is replaced by the rolling update.
const HashLabel = "controller-revision-hash"

// templateHash is a short digest of the pod template. Kubernetes keeps each
// version in a ControllerRevision object and labels pods with its hash
// (pkg/controller/history); kubelab keeps only the hash.
func templateHash(t *api.PodTemplateSpec) string {
	b, err := json.Marshal(t)
	if err != nil {
		panic(err) // API types always marshal
	}
	h := fnv.New32a()
	h.Write(b)
	return fmt.Sprintf("%08x", h.Sum32())
}

// podTemplate is the pod a DaemonSet makes, not yet bound to a node: the
// template with the hash label, the daemon tolerations and the controller
// reference. Its spec is also what eligibility is decided on.
func podTemplate(ds *api.DaemonSet, hash string) *api.Pod {
	t := &ds.Spec.Template
	pod := api.DeepCopy(&api.Pod{ // the template's maps and slices belong to the cache
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{
			GenerateName:    ds.Name + "-",
			Namespace:       ds.Namespace,
			Labels:          t.Labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []api.OwnerReference{controllerRef(ds)},
		},
		Spec: t.Spec,
	})
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[HashLabel] = hash
	pod.Spec.Tolerations = withDaemonTolerations(pod.Spec.Tolerations, pod.Spec.HostNetwork)
	return pod
}

// podFor binds a copy of the template pod to node: no scheduler involved.
func podFor(template *api.Pod, node string) *api.Pod {
	pod := api.DeepCopy(template)
	pod.Spec.NodeName = node
	pod.Spec.Affinity = pinnedTo(pod.Spec.Affinity, node)
	return pod
}

func controllerRef(ds *api.DaemonSet) api.OwnerReference {
	return api.OwnerReference{APIVersion: "apps/v1", Kind: "DaemonSet", Name: ds.Name, UID: ds.UID,
		Controller: api.Bool(true), BlockOwnerDeletion: api.Bool(true)}
}

// claimPods returns the pods ds controls whose labels it selects, adopting
// matching orphans and releasing its pods that no longer match, with
// strategic merge patches of metadata.ownerReferences (the same rules as
// the replicaset package; Kubernetes: ClaimPods in
// pkg/controller/controller_ref_manager.go). A DaemonSet being deleted
// adopts and releases nothing.
func (c *Controller) claimPods(ctx context.Context, ds *api.DaemonSet, sel api.Selector) ([]*api.Pod, error) {
	deleting := ds.DeletionTimestamp != nil
	var out []*api.Pod
	var errs []error
	for _, obj := range c.pods.ByIndex(controller.IndexNamespace, ds.Namespace) {
		pod := obj.(*api.Pod)
		matches := sel.Matches(pod.Labels)
		ref := api.ControllerRef(&pod.ObjectMeta)
		switch {
		case ref != nil && ref.UID != ds.UID:
			// Another controller's pod.
		case ref != nil && matches:
			out = append(out, pod)
		case ref != nil && !deleting:
			errs = append(errs, c.patchPod(ctx, pod, releasePatch(ds.UID, pod.UID)))
		case ref == nil && matches && !deleting && pod.DeletionTimestamp == nil:
			err := c.patchPod(ctx, pod, adoptPatch(controllerRef(ds), pod.UID))
			if err == nil {
				out = append(out, pod)
			}
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// patchPod applies a strategic merge patch; a pod gone or replaced (its
// uid no longer matches the patch's) is not an error.
func (c *Controller) patchPod(ctx context.Context, pod *api.Pod, patch []byte) error {
	_, err := c.w.Patch(ctx, podsResource, pod.Namespace, pod.Name, client.StrategicMergePatch, patch)
	if err == nil || client.IsNotFound(err) || client.IsInvalid(err) {
		return nil
	}
	return fmt.Errorf("patch owner of pod %s: %w", client.KeyOf(pod), err)
}

// adoptPatch adds ref to a pod's ownerReferences (merged by uid); the
// pod's uid makes it apply to this very pod only.
func adoptPatch(ref api.OwnerReference, podUID string) []byte {
	return mustJSON(map[string]any{"metadata": map[string]any{
		"ownerReferences": []api.OwnerReference{ref},
		"uid":             podUID,
	}})
}

// releasePatch removes the owner reference with ownerUID from a pod.
func releasePatch(ownerUID, podUID string) []byte {
	return mustJSON(map[string]any{"metadata": map[string]any{
		"ownerReferences": []map[string]string{{"$patch": "delete", "uid": ownerUID}},
		"uid":             podUID,
	}})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// isAvailable reports whether pod has been Ready for minReady, and if it
// is ready but not yet available, how long until it is.
func isAvailable(pod *api.Pod, minReady time.Duration, now time.Time) (ok bool, wait time.Duration) {
	for _, c := range pod.Status.Conditions {
		if c.Type != api.PodReady || c.Status != api.ConditionTrue {
			continue
		}
		since := c.LastTransitionTime.Time
		switch wait := since.Add(minReady).Sub(now); {
		case minReady == 0 || (!since.IsZero() && wait <= 0):
			return true, 0
		case since.IsZero():
			return false, 0 // ready since we don't know when: not available, as in Kubernetes
		default:
			return false, wait
		}
	}
	return false, 0
}

func isReady(pod *api.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == api.PodReady {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}
