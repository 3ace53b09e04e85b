package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Which pods belong to an owner (a ReplicaSet, a DaemonSet)? Labels say
// which pods it wants; the controller owner reference says which pods it
// has. ClaimPods makes the two agree:
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

var podsResource = Resource("pods")

// NewControllerRef returns the owner reference an owner's pods carry: it
// names owner as their controller, and a foreground deletion of the owner
// waits for them.
func NewControllerRef(owner *api.ObjectMeta, apiVersion, kind string) api.OwnerReference {
	return api.OwnerReference{
		APIVersion:         apiVersion,
		Kind:               kind,
		Name:               owner.Name,
		UID:                owner.UID,
		Controller:         api.Bool(true),
		BlockOwnerDeletion: api.Bool(true),
	}
}

// ClaimPods returns the pods of owner's namespace that owner controls and
// sel selects, adopting matching orphans (with ref, owner's controller
// reference) and releasing owner's pods sel no longer selects, through w
// (Kubernetes: ClaimPods in pkg/controller/controller_ref_manager.go).
// An owner being deleted adopts and releases nothing. pods needs the
// IndexNamespace index.
func ClaimPods(ctx context.Context, w Writer, pods Lister, owner *api.ObjectMeta, ref api.OwnerReference, sel api.Selector) ([]*api.Pod, error) {
	deleting := owner.DeletionTimestamp != nil
	var out []*api.Pod
	var errs []error
	for _, obj := range pods.ByIndex(IndexNamespace, owner.Namespace) {
		pod := obj.(*api.Pod)
		matches := sel.Matches(pod.Labels)
		podRef := api.ControllerRef(&pod.ObjectMeta)
		switch {
		case podRef != nil && podRef.UID != owner.UID:
			// Another controller's pod.
		case podRef != nil && matches:
			out = append(out, pod)
		case podRef != nil && !deleting:
			errs = append(errs, patchPod(ctx, w, pod, releasePatch(owner.UID, pod.UID)))
		case podRef == nil && matches && !deleting && pod.DeletionTimestamp == nil:
			// Kubernetes first re-reads the owner from the apiserver, to be sure
			// it is not being deleted (RecheckDeletionTimestamp).
			err := patchPod(ctx, w, pod, adoptPatch(ref, pod.UID))
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
func patchPod(ctx context.Context, w Writer, pod *api.Pod, patch []byte) error {
	_, err := w.Patch(ctx, podsResource, pod.Namespace, pod.Name, client.StrategicMergePatch, patch)
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
		panic(err) // maps of strings and owner references always marshal
	}
	return b
}

// IsOrphan reports a pod no controller claims. Only orphans are adopted:
// a pod whose controller is gone waits for the garbage collector.
func IsOrphan(pod *api.Pod) bool { return api.ControllerRef(&pod.ObjectMeta) == nil }
