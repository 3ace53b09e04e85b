package deployment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// claimReplicaSets returns the ReplicaSets of d's namespace that d
// controls and sel selects, adopting matching orphans and releasing its
// ReplicaSets that sel no longer selects, with the rules of
// controller.ClaimPods (Kubernetes: ClaimReplicaSets in
// controller_ref_manager.go). A Deployment being deleted adopts and
// releases nothing.
func (c *Controller) claimReplicaSets(ctx context.Context, d *api.Deployment, sel api.Selector) ([]*api.ReplicaSet, error) {
	deleting := d.DeletionTimestamp != nil
	var out []*api.ReplicaSet
	var errs []error
	for _, obj := range c.replicaSets.ByIndex(controller.IndexNamespace, d.Namespace) {
		rs := obj.(*api.ReplicaSet)
		ref := api.ControllerRef(&rs.ObjectMeta)
		matches := sel.Matches(rs.Labels)
		switch {
		case ref != nil && ref.UID != d.UID:
			// Another controller's.
		case ref != nil && matches:
			out = append(out, rs)
		case ref != nil && !deleting:
			_, err := c.patchOwner(ctx, rs, ownerPatch(map[string]any{"$patch": "delete", "uid": d.UID}, rs.UID))
			errs = append(errs, err)
		case ref == nil && matches && !deleting && rs.DeletionTimestamp == nil:
			ref := controllerRef(d)
			patched, err := c.patchOwner(ctx, rs, ownerPatch(ref, rs.UID))
			if err != nil || patched == nil {
				errs = append(errs, err)
				continue
			}
			// Our copy carries the reference too, so that a later update
			// of this sync does not take it away again.
			cp := api.DeepCopy(rs)
			cp.OwnerReferences = append(cp.OwnerReferences, ref)
			if rv := patched.GetObjectMeta().ResourceVersion; rv != "" {
				cp.ResourceVersion = rv
			}
			out = append(out, cp)
		}
	}
	return out, errors.Join(errs...)
}

// patchOwner applies a strategic merge patch to rs's ownerReferences. A
// ReplicaSet gone, or replaced by another of the same name (the uid in the
// patch no longer matches), is not ours to claim: nil, and no error.
func (c *Controller) patchOwner(ctx context.Context, rs *api.ReplicaSet, patch []byte) (api.Object, error) {
	out, err := c.w.Patch(ctx, replicaSetsResource, rs.Namespace, rs.Name, client.StrategicMergePatch, patch)
	if err == nil {
		return out, nil
	}
	if client.IsNotFound(err) || client.IsInvalid(err) {
		return nil, nil
	}
	return nil, fmt.Errorf("patch owner of replicaset %s: %w", client.KeyOf(rs), err)
}

// ownerPatch sets (or, with "$patch": "delete", removes) one owner
// reference; ownerReferences merge by uid, so other owners stay. The
// ReplicaSet's own uid makes the patch apply to this very object only.
func ownerPatch(ref any, rsUID string) []byte {
	b, err := json.Marshal(map[string]any{"metadata": map[string]any{"ownerReferences": []any{ref}, "uid": rsUID}})
	if err != nil {
		panic(err) // maps of strings and owner references always marshal
	}
	return b
}

func controllerRef(d *api.Deployment) api.OwnerReference {
	return controller.NewControllerRef(&d.ObjectMeta, "apps/v1", "Deployment")
}

// syncNewReplicaSet gives an existing new ReplicaSet the next revision if
// an old one has a higher or equal one (a rollback made it new again) and
// the Deployment's minReadySeconds, and the Deployment its revision.
// Without a new ReplicaSet, and if create is set, it creates one with
// the count newReplicaSetReplicas allows (Kubernetes' getNewReplicaSet).
func (c *Controller) syncNewReplicaSet(ctx context.Context, r *rollout, create bool) error {
	var maxOld int64
	for _, rs := range r.old {
		maxOld = max(maxOld, revision(&rs.ObjectMeta))
	}
	next := strconv.FormatInt(maxOld+1, 10)
	d := r.d
	if rs := r.newRS; rs != nil {
		if revision(&rs.ObjectMeta) <= maxOld || rs.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
			cp := api.DeepCopy(rs)
			if revision(&rs.ObjectMeta) <= maxOld {
				setAnnotation(&cp.ObjectMeta, api.RevisionAnnotation, next)
			}
			cp.Spec.MinReadySeconds = d.Spec.MinReadySeconds
			updated, err := c.w.Update(ctx, cp)
			if err != nil {
				return fmt.Errorf("update replicaset %s: %w", client.KeyOf(rs), err)
			}
			r.replace(updated.(*api.ReplicaSet))
		}
		if progressing(&d.Status) == nil && progressDeadlineSeconds(d) > 0 {
			c.setCondition(r, api.DeploymentProgressing, api.ConditionTrue, api.ReasonFoundNewReplicaSet,
				fmt.Sprintf("Found new replica set %q", rs.Name))
		}
		return c.setDeploymentRevision(ctx, r)
	}
	if !create {
		return nil
	}

	hash := templateHash(&d.Spec.Template, d.Status.CollisionCount)
	name := d.Name + "-" + hash
	if _, taken := c.replicaSets.Get(d.Namespace + "/" + name); taken {
		// Not ours, or not this template: it would have been found as new.
		return c.bumpCollisionCount(ctx, r, name)
	}
	count := newReplicaSetReplicas(r)
	rs := newReplicaSet(d, name, hash, count, next)
	created, err := c.w.Create(ctx, rs)
	if err != nil {
		// AlreadyExists too: the cache has not seen it yet, and will.
		return fmt.Errorf("create replicaset %s/%s: %w", d.Namespace, name, err)
	}
	r.newRS = created.(*api.ReplicaSet)
	if count > 0 {
		c.rec.Eventf(d, api.EventNormal, "ScalingReplicaSet", "Scaled up replica set %s from 0 to %d", name, count)
	}
	if progressDeadlineSeconds(d) > 0 {
		c.setCondition(r, api.DeploymentProgressing, api.ConditionTrue, api.ReasonNewReplicaSetCreated,
			fmt.Sprintf("Created new replica set %q", name))
	}
	return c.setDeploymentRevision(ctx, r)
}

