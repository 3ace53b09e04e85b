package replicaset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Which pods belong to an owner? Labels say which pods it wants; the
// controller owner reference says which pods it has. claimPods makes the
// two agree:
//
//	controller ref    selector matches   →
//	this owner        yes                  ours
//	this owner        no                   release: patch our reference away
//	none              yes                  adopt: patch our reference on
//	another owner     either               not ours, whatever the labels
//
// The owner reference, not the labels, is what the garbage collector
// follows, and what stops two owners with overlapping selectors from
// fighting over one pod.

// claimPods returns the pods o controls whose labels it selects, adopting
// and releasing on the way (Kubernetes: ClaimPods in
// pkg/controller/controller_ref_manager.go). An owner being deleted
// adopts and releases nothing.
func (c *Controller) claimPods(ctx context.Context, o *owner) ([]*api.Pod, error) {
	deleting := o.meta.DeletionTimestamp != nil
	var out []*api.Pod
	var errs []error
	for _, obj := range c.pods.ByIndex(controller.IndexNamespace, o.meta.Namespace) {
		pod := obj.(*api.Pod)
		matches := o.selector.Matches(pod.Labels)
		ref := api.ControllerRef(&pod.ObjectMeta)
		switch {
		case ref != nil && ref.UID != o.meta.UID:
			// Another controller's pod.
		case ref != nil && matches:
			out = append(out, pod)
		case ref != nil && !deleting:
			errs = append(errs, c.patchPod(ctx, pod, releasePatch(o.meta.UID, pod.UID)))
		case ref == nil && matches && !deleting && pod.DeletionTimestamp == nil:
			// Kubernetes first re-reads the owner from the apiserver, to be sure
			// it is not being deleted (RecheckDeletionTimestamp).
			err := c.patchPod(ctx, pod, adoptPatch(o.controllerRef(), pod.UID))
			if err == nil {
				out = append(out, pod)
			}
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// patchPod applies a strategic merge patch to pod. A pod that is gone, or
// was replaced by another of the same name (the uid in the patch no longer
// matches, so the apiserver refuses it as Invalid), is no longer ours to
// claim: that is not an error.
func (c *Controller) patchPod(ctx context.Context, pod *api.Pod, patch []byte) error {
	_, err := c.w.Patch(ctx, podsResource, pod.Namespace, pod.Name, client.StrategicMergePatch, patch)
	if err == nil || client.IsNotFound(err) || client.IsInvalid(err) {
		return nil
	}
	return fmt.Errorf("patch owner of pod %s: %w", client.KeyOf(pod), err)
}

// adoptPatch adds ref to a pod's ownerReferences: a strategic merge patch
// merges that list by uid, so other owners stay. The pod's own uid makes
// the patch apply to this very pod only (uid is immutable).
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
		panic(err) // maps of strings always marshal
	}
	return b
}
