package pvbinder

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

// Event reasons, Kubernetes' (pkg/controller/volume/events).
const (
	reasonFailedBinding        = "FailedBinding"
	reasonWaitForFirstConsumer = "WaitForFirstConsumer"
	reasonExternalProvisioning = "ExternalProvisioning"
	reasonProvisioningFailed   = "ProvisioningFailed"
	reasonVolumeMismatch       = "VolumeMismatch"
	reasonClaimLost            = "ClaimLost"
	reasonClaimMisbound        = "ClaimMisbound"
)

// syncClaim is Kubernetes' syncClaim: a claim not bound yet looks for its
// volume, a bound one checks that its volume is still there and still
// its own.
func (c *Controller) syncClaim(ctx context.Context, key string) error {
	obj, ok := c.claims.Get(key)
	if !ok {
		return nil // deleted: its volume's sync releases the volume
	}
	claim := obj.(*api.PersistentVolumeClaim)
	if claim.DeletionTimestamp != nil {
		return c.releaseClaimFinalizer(ctx, claim) // protection.go
	}
	if claim.Annotations[api.BindCompletedAnnotation] == "" {
		return c.syncUnboundClaim(ctx, claim)
	}
	return c.syncBoundClaim(ctx, claim)
}

// syncUnboundClaim binds a claim that names no volume to the best match,
// and one that names a volume (pre-bound by its author) to that volume
// if it fits and is free.
func (c *Controller) syncUnboundClaim(ctx context.Context, claim *api.PersistentVolumeClaim) error {
	if claim.Spec.VolumeName == "" {
		return c.findVolume(ctx, claim)
	}
	obj, ok := c.volumes.Get(claim.Spec.VolumeName)
	if !ok {
		return c.setClaimPhase(ctx, claim, api.ClaimPending) // the volume may be created later
	}
	pv := obj.(*api.PersistentVolume)
	switch {
	case pv.Spec.ClaimRef == nil:
		if why := unsatisfied(pv, claim); why != "" {
			c.rec.Eventf(claim, api.EventWarning, reasonVolumeMismatch, "Cannot bind to requested volume %q: %s", pv.Name, why)
			return c.setClaimPhase(ctx, claim, api.ClaimPending)
		}
		return c.bind(ctx, pv, claim) // bind.go
	case boundToClaim(pv, claim):
		return c.bind(ctx, pv, claim)
	default:
		c.rec.Eventf(claim, api.EventWarning, reasonFailedBinding, "volume %q already bound to a different claim.", pv.Name)
		return c.setClaimPhase(ctx, claim, api.ClaimPending)
	}
}

// findVolume binds the claim to the best volume there is, or says what it
// waits for: its first pod, a provisioner, or an administrator.
func (c *Controller) findVolume(ctx context.Context, claim *api.PersistentVolumeClaim) error {
	class := c.class(claimClass(claim))
	var node *api.Node
	delayed := class != nil && class.VolumeBindingMode != nil && *class.VolumeBindingMode == api.VolumeBindingWaitForFirstConsumer
	if name := claim.Annotations[api.SelectedNodeAnnotation]; delayed && name != "" {
		node = c.node(name)
	}
	pv := findBestMatch(claim, c.volumes.List(), node) // match.go
	if delayed && node == nil && pv != nil && !boundToClaim(pv, claim) {
		pv = nil // before its pod is scheduled, only a volume meant for it
	}
	if pv != nil {
		return c.bind(ctx, pv, claim)
	}
	if err := c.wait(ctx, claim, class, delayed && node == nil); err != nil { // pending.go
		return err
	}
	return c.setClaimPhase(ctx, claim, api.ClaimPending)
}

// syncBoundClaim finishes a binding a restart interrupted, or marks the
// claim Lost when its volume is gone or belongs to another claim.
func (c *Controller) syncBoundClaim(ctx context.Context, claim *api.PersistentVolumeClaim) error {
	if claim.Spec.VolumeName == "" {
		c.rec.Event(claim, api.EventWarning, reasonClaimLost, "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!")
		return c.setClaimPhase(ctx, claim, api.ClaimLost)
	}
	obj, ok := c.volumes.Get(claim.Spec.VolumeName)
	if !ok {
		c.rec.Event(claim, api.EventWarning, reasonClaimLost, "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
		return c.setClaimPhase(ctx, claim, api.ClaimLost)
	}
	pv := obj.(*api.PersistentVolume)
	if pv.Spec.ClaimRef == nil || boundToClaim(pv, claim) {
		return c.bind(ctx, pv, claim)
	}
	c.rec.Event(claim, api.EventWarning, reasonClaimMisbound, "Two claims are bound to the same volume, this one is bound incorrectly")
	return c.setClaimPhase(ctx, claim, api.ClaimLost)
}

// class returns the StorageClass name, or nil for none or one that does
// not exist.
func (c *Controller) class(name string) *api.StorageClass {
	if name == "" {
		return nil
	}
	if obj, ok := c.classes.Get(name); ok {
		return obj.(*api.StorageClass)
	}
	return nil
}

// node returns the named node, or, if the cache has not seen it, one
// with just the hostname label, which is what node-local volumes select.
func (c *Controller) node(name string) *api.Node {
	if obj, ok := c.nodes.Get(name); ok {
		return obj.(*api.Node)
	}
	return &api.Node{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{api.HostnameLabel: name}}}
}

// setClaimPhase writes the claim's phase if it differs.
func (c *Controller) setClaimPhase(ctx context.Context, claim *api.PersistentVolumeClaim, phase string) error {
	if claim.Status.Phase == phase {
		return nil
	}
	next := api.DeepCopy(claim)
	next.Status.Phase = phase
	if _, err := c.w.UpdateStatus(ctx, next); err != nil {
		return fmt.Errorf("set claim %s/%s %s: %w", claim.Namespace, claim.Name, phase, err)
	}
	c.log.Debug("claim phase", zap.String("claim", claim.Namespace+"/"+claim.Name), zap.String("phase", phase))
	return nil
}
