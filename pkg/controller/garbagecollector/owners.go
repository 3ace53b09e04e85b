package garbagecollector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// This file is the three propagation policies: Background
// (collectIfOwnerless), Orphan (orphanDependents) and Foreground
// (deleteDependentsFirst).

// collectIfOwnerless deletes obj if every one of its owners is gone, or
// drops the references to the gone ones if some remain.
func (c *Controller) collectIfOwnerless(ctx context.Context, res api.Resource, obj api.Object) error {
	meta := obj.GetObjectMeta()
	if len(meta.OwnerReferences) == 0 {
		return nil
	}
	var gone []string // UIDs
	for _, ref := range meta.OwnerReferences {
		exists, err := c.ownerExists(ctx, meta.Namespace, ref)
		if err != nil {
			return err
		}
		if !exists {
			gone = append(gone, ref.UID)
		}
	}
	switch {
	case len(gone) == 0:
		return nil
	case len(gone) < len(meta.OwnerReferences):
		return c.removeOwnerRefs(ctx, res, obj, gone...)
	}
	owner := meta.OwnerReferences[0]
	c.log.Info("deleting an object whose owner is gone", zap.String("key", res.Name+"/"+client.KeyOf(obj)),
		zap.String("owner", owner.Kind+"/"+owner.Name))
	if err := c.deleteObject(ctx, res, obj); err != nil {
		return err
	}
	c.rec.Eventf(obj, api.EventNormal, "GarbageCollected", "Deleted %s: its owner %s %s is gone",
		describe(res, obj), owner.Kind, owner.Name)
	return nil
}

// ownerExists reports whether the object ref points at, in namespace,
// still exists. The cache answers "yes" alone; "no" is confirmed on the
// apiserver, because the cache may simply not have seen the owner yet.
func (c *Controller) ownerExists(ctx context.Context, namespace string, ref api.OwnerReference) (bool, error) {
	res, err := api.ForKind(ref.APIVersion, ref.Kind)
	if err != nil {
		return true, nil // a kind kubelab does not serve: we cannot tell, so keep the dependent
	}
	if !res.Namespaced {
		namespace = ""
	}
	if cache, ok := c.objects[res.Name]; ok {
		if o, ok := cache.Get(objectKey(res, namespace, ref.Name)); ok && o.GetObjectMeta().UID == ref.UID {
			return true, nil
		}
	}
	o, err := c.live.Get(ctx, res, namespace, ref.Name)
	switch {
	case client.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("looking up owner %s %s: %w", ref.Kind, ref.Name, err)
	}
	return o.GetObjectMeta().UID == ref.UID, nil // another UID: a new object of the same name
}

// orphanDependents carries out propagationPolicy Orphan: every dependent
// loses its reference to owner, then owner loses the "orphan" finalizer,
// which lets the apiserver remove it.
func (c *Controller) orphanDependents(ctx context.Context, res api.Resource, owner api.Object) error {
	uid := owner.GetObjectMeta().UID
	deps := c.dependentsOf(uid)
	for _, d := range deps {
		if err := c.removeOwnerRefs(ctx, d.res, d.obj, uid); err != nil {
			return err
		}
	}
	if len(deps) > 0 {
		c.rec.Eventf(owner, api.EventNormal, "OrphanedDependents", "Removed the owner reference from %d dependents", len(deps))
	}
	return c.removeFinalizer(ctx, res, owner, api.FinalizerOrphanDependents)
}

// deleteDependentsFirst carries out propagationPolicy Foreground: delete
// every dependent, and remove owner's "foregroundDeletion" finalizer only
// once none is left. A dependent with other owners only loses its
// reference to this one.
func (c *Controller) deleteDependentsFirst(ctx context.Context, key string, res api.Resource, owner api.Object) error {
	uid := owner.GetObjectMeta().UID
	deps := c.dependentsOf(uid)
	if len(deps) == 0 {
		return c.removeFinalizer(ctx, res, owner, api.FinalizerDeleteDependents)
	}
	var errs []error
	deleted := 0
	for _, d := range deps {
		m := d.obj.GetObjectMeta()
		switch {
		case len(m.OwnerReferences) > 1:
			errs = append(errs, c.removeOwnerRefs(ctx, d.res, d.obj, uid))
		case m.DeletionTimestamp == nil:
			err := c.deleteObject(ctx, d.res, d.obj)
			if err == nil {
				deleted++
			}
			errs = append(errs, err)
		}
		// Being deleted already (a pod its kubelet is stopping): wait.
	}
	if deleted > 0 {
		c.rec.Eventf(owner, api.EventNormal, "DeletingDependents", "Deleting %d dependents before %s", deleted, describe(res, owner))
	}
	c.queue.AddAfter(key, recheck) // until the caches show none left
	return errors.Join(errs...)
}

// deleteObject deletes obj in the background. The UID precondition makes
// sure a new object of the same name is not hit by mistake.
func (c *Controller) deleteObject(ctx context.Context, res api.Resource, obj api.Object) error {
	meta := obj.GetObjectMeta()
	opts := &api.DeleteOptions{
		PropagationPolicy: api.String(api.DeletePropagationBackground),
		Preconditions:     &api.Precondition{UID: api.String(meta.UID)},
	}
	err := c.w.Delete(ctx, res, meta.Namespace, meta.Name, opts)
	if err != nil && !client.IsNotFound(err) && !client.IsConflict(err) {
		return fmt.Errorf("deleting %s: %w", describe(res, obj), err)
	}
	return nil
}

// removeOwnerRefs drops the references to the given owner UIDs from obj,
// with a strategic merge patch that deletes list entries by uid:
//
//	{"metadata":{"ownerReferences":[{"$patch":"delete","uid":"U"}]}}
func (c *Controller) removeOwnerRefs(ctx context.Context, res api.Resource, obj api.Object, uids ...string) error {
	var refs []map[string]string
	for _, uid := range uids {
		refs = append(refs, map[string]string{"$patch": "delete", "uid": uid})
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"ownerReferences": refs}})
	if err != nil {
		return err
	}
	meta := obj.GetObjectMeta()
	_, err = c.w.Patch(ctx, res, meta.Namespace, meta.Name, client.StrategicMergePatch, patch)
	if err != nil && !client.IsNotFound(err) {
		return fmt.Errorf("removing owner references from %s: %w", describe(res, obj), err)
	}
	return nil
}

// removeFinalizer takes finalizer off obj with a merge patch of the
// remaining list. The patch names obj's resourceVersion, so that it fails
// rather than drop a finalizer someone else has just added.
func (c *Controller) removeFinalizer(ctx context.Context, res api.Resource, obj api.Object, finalizer string) error {
	meta := obj.GetObjectMeta()
	rest := slices.DeleteFunc(slices.Clone(meta.Finalizers), func(f string) bool { return f == finalizer })
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"finalizers":      append([]string{}, rest...), // [] rather than null: an empty list
		"resourceVersion": meta.ResourceVersion,
	}})
	if err != nil {
		return err
	}
	_, err = c.w.Patch(ctx, res, meta.Namespace, meta.Name, client.MergePatch, patch)
	if err != nil && !client.IsNotFound(err) {
		return fmt.Errorf("removing finalizer %s from %s: %w", finalizer, describe(res, obj), err)
	}
	c.log.Info("removed finalizer", zap.String("key", res.Name+"/"+client.KeyOf(obj)), zap.String("finalizer", finalizer))
	return nil
}
