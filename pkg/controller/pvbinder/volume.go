package pvbinder

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Event reasons of reclaiming, Kubernetes'.
const (
	reasonVolumeFailedDelete         = "VolumeFailedDelete"
	reasonVolumeUnknownReclaimPolicy = "VolumeUnknownReclaimPolicy"
)

// syncVolume is Kubernetes' syncVolume: a volume with no claim is
// Available; one whose claim points back is Bound; one whose claim is
// gone is Released and reclaimed. A volume being deleted goes through the
// same steps but is not reclaimed again, and loses its protection once it
// is no longer Bound.
func (c *Controller) syncVolume(ctx context.Context, name string) error {
	obj, ok := c.volumes.Get(name)
	if !ok {
		return nil
	}
	pv := obj.(*api.PersistentVolume)
	pv, err := c.syncVolumePhase(ctx, pv)
	if err != nil || pv == nil || pv.DeletionTimestamp == nil {
		return err
	}
	return c.releaseVolumeFinalizer(ctx, pv) // protection.go
}

// syncVolumePhase returns the volume as written, or nil if it deleted it.
func (c *Controller) syncVolumePhase(ctx context.Context, pv *api.PersistentVolume) (*api.PersistentVolume, error) {
	ref := pv.Spec.ClaimRef
	if ref == nil || ref.UID == "" {
		// Free, or pre-bound by a user to a claim that may not exist yet.
		return c.setVolumePhase(ctx, pv, api.VolumeAvailable)
	}
	var claim *api.PersistentVolumeClaim
	if obj, ok := c.claims.Get(ref.Namespace + "/" + ref.Name); ok && obj.GetObjectMeta().UID == ref.UID {
		claim = obj.(*api.PersistentVolumeClaim)
	}
	switch {
	case claim == nil:
		// Deleted, or deleted and made again (another uid). Kubernetes
		// asks the apiserver before believing its cache here, for volumes
		// an external provisioner made before the claim reached that
		// cache; kubelab's provisioner reads this same cache.
		return c.reclaim(ctx, pv)
	case claim.Spec.VolumeName == "":
		// Binding half done: the claim's sync finishes it.
		c.queue.Add(client.KeyOf(claim))
		return pv, nil
	case claim.Spec.VolumeName == pv.Name:
		return c.setVolumePhase(ctx, pv, api.VolumeBound)
	default:
		// The claim went to another volume: let this one go.
		return c.unbindVolume(ctx, pv)
	}
}

// reclaim marks a volume whose claim is gone Released, then follows its
// reclaim policy: Retain keeps it for an administrator, Delete deletes it.
func (c *Controller) reclaim(ctx context.Context, pv *api.PersistentVolume) (*api.PersistentVolume, error) {
	if pv.Status.Phase != api.VolumeReleased && pv.Status.Phase != api.VolumeFailed {
		var err error
		if pv, err = c.setVolumePhase(ctx, pv, api.VolumeReleased); err != nil {
			return nil, err
		}
		c.log.Info("volume released", zap.String("volume", pv.Name), zap.String("reclaimPolicy", pv.Spec.PersistentVolumeReclaimPolicy))
	}
	if pv.DeletionTimestamp != nil {
		return pv, nil // going already
	}
	switch pv.Spec.PersistentVolumeReclaimPolicy {
	case api.ReclaimRetain:
		return pv, nil
	case api.ReclaimDelete:
		err := c.w.Delete(ctx, volumesResource, "", pv.Name, nil)
		if client.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			c.rec.Event(pv, api.EventWarning, reasonVolumeFailedDelete, err.Error())
			return nil, fmt.Errorf("delete released volume %s: %w", pv.Name, err)
		}
		return nil, nil
	default:
		// Validation refuses Recycle; an older object could carry it.
		c.rec.Event(pv, api.EventWarning, reasonVolumeUnknownReclaimPolicy, "Volume has unrecognized PersistentVolumeReclaimPolicy")
		return c.setVolumePhase(ctx, pv, api.VolumeFailed)
	}
}

// unbindVolume undoes a binding: a claimRef the controller wrote goes, a
// user's pre-binding keeps its name but loses the uid, and the volume is
// Available again.
func (c *Controller) unbindVolume(ctx context.Context, pv *api.PersistentVolume) (*api.PersistentVolume, error) {
	next := api.DeepCopy(pv)
	if next.Annotations[api.BoundByControllerAnnotation] != "" {
		next.Spec.ClaimRef = nil
		delete(next.Annotations, api.BoundByControllerAnnotation)
	} else {
		next.Spec.ClaimRef.UID = ""
	}
	out, err := c.w.Update(ctx, next)
	if err != nil {
		return nil, fmt.Errorf("unbind volume %s: %w", pv.Name, err)
	}
	return c.setVolumePhase(ctx, out.(*api.PersistentVolume), api.VolumeAvailable)
}
