package statefulset

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Claims: before a pod is created, each of its claims must exist, so that
// the pod never starts on an empty stand-in. Claims outlive their pods:
// a pod deleted by a scale-down or an update comes back to the same
// claims. persistentVolumeClaimRetentionPolicy says when they go, and
// the garbage collector does the deleting: whenDeleted Delete makes the
// StatefulSet an owner of each claim, so the claims go with the set;
// whenScaled Delete makes a pod that a scale-down removes the owner of
// its claims just before it is deleted, so they go with the pod
// (Kubernetes' updateClaimOwnerRefForSetAndPod).

// createClaims creates the claims of the pod of ordinal ord that do not
// exist yet. A claim being deleted must go before the pod can have it
// again: that is an error, and the sync is retried.
func (c *Controller) createClaims(ctx context.Context, set *api.StatefulSet, ord int) error {
	pod := podName(set, ord)
	for i := range set.Spec.VolumeClaimTemplates {
		claim := newClaim(set, &set.Spec.VolumeClaimTemplates[i], ord)
		if obj, ok := c.claims.Get(set.Namespace + "/" + claim.Name); ok {
			if obj.GetObjectMeta().DeletionTimestamp != nil {
				return fmt.Errorf("pod %s/%s: claim %s is being deleted", set.Namespace, pod, claim.Name)
			}
			continue
		}
		_, err := c.w.Create(ctx, claim)
		if client.IsAlreadyExists(err) {
			continue // made by an earlier sync the cache has not shown yet
		}
		if err != nil {
			c.rec.Eventf(set, api.EventWarning, "FailedCreate", "create Claim %s for Pod %s in StatefulSet %s failed error: %v",
				claim.Name, pod, set.Name, err)
			return fmt.Errorf("create claim %s/%s: %w", set.Namespace, claim.Name, err)
		}
		c.rec.Eventf(set, api.EventNormal, "SuccessfulCreate", "create Claim %s Pod %s in StatefulSet %s success",
			claim.Name, pod, set.Name)
	}
	return nil
}

// newClaim is the claim of template for ordinal ord: the template under
// the claim's name, labelled also with the set's selector, owned by the
// set if the claims go with it.
func newClaim(set *api.StatefulSet, template *api.PersistentVolumeClaim, ord int) *api.PersistentVolumeClaim {
	claim := api.DeepCopy(template)
	claim.TypeMeta = api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"}
	claim.Name = claimName(template.Name, set, ord)
	claim.Namespace = set.Namespace
	claim.Status = api.PersistentVolumeClaimStatus{}
	if set.Spec.Selector != nil && len(set.Spec.Selector.MatchLabels) > 0 {
		if claim.Labels == nil {
			claim.Labels = map[string]string{}
		}
		maps.Copy(claim.Labels, set.Spec.Selector.MatchLabels)
	}
	if retention(set).WhenDeleted == api.DeletePersistentVolumeClaimRetentionPolicyType {
		claim.OwnerReferences = []api.OwnerReference{setRef(set)}
	}
	return claim
}

// retention is set's policy, Retain for what it leaves out.
func retention(set *api.StatefulSet) api.StatefulSetPersistentVolumeClaimRetentionPolicy {
	p := api.StatefulSetPersistentVolumeClaimRetentionPolicy{
		WhenDeleted: api.RetainPersistentVolumeClaimRetentionPolicyType,
		WhenScaled:  api.RetainPersistentVolumeClaimRetentionPolicyType,
	}
	if rp := set.Spec.PersistentVolumeClaimRetentionPolicy; rp != nil {
		if rp.WhenDeleted != "" {
			p.WhenDeleted = rp.WhenDeleted
		}
		if rp.WhenScaled != "" {
			p.WhenScaled = rp.WhenScaled
		}
	}
	return p
}

// setRef and podRef are the owner references of a claim that goes with
// the set or with the pod: owners, not controllers.
func setRef(set *api.StatefulSet) api.OwnerReference {
	return api.OwnerReference{APIVersion: "apps/v1", Kind: "StatefulSet", Name: set.Name, UID: set.UID}
}

func podRef(pod *api.Pod) api.OwnerReference {
	return api.OwnerReference{APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID}
}

// syncClaimOwners gives the existing claims of pod the owners the policy
// asks for: the set if whenDeleted is Delete, the pod if whenScaled is
// Delete and the pod is condemned (a scale-down is about to delete it).
// References to set and to any pod of pod's name are put right; other
// owners stay.
func (c *Controller) syncClaimOwners(ctx context.Context, set *api.StatefulSet, pod *api.Pod, ord int, condemned bool) error {
	policy := retention(set)
	for _, t := range set.Spec.VolumeClaimTemplates {
		obj, ok := c.claims.Get(set.Namespace + "/" + claimName(t.Name, set, ord))
		if !ok || obj.GetObjectMeta().DeletionTimestamp != nil {
			continue
		}
		claim := obj.(*api.PersistentVolumeClaim)
		refs := slices.DeleteFunc(slices.Clone(claim.OwnerReferences), func(r api.OwnerReference) bool {
			return r.UID == set.UID || (r.Kind == "Pod" && r.APIVersion == "v1" && r.Name == pod.Name)
		})
		if policy.WhenDeleted == api.DeletePersistentVolumeClaimRetentionPolicyType {
			refs = append(refs, setRef(set))
		}
		if condemned && policy.WhenScaled == api.DeletePersistentVolumeClaimRetentionPolicyType {
			refs = append(refs, podRef(pod))
		}
		if sameRefs(refs, claim.OwnerReferences) {
			continue
		}
		cp := api.DeepCopy(claim) // the cache's
		cp.OwnerReferences = refs
		if _, err := c.w.Update(ctx, cp); err != nil && !client.IsNotFound(err) {
			return fmt.Errorf("update owners of claim %s: %w", client.KeyOf(claim), err)
		}
	}
	return nil
}

// sameRefs reports whether a and b hold the same owners, in any order.
func sameRefs(a, b []api.OwnerReference) bool {
	if len(a) != len(b) {
		return false
	}
	uids := map[string]bool{}
	for _, r := range a {
		uids[r.UID] = true
	}
	for _, r := range b {
		if !uids[r.UID] {
			return false
		}
	}
	return true
}
