package pvbinder

import (
	"slices"

	"kubelab/pkg/api"
)

// Matching a claim to a volume, Kubernetes' FindMatchingVolume
// (pkg/volume/util/persistentvolume): a volume already meant for the claim
// wins; otherwise the smallest free volume that satisfies it, so that a
// 1Gi claim does not take the 100Gi volume a later claim will need.

// findBestMatch returns the volume for claim among volumes, or nil. node,
// when not nil, is where the claim's pod runs (a WaitForFirstConsumer
// claim's selected node): the volume must be reachable from there.
func findBestMatch(claim *api.PersistentVolumeClaim, volumes []api.Object, node *api.Node) *api.PersistentVolume {
	var best *api.PersistentVolume
	for _, obj := range volumes {
		pv := obj.(*api.PersistentVolume)
		if pv.DeletionTimestamp != nil || unsatisfied(pv, claim) != "" {
			continue
		}
		if node != nil && !reachableFrom(pv, node) {
			continue
		}
		if boundToClaim(pv, claim) {
			return pv
		}
		if pv.Spec.ClaimRef != nil || !hasAccessModes(pv, claim.Spec.AccessModes) || !selected(pv, claim.Spec.Selector) {
			continue
		}
		if best == nil || capacity(pv).Cmp(capacity(best)) < 0 {
			best = pv
		}
	}
	return best
}

// unsatisfied says why pv cannot serve claim, whoever chose it (a user
// pre-binding with volumeName included), or "".
func unsatisfied(pv *api.PersistentVolume, claim *api.PersistentVolumeClaim) string {
	switch {
	case capacity(pv).Cmp(claim.Spec.Resources.Requests[api.ResourceStorage]) < 0:
		return "requested PV is too small"
	case pv.Spec.StorageClassName != claimClass(claim):
		return "storageClassName does not match"
	case volumeMode(pv.Spec.VolumeMode) != volumeMode(claim.Spec.VolumeMode):
		return "incompatible volumeMode"
	}
	return ""
}

// boundToClaim reports whether pv's claimRef names claim: the name, and
// the uid if the claimRef has one (a user may pre-bind by name alone).
func boundToClaim(pv *api.PersistentVolume, claim *api.PersistentVolumeClaim) bool {
	ref := pv.Spec.ClaimRef
	return ref != nil && ref.Namespace == claim.Namespace && ref.Name == claim.Name && (ref.UID == "" || ref.UID == claim.UID)
}

// hasAccessModes reports whether pv offers every mode the claim asks for.
func hasAccessModes(pv *api.PersistentVolume, want []string) bool {
	for _, m := range want {
		if !slices.Contains(pv.Spec.AccessModes, m) {
			return false
		}
	}
	return true
}

func selected(pv *api.PersistentVolume, sel *api.LabelSelector) bool {
	if sel == nil {
		return true
	}
	s, err := api.SelectorFromLabelSelector(sel)
	return err == nil && s.Matches(pv.Labels)
}

// reachableFrom reports whether a pod on node can use pv: its node
// affinity, if it has one, holds for node.
func reachableFrom(pv *api.PersistentVolume, node *api.Node) bool {
	na := pv.Spec.NodeAffinity
	return na == nil || api.NodeSelectorMatches(na.Required, node)
}

// claimClass is the class a claim asks for; none (nil or "") is "".
func claimClass(claim *api.PersistentVolumeClaim) string {
	if c := claim.Spec.StorageClassName; c != nil {
		return *c
	}
	return ""
}

func capacity(pv *api.PersistentVolume) api.Quantity { return pv.Spec.Capacity[api.ResourceStorage] }

func volumeMode(m *string) string {
	if m == nil {
		return api.PersistentVolumeFilesystem
	}
	return *m
}
