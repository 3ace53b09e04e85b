package api

import (
	"encoding/json"
	"path"
	"reflect"
	"strings"
)

// Validation of the storage kinds, Kubernetes' rules
// (pkg/apis/core/validation ValidatePersistentVolume…,
// pkg/apis/storage/validation): a volume says how big it is, how it may be
// mounted and what backs it; a claim says what it needs; a class says who
// makes its volumes. Once a claim is bound, a volume made and a class in
// use, the fields others acted on may not change: a volume's source (a
// pod has mounted it), a claim's spec (it was matched to a volume on it),
// a class's provisioner and parameters (its volumes were made with them).

// implementedPersistentVolumeTypes are the volume sources kubelab's
// kubelet can mount: a directory of the node, named either way.
var implementedPersistentVolumeTypes = []string{"hostPath", "local"}

var (
	accessModes           = []string{ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod}
	reclaimPolicies       = []string{ReclaimDelete, ReclaimRetain}
	volumeBindingModes    = []string{VolumeBindingImmediate, VolumeBindingWaitForFirstConsumer}
	persistentVolumeModes = []string{PersistentVolumeBlock, PersistentVolumeFilesystem}
)

func validatePersistentVolume(pv *PersistentVolume) ErrorList {
	errs := validateObjectMeta(&pv.ObjectMeta, false, IsDNS1123Subdomain, "")
	p, spec := fieldPath("spec"), &pv.Spec
	errs = append(errs, validateAccessModes(spec.AccessModes, p.child("accessModes"), "")...)
	errs = append(errs, validateStorageQuantity(spec.Capacity, p.child("capacity"))...)
	if r := spec.PersistentVolumeReclaimPolicy; !oneOf(r, reclaimPolicies...) {
		errs = append(errs, notSupported(p.child("persistentVolumeReclaimPolicy"), r, reclaimPolicies...))
	}
	if c := spec.StorageClassName; c != "" {
		errs = append(errs, check(p.child("storageClassName"), c, IsDNS1123Subdomain(c))...)
	}
	errs = append(errs, validateVolumeMode(spec.VolumeMode, p.child("volumeMode"))...)
	if ref := spec.ClaimRef; ref != nil && ref.Name == "" {
		errs = append(errs, required(p.child("claimRef").child("name"), ""))
	}
	if na := spec.NodeAffinity; na != nil {
		errs = append(errs, validateVolumeNodeAffinity(na, p.child("nodeAffinity"))...)
	}
	return append(errs, validatePersistentVolumeSource(spec, p)...)
}

// validatePersistentVolumeSource requires exactly one source, refuses the
// ones kubelab does not implement, and checks the two it does.
func validatePersistentVolumeSource(spec *PersistentVolumeSpec, p fieldPath) ErrorList {
	var errs ErrorList
	types := setTypes(reflect.ValueOf(&spec.PersistentVolumeSource).Elem())
	switch {
	case len(types) == 0:
		errs = append(errs, required(p, "must specify a volume type"))
	case len(types) > 1:
		errs = append(errs, forbidden(p.child(types[1].name), "may not specify more than 1 volume type"))
	}
	for _, t := range types {
		if !oneOf(t.name, implementedPersistentVolumeTypes...) {
			b, _ := json.Marshal(t.value)
			errs = append(errs, &FieldError{Type: ErrorTypeNotSupported, Field: string(p.child(t.name)), BadValue: jsonValue(b),
				Detail: "kubelab does not implement this volume type yet; supported: " + strings.Join(implementedPersistentVolumeTypes, ", ")})
		}
	}
	if h := spec.HostPath; h != nil {
		// A pod's hostPath rules: the path, and the type of what is there.
		errs = append(errs, validateVolumeSource(&VolumeSource{HostPath: h}, p)...)
	}
	if l := spec.Local; l != nil {
		lp := p.child("local").child("path")
		switch {
		case l.Path == "":
			errs = append(errs, required(lp, ""))
		case !path.IsAbs(l.Path):
			errs = append(errs, invalid(lp, l.Path, "must be an absolute path"))
		default:
			errs = append(errs, validateNoBacksteps(l.Path, lp)...)
		}
		// A local volume is on one node, and only its nodeAffinity says which.
		if spec.NodeAffinity == nil {
			errs = append(errs, required(p.child("nodeAffinity"), "Local volume requires node affinity"))
		}
	}
	return errs
}

