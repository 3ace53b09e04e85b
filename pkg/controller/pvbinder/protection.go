package pvbinder

import (
	"context"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

// The protection finalizers (Kubernetes' pvc-protection and
// pv-protection controllers): the apiserver puts them on every claim and
// volume; deleting one then only marks it, and the finalizer comes off
// here once nothing depends on it. Without them, deleting a claim under a
// running database would release, and with policy Delete destroy, its
// volume while the database still writes to it.

// releaseClaimFinalizer lets a claim being deleted go once no pod that
// may still run uses it. The pod handler queues the claim again when such
// a pod terminates or goes.
func (c *Controller) releaseClaimFinalizer(ctx context.Context, claim *api.PersistentVolumeClaim) error {
	if !slices.Contains(claim.Finalizers, api.PVCProtectionFinalizer) {
		return nil
	}
	if pod := c.podUsing(claim); pod != nil {
		c.log.Debug("claim in use", zap.String("claim", claim.Namespace+"/"+claim.Name), zap.String("pod", pod.Name))
		return nil
	}
	next := api.DeepCopy(claim)
	next.Finalizers = slices.DeleteFunc(next.Finalizers, func(f string) bool { return f == api.PVCProtectionFinalizer })
	if _, err := c.w.Update(ctx, next); err != nil {
		return fmt.Errorf("remove %s from claim %s/%s: %w", api.PVCProtectionFinalizer, claim.Namespace, claim.Name, err)
	}
	return nil
}

// releaseVolumeFinalizer lets a volume being deleted go once it is not
// Bound: its claim has gone first.
func (c *Controller) releaseVolumeFinalizer(ctx context.Context, pv *api.PersistentVolume) error {
	if !slices.Contains(pv.Finalizers, api.PVProtectionFinalizer) || pv.Status.Phase == api.VolumeBound {
		return nil
	}
	next := api.DeepCopy(pv)
	next.Finalizers = slices.DeleteFunc(next.Finalizers, func(f string) bool { return f == api.PVProtectionFinalizer })
	if _, err := c.w.Update(ctx, next); err != nil {
		return fmt.Errorf("remove %s from volume %s: %w", api.PVProtectionFinalizer, pv.Name, err)
	}
	return nil
}

// podUsing returns a pod of the claim's namespace that mounts the claim
// and has not terminated, or nil. Kubernetes' controller asks the
// apiserver too before it lets a claim go, for a pod created a moment ago
// that its cache has not seen; kubelab trusts its cache.
func (c *Controller) podUsing(claim *api.PersistentVolumeClaim) *api.Pod {
	for _, obj := range c.pods.ByIndex(controller.IndexNamespace, claim.Namespace) {
		pod := obj.(*api.Pod)
		if !podIsShutDown(pod) && usesClaim(pod, claim.Name) {
			return pod
		}
	}
	return nil
}

// podIsShutDown reports whether a pod will never run again. A pod being
// deleted may still be running until its kubelet has stopped it.
func podIsShutDown(pod *api.Pod) bool {
	return pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed
}

// claimNames are the claims a pod's volumes name.
func claimNames(pod *api.Pod) []string {
	var names []string
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			names = append(names, v.PersistentVolumeClaim.ClaimName)
		}
	}
	return names
}

func usesClaim(pod *api.Pod, claim string) bool { return slices.Contains(claimNames(pod), claim) }
