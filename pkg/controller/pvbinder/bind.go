package pvbinder

import (
	"context"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

// bind makes pv and claim point at each other, Kubernetes' bind: the
// volume first, so that a crash after any write leaves a volume that
// names the claim, which the next sync of either finds and finishes
// binding (package doc). Each write is skipped when it was made already.
func (c *Controller) bind(ctx context.Context, pv *api.PersistentVolume, claim *api.PersistentVolumeClaim) error {
	pv, err := c.bindVolume(ctx, pv, claim)
	if err != nil {
		return err
	}
	if pv, err = c.setVolumePhase(ctx, pv, api.VolumeBound); err != nil {
		return err
	}
	if claim, err = c.bindClaim(ctx, claim, pv); err != nil {
		return err
	}
	if err := c.setClaimBound(ctx, claim, pv); err != nil {
		return err
	}
	c.log.Debug("bound", zap.String("claim", claim.Namespace+"/"+claim.Name), zap.String("volume", pv.Name))
	return nil
}

// bindVolume sets the volume's claimRef to the claim, uid included. A
// claimRef the controller wrote itself (not a user's pre-binding) is
// marked bound-by-controller, so that it may be undone.
func (c *Controller) bindVolume(ctx context.Context, pv *api.PersistentVolume, claim *api.PersistentVolumeClaim) (*api.PersistentVolume, error) {
	if ref := pv.Spec.ClaimRef; ref != nil && ref.UID == claim.UID && boundToClaim(pv, claim) {
		return pv, nil
	}
	next := api.DeepCopy(pv)
	if next.Spec.ClaimRef == nil {
		setAnnotation(&next.ObjectMeta, api.BoundByControllerAnnotation)
	}
	next.Spec.ClaimRef = &api.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1",
		Namespace: claim.Namespace, Name: claim.Name, UID: claim.UID, ResourceVersion: claim.ResourceVersion}
	out, err := c.w.Update(ctx, next)
	if err != nil {
		return nil, fmt.Errorf("bind volume %s to claim %s/%s: %w", pv.Name, claim.Namespace, claim.Name, err)
	}
	return out.(*api.PersistentVolume), nil
}

// bindClaim sets the claim's volumeName and bind-completed.
func (c *Controller) bindClaim(ctx context.Context, claim *api.PersistentVolumeClaim, pv *api.PersistentVolume) (*api.PersistentVolumeClaim, error) {
	if claim.Spec.VolumeName == pv.Name && claim.Annotations[api.BindCompletedAnnotation] != "" {
		return claim, nil
	}
	next := api.DeepCopy(claim)
	if next.Spec.VolumeName == "" {
		setAnnotation(&next.ObjectMeta, api.BoundByControllerAnnotation)
	}
	next.Spec.VolumeName = pv.Name
	setAnnotation(&next.ObjectMeta, api.BindCompletedAnnotation)
	out, err := c.w.Update(ctx, next)
	if err != nil {
		return nil, fmt.Errorf("bind claim %s/%s to volume %s: %w", claim.Namespace, claim.Name, pv.Name, err)
	}
	return out.(*api.PersistentVolumeClaim), nil
}

// setClaimBound reports in the claim's status what it got: the volume's
// capacity and access modes.
func (c *Controller) setClaimBound(ctx context.Context, claim *api.PersistentVolumeClaim, pv *api.PersistentVolume) error {
	st := claim.Status
	if st.Phase == api.ClaimBound && slices.Equal(st.AccessModes, pv.Spec.AccessModes) && st.Capacity[api.ResourceStorage].Cmp(capacity(pv)) == 0 {
		return nil
	}
	next := api.DeepCopy(claim)
	next.Status.Phase = api.ClaimBound
	next.Status.AccessModes = slices.Clone(pv.Spec.AccessModes)
	next.Status.Capacity = api.ResourceList{api.ResourceStorage: capacity(pv)}
	if _, err := c.w.UpdateStatus(ctx, next); err != nil {
		return fmt.Errorf("set claim %s/%s Bound: %w", claim.Namespace, claim.Name, err)
	}
	return nil
}

// setVolumePhase writes the volume's phase if it differs, with the time
// of the change, as Kubernetes' lastPhaseTransitionTime.
func (c *Controller) setVolumePhase(ctx context.Context, pv *api.PersistentVolume, phase string) (*api.PersistentVolume, error) {
	if pv.Status.Phase == phase {
		return pv, nil
	}
	next := api.DeepCopy(pv)
	now := api.Now()
	next.Status = api.PersistentVolumeStatus{Phase: phase, LastPhaseTransitionTime: &now}
	out, err := c.w.UpdateStatus(ctx, next)
	if err != nil {
		return nil, fmt.Errorf("set volume %s %s: %w", pv.Name, phase, err)
	}
	return out.(*api.PersistentVolume), nil
}

// setAnnotation sets one of the binding annotations, whose value is "yes".
func setAnnotation(m *api.ObjectMeta, key string) {
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[key] = "yes"
}