func validateVolumeNodeAffinity(na *VolumeNodeAffinity, p fieldPath) ErrorList {
	rp := p.child("required")
	if na.Required == nil {
		return ErrorList{required(rp, "must specify required node constraints")}
	}
	tp := rp.child("nodeSelectorTerms")
	if len(na.Required.NodeSelectorTerms) == 0 {
		return ErrorList{required(tp, "must have at least one node selector term")}
	}
	var errs ErrorList
	for i := range na.Required.NodeSelectorTerms {
		errs = append(errs, validateNodeSelectorTerm(&na.Required.NodeSelectorTerms[i], tp.index(i))...)
	}
	return errs
}

// validateAccessModes requires at least one mode, each a known one, and
// ReadWriteOncePod alone (it already says everything).
func validateAccessModes(modes []string, p fieldPath, requiredDetail string) ErrorList {
	if len(modes) == 0 {
		return ErrorList{required(p, requiredDetail)}
	}
	var errs ErrorList
	for _, m := range modes {
		if !oneOf(m, accessModes...) {
			errs = append(errs, notSupported(p, m, accessModes...))
		}
	}
	if len(modes) > 1 && oneOf(ReadWriteOncePod, modes...) {
		errs = append(errs, forbidden(p, "may not use ReadWriteOncePod with other access modes"))
	}
	return errs
}

// validateStorageQuantity requires a list of exactly storage, above zero.
func validateStorageQuantity(list ResourceList, p fieldPath) ErrorList {
	if len(list) == 0 {
		return ErrorList{required(p, "")}
	}
	q, ok := list[ResourceStorage]
	if !ok || len(list) > 1 {
		return ErrorList{notSupported(p, strings.Join(sortedKeys(list), ","), ResourceStorage)}
	}
	if q.MilliValue() <= 0 {
		return ErrorList{invalid(p.key(ResourceStorage), q.String(), "must be greater than zero")}
	}
	return nil
}

func validateVolumeMode(mode *string, p fieldPath) ErrorList {
	switch {
	case mode == nil:
		return nil // defaulted to Filesystem
	case *mode == PersistentVolumeBlock:
		return ErrorList{{Type: ErrorTypeNotSupported, Field: string(p), BadValue: *mode,
			Detail: "kubelab does not implement raw block volumes; supported: Filesystem"}}
	case !oneOf(*mode, persistentVolumeModes...):
		return ErrorList{notSupported(p, *mode, persistentVolumeModes...)}
	}
	return nil
}

func validatePersistentVolumeClaim(pvc *PersistentVolumeClaim) ErrorList {
	errs := validateObjectMeta(&pvc.ObjectMeta, true, IsDNS1123Subdomain, "")
	p, spec := fieldPath("spec"), &pvc.Spec
	errs = append(errs, validateAccessModes(spec.AccessModes, p.child("accessModes"), "at least 1 access mode is required")...)
	if spec.Selector != nil {
		errs = append(errs, validateLabelSelector(spec.Selector, p.child("selector"))...)
	}
	// Kubernetes names the field spec.resources[storage].
	sp := p.child("resources").key(ResourceStorage)
	switch q, ok := spec.Resources.Requests[ResourceStorage]; {
	case !ok:
		errs = append(errs, required(sp, ""))
	case q.MilliValue() <= 0:
		errs = append(errs, invalid(sp, q.String(), "must be greater than zero"))
	}
	if c := spec.StorageClassName; c != nil && *c != "" {
		errs = append(errs, check(p.child("storageClassName"), *c, IsDNS1123Subdomain(*c))...)
	}
	return append(errs, validateVolumeMode(spec.VolumeMode, p.child("volumeMode"))...)
}

