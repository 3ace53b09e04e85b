package printers

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"kubelab/pkg/api"
)

// Rows of the storage kinds, as kubectl prints them: a volume by what it
// offers and whose it is, a claim by what it got, a class by who makes
// its volumes, the default class marked "(default)". kubelab has no
// VolumeAttributesClass; its column says <unset>, as kubectl's does for a
// volume or claim without one.

func persistentVolumeRow(obj api.Object, now time.Time) []any {
	pv := obj.(*api.PersistentVolume)
	claim := ""
	if ref := pv.Spec.ClaimRef; ref != nil {
		claim = ref.Namespace + "/" + ref.Name
	}
	size := pv.Spec.Capacity[api.ResourceStorage]
	return []any{pv.Name, size.String(), AccessModes(pv.Spec.AccessModes), pv.Spec.PersistentVolumeReclaimPolicy,
		phaseOrTerminating(pv.Status.Phase, pv.DeletionTimestamp), claim, pv.Spec.StorageClassName, "<unset>",
		pv.Status.Reason, Age(pv.CreationTimestamp, now), volumeModeCell(pv.Spec.VolumeMode)}
}

// persistentVolumeClaimRow shows capacity and access modes only once the
// claim has a volume: before, it has asked for them but has none.
func persistentVolumeClaimRow(obj api.Object, now time.Time) []any {
	c := obj.(*api.PersistentVolumeClaim)
	capacity, modes := "", ""
	if c.Spec.VolumeName != "" {
		size := c.Status.Capacity[api.ResourceStorage]
		capacity, modes = size.String(), AccessModes(c.Status.AccessModes)
	}
	class := ""
	if c.Spec.StorageClassName != nil {
		class = *c.Spec.StorageClassName
	}
	return []any{c.Name, phaseOrTerminating(c.Status.Phase, c.DeletionTimestamp), c.Spec.VolumeName, capacity, modes,
		class, "<unset>", Age(c.CreationTimestamp, now), volumeModeCell(c.Spec.VolumeMode)}
}

func storageClassRow(obj api.Object, now time.Time) []any {
	sc := obj.(*api.StorageClass)
	name := sc.Name
	if IsDefaultClass(sc) {
		name += " (default)"
	}
	policy, mode, expand := api.ReclaimDelete, api.VolumeBindingImmediate, false
	if sc.ReclaimPolicy != nil {
		policy = *sc.ReclaimPolicy
	}
	if sc.VolumeBindingMode != nil {
		mode = *sc.VolumeBindingMode
	}
	if sc.AllowVolumeExpansion != nil {
		expand = *sc.AllowVolumeExpansion
	}
	return []any{name, sc.Provisioner, policy, mode, strconv.FormatBool(expand), Age(sc.CreationTimestamp, now)}
}

// accessModeShort are kubectl's abbreviations, in the order it lists them.
var accessModeShort = []struct{ mode, short string }{
	{api.ReadWriteOnce, "RWO"}, {api.ReadOnlyMany, "ROX"}, {api.ReadWriteMany, "RWX"}, {api.ReadWriteOncePod, "RWOP"},
}

// accessModes is "RWO,ROX": each mode once, in kubectl's order.
func AccessModes(modes []string) string {
	var out []string
	for _, m := range accessModeShort {
		if slices.Contains(modes, m.mode) {
			out = append(out, m.short)
		}
	}
	return strings.Join(out, ",")
}

func phaseOrTerminating(phase string, deleting *api.Time) string {
	if deleting != nil {
		return "Terminating"
	}
	return phase
}

func volumeModeCell(m *string) string {
	if m == nil {
		return "<unset>"
	}
	return *m
}

func IsDefaultClass(sc *api.StorageClass) bool {
	return sc.Annotations[api.IsDefaultStorageClassAnnotation] == "true"
}