// newReplicaSet is the ReplicaSet that runs d's template: the template
// and selector with the pod-template-hash label added, owned by d.
func newReplicaSet(d *api.Deployment, name, hash string, count int32, rev string) *api.ReplicaSet {
	tmpl := d.Spec.Template
	tmpl.Labels = maps.Clone(tmpl.Labels)
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	tmpl.Labels[api.PodTemplateHashLabel] = hash
	sel := &api.LabelSelector{MatchLabels: map[string]string{}}
	if d.Spec.Selector != nil {
		sel.MatchLabels = maps.Clone(d.Spec.Selector.MatchLabels)
		if sel.MatchLabels == nil {
			sel.MatchLabels = map[string]string{}
		}
		sel.MatchExpressions = slices.Clone(d.Spec.Selector.MatchExpressions)
	}
	sel.MatchLabels[api.PodTemplateHashLabel] = hash
	rs := &api.ReplicaSet{
		TypeMeta: api.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
		ObjectMeta: api.ObjectMeta{
			Name:            name,
			Namespace:       d.Namespace,
			Labels:          tmpl.Labels,
			OwnerReferences: []api.OwnerReference{controllerRef(d)},
		},
		Spec: api.ReplicaSetSpec{Replicas: api.Int32(count), MinReadySeconds: d.Spec.MinReadySeconds, Selector: sel, Template: tmpl},
	}
	setAnnotation(&rs.ObjectMeta, api.RevisionAnnotation, rev)
	setReplicasAnnotations(rs, d)
	return api.DeepCopy(rs) // the template's maps and slices belong to d
}

// bumpCollisionCount records that another ReplicaSet holds the name the
// template hashes to: the next sync hashes with the new count and tries
// another name.
func (c *Controller) bumpCollisionCount(ctx context.Context, r *rollout, name string) error {
	cp := api.DeepCopy(r.d)
	n := int32(1)
	if cp.Status.CollisionCount != nil {
		n = *cp.Status.CollisionCount + 1
	}
	cp.Status.CollisionCount = &n
	if _, err := c.w.UpdateStatus(ctx, cp); err != nil {
		return fmt.Errorf("update collisionCount of %s: %w", r.key, err)
	}
	return fmt.Errorf("%s: replicaset %s exists with another template; collisionCount now %d", r.key, name, n)
}

// setDeploymentRevision makes the Deployment's revision annotation its new
// ReplicaSet's, with a merge patch: the status subresource keeps metadata
// as it was.
func (c *Controller) setDeploymentRevision(ctx context.Context, r *rollout) error {
	rev := r.newRS.Annotations[api.RevisionAnnotation]
	if rev == "" || r.d.Annotations[api.RevisionAnnotation] == rev {
		return nil
	}
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{api.RevisionAnnotation: rev}}})
	out, err := c.w.Patch(ctx, deploymentsResource, r.d.Namespace, r.d.Name, client.MergePatch, patch)
	if err != nil {
		return fmt.Errorf("set revision of %s: %w", r.key, err)
	}
	setAnnotation(&r.d.ObjectMeta, api.RevisionAnnotation, rev)
	if rv := out.GetObjectMeta().ResourceVersion; rv != "" {
		r.d.ResourceVersion = rv // the status write that follows must not conflict with this one
	}
	return nil
}

// scaleReplicaSet sets rs's replicas to n and its replicas annotations to
// the Deployment's, if either differs; it reports whether the size changed.
func (c *Controller) scaleReplicaSet(ctx context.Context, r *rollout, rs *api.ReplicaSet, n int32) (bool, error) {
	from := rsReplicas(rs)
	cp := api.DeepCopy(rs)
	setReplicasAnnotations(cp, r.d)
	if from == n && maps.Equal(cp.Annotations, rs.Annotations) {
		return false, nil
	}
	cp.Spec.Replicas = api.Int32(n)
	updated, err := c.w.Update(ctx, cp)
	if err != nil {
		return false, fmt.Errorf("scale replicaset %s to %d: %w", client.KeyOf(rs), n, err)
	}
	r.replace(updated.(*api.ReplicaSet))
	if from == n {
		return false, nil
	}
	dir := "up"
	if n < from {
		dir = "down"
	}
	r.log.Info("scaled replicaset", zap.String("replicaSet", rs.Name), zap.Int32("from", from), zap.Int32("to", n))
	c.rec.Eventf(r.d, api.EventNormal, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d", dir, rs.Name, from, n)
	return true, nil
}

func setReplicasAnnotations(rs *api.ReplicaSet, d *api.Deployment) {
	surge, _, _ := bounds(d)
	setAnnotation(&rs.ObjectMeta, desiredReplicasAnnotation, strconv.Itoa(int(replicas(d))))
	setAnnotation(&rs.ObjectMeta, maxReplicasAnnotation, strconv.Itoa(int(replicas(d)+surge)))
}

func setAnnotation(m *api.ObjectMeta, k, v string) {
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[k] = v
}