func validateStorageClass(sc *StorageClass) ErrorList {
	errs := validateObjectMeta(&sc.ObjectMeta, false, IsDNS1123Subdomain, "")
	if sc.Provisioner == "" {
		errs = append(errs, required("provisioner", ""))
	} else {
		errs = append(errs, check("provisioner", sc.Provisioner, IsQualifiedName(strings.ToLower(sc.Provisioner)))...)
	}
	for _, k := range sortedKeys(sc.Parameters) {
		if k == "" {
			errs = append(errs, invalid("parameters", k, "parameter key must not be empty"))
		}
	}
	if r := sc.ReclaimPolicy; r != nil && !oneOf(*r, reclaimPolicies...) {
		errs = append(errs, notSupported("reclaimPolicy", *r, reclaimPolicies...))
	}
	switch m := sc.VolumeBindingMode; {
	case m == nil:
		errs = append(errs, required("volumeBindingMode", ""))
	case !oneOf(*m, volumeBindingModes...):
		errs = append(errs, notSupported("volumeBindingMode", *m, volumeBindingModes...))
	}
	return errs
}

// validatePersistentVolumeUpdate keeps what pods and claims rely on: the
// source, the mode, and the node affinity once set.
func validatePersistentVolumeUpdate(n, o *PersistentVolume) ErrorList {
	var errs ErrorList
	if !sameJSON(n.Spec.PersistentVolumeSource, o.Spec.PersistentVolumeSource) {
		errs = append(errs, forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"))
	}
	if !sameJSON(n.Spec.VolumeMode, o.Spec.VolumeMode) {
		errs = append(errs, invalid("spec.volumeMode", n.Spec.VolumeMode, "field is immutable"))
	}
	if o.Spec.NodeAffinity != nil && !sameJSON(n.Spec.NodeAffinity, o.Spec.NodeAffinity) {
		errs = append(errs, invalid("spec.nodeAffinity", "", "field is immutable"))
	}
	return errs
}

// pvcSpecImmutable is Kubernetes' detail, less volumeAttributesClassName,
// which kubelab does not have.
const pvcSpecImmutable = "spec is immutable after creation except resources.requests for bound claims"

// validatePersistentVolumeClaimUpdate allows what Kubernetes allows: the
// volumeName set once (the binder binds), a storageClassName set once on
// a claim that has none (a default class made later), and a bound claim's
// requests grown (whether its class allows that is the apiserver's
// admission, which can read the class: pvc_admission.go).
func validatePersistentVolumeClaimUpdate(n, o *PersistentVolumeClaim) ErrorList {
	ns, os := n.Spec, o.Spec
	if os.VolumeName == "" {
		os.VolumeName = ns.VolumeName
	}
	if os.StorageClassName == nil && os.VolumeName == "" {
		os.StorageClassName = ns.StorageClassName
	}
	var errs ErrorList
	if o.Status.Phase == ClaimBound {
		newSize, oldSize := ns.Resources.Requests[ResourceStorage], os.Resources.Requests[ResourceStorage]
		if newSize.Cmp(oldSize) < 0 {
			errs = append(errs, forbidden("spec.resources.requests.storage", "field can not be less than previous value"))
		}
		os.Resources.Requests = ns.Resources.Requests
	}
	if !sameJSON(ns, os) {
		detail := pvcSpecImmutable
		if changed := changedFields(ns, os); len(changed) > 0 {
			detail += " (changed: spec." + strings.Join(changed, ", spec.") + ")"
		}
		errs = append(errs, forbidden("spec", detail))
	}
	return errs
}

// validateStorageClassUpdate: the volumes of a class were made, and are
// reclaimed and bound, by what it said when they were made.
func validateStorageClassUpdate(n, o *StorageClass) ErrorList {
	var errs ErrorList
	if !sameJSON(n.Parameters, o.Parameters) {
		errs = append(errs, forbidden("parameters", "updates to parameters are forbidden."))
	}
	if n.Provisioner != o.Provisioner {
		errs = append(errs, forbidden("provisioner", "updates to provisioner are forbidden."))
	}
	if !sameJSON(n.ReclaimPolicy, o.ReclaimPolicy) {
		errs = append(errs, forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
	}
	if !sameJSON(n.VolumeBindingMode, o.VolumeBindingMode) {
		errs = append(errs, invalid("volumeBindingMode", n.VolumeBindingMode, "field is immutable"))
	}
	return errs
}
