package api

import (
	"encoding/json"
	"fmt"
)

// Validation of a StatefulSet, Kubernetes' rules (ValidateStatefulSetSpec
// in pkg/apis/apps/validation). Its pod template is checked as a pod
// would be, with one addition: a container may mount a volume named after
// a volumeClaimTemplate, which each pod gets as its own claim. (Kubernetes
// checks only the template's labels and annotations, and leaves the pod
// spec to pod creation; kubelab refuses a broken template up front.)

func validateStatefulSet(sts *StatefulSet) ErrorList {
	errs := validateObjectMeta(&sts.ObjectMeta, true, IsDNS1123Subdomain, "")
	p, spec := fieldPath("spec"), &sts.Spec
	switch spec.PodManagementPolicy {
	case "":
		errs = append(errs, required(p.child("podManagementPolicy"), ""))
	case OrderedReadyPodManagement, ParallelPodManagement:
	default:
		errs = append(errs, notSupported(p.child("podManagementPolicy"), spec.PodManagementPolicy,
			OrderedReadyPodManagement, ParallelPodManagement))
	}
	errs = append(errs, validateStatefulSetUpdateStrategy(&spec.UpdateStrategy, p)...)
	if rp := spec.PersistentVolumeClaimRetentionPolicy; rp != nil {
		pp := p.child("persistentVolumeClaimRetentionPolicy")
		for _, f := range []struct{ name, v string }{{"whenDeleted", rp.WhenDeleted}, {"whenScaled", rp.WhenScaled}} {
			if !oneOf(f.v, RetainPersistentVolumeClaimRetentionPolicyType, DeletePersistentVolumeClaimRetentionPolicyType) {
				errs = append(errs, notSupported(pp.child(f.name), f.v,
					RetainPersistentVolumeClaimRetentionPolicyType, DeletePersistentVolumeClaimRetentionPolicyType))
			}
		}
	}
	errs = append(errs, validateReplicas(spec.Replicas, spec.MinReadySeconds, p)...)
	if o := spec.Ordinals; o != nil && o.Start < 0 {
		errs = append(errs, invalid(p.child("ordinals.start"), o.Start, "must be greater than or equal to 0"))
	}
	if n := spec.RevisionHistoryLimit; n != nil && *n < 0 {
		errs = append(errs, invalid(p.child("revisionHistoryLimit"), *n, "must be greater than or equal to 0"))
	}
	errs = append(errs, validateClaimTemplates(spec.VolumeClaimTemplates, p.child("volumeClaimTemplates"))...)
	errs = append(errs, validateSelectorAndTemplate(spec.Selector, withClaimVolumes(&spec.Template, spec.VolumeClaimTemplates), p)...)
	if spec.ServiceName != "" {
		errs = append(errs, check(p.child("serviceName"), spec.ServiceName, IsDNS1123Label(spec.ServiceName))...)
	}
	return errs
}

func validateStatefulSetUpdateStrategy(s *StatefulSetUpdateStrategy, p fieldPath) ErrorList {
	up := p.child("updateStrategy")
	switch s.Type {
	case "":
		return ErrorList{required(up, "")}
	case OnDeleteStatefulSetStrategyType:
		if s.RollingUpdate != nil {
			b, _ := json.Marshal(s.RollingUpdate)
			return ErrorList{invalid(up.child("rollingUpdate"), jsonValue(b),
				fmt.Sprintf("only allowed for updateStrategy '%s'", RollingUpdateStatefulSetStrategyType))}
		}
	case RollingUpdateStatefulSetStrategyType:
		ru := s.RollingUpdate
		if ru == nil {
			return nil
		}
		rp := up.child("rollingUpdate")
		var errs ErrorList
		if ru.Partition != nil && *ru.Partition < 0 {
			errs = append(errs, invalid(rp.child("partition"), *ru.Partition, "must be greater than or equal to 0"))
		}
		if ru.MaxUnavailable != nil {
			errs = append(errs, validateIntOrPercent(ru.MaxUnavailable, rp.child("maxUnavailable"))...)
			errs = append(errs, notMoreThan100Percent(ru.MaxUnavailable, rp.child("maxUnavailable"))...)
			if isZeroIntOrPercent(ru.MaxUnavailable) {
				errs = append(errs, invalid(rp.child("maxUnavailable"), intOrStringValue(ru.MaxUnavailable), "must be greater than 0"))
			}
		}
		return errs
	default:
		return ErrorList{invalid(up, s.Type, fmt.Sprintf("must be '%s' or '%s'",
			RollingUpdateStatefulSetStrategyType, OnDeleteStatefulSetStrategyType))}
	}
	return nil
}

// validateClaimTemplates checks what the StatefulSet needs of its claim
// templates: a name, which becomes part of every claim's name
// (<template>-<set>-<ordinal>), once. The claim's spec is the storage
// validation's, when each claim is created.
func validateClaimTemplates(claims []PersistentVolumeClaim, p fieldPath) ErrorList {
	var errs ErrorList
	seen := map[string]bool{}
	for i := range claims {
		np := p.index(i).child("metadata").child("name")
		name := claims[i].Name
		switch {
		case name == "":
			errs = append(errs, required(np, "name or generateName is required"))
		case seen[name]:
			errs = append(errs, duplicate(np, name))
		default:
			errs = append(errs, check(np, name, IsDNS1123Subdomain(name))...)
		}
		seen[name] = true
	}
	return errs
}

// withClaimVolumes returns the template as the controller fills it in: a
// volume per claim template, unless the template has one of that name
// already (the claim replaces it in each pod). Only validation uses the
// stand-in emptyDirs; what they stand for is a claim.
func withClaimVolumes(t *PodTemplateSpec, claims []PersistentVolumeClaim) *PodTemplateSpec {
	if len(claims) == 0 {
		return t
	}
	cp := *t
	cp.Spec.Volumes = append([]Volume(nil), t.Spec.Volumes...)
	for _, c := range claims {
		if c.Name != "" && !hasVolume(cp.Spec.Volumes, c.Name) {
			cp.Spec.Volumes = append(cp.Spec.Volumes, Volume{Name: c.Name, VolumeSource: VolumeSource{EmptyDir: &EmptyDirVolumeSource{}}})
		}
	}
	return &cp
}

func hasVolume(vols []Volume, name string) bool {
	for _, v := range vols {
		if v.Name == name {
			return true
		}
	}
	return false
}

// statefulSetSpecUpdateDetail is Kubernetes' explanation of what a
// StatefulSet update may change.
const statefulSetSpecUpdateDetail = "updates to statefulset spec for fields other than 'replicas', 'ordinals', " +
	"'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"

// validateStatefulSetUpdate allows only the changes Kubernetes allows:
// the claims, selector and service of existing pods stay what they were.
func validateStatefulSetUpdate(n, o *StatefulSet) ErrorList {
	cp := n.Spec
	cp.Replicas = o.Spec.Replicas
	cp.Ordinals = o.Spec.Ordinals
	cp.Template = o.Spec.Template
	cp.UpdateStrategy = o.Spec.UpdateStrategy
	cp.PersistentVolumeClaimRetentionPolicy = o.Spec.PersistentVolumeClaimRetentionPolicy
	cp.MinReadySeconds = o.Spec.MinReadySeconds
	if !sameJSON(cp, o.Spec) {
		return ErrorList{forbidden("spec", statefulSetSpecUpdateDetail)}
	}
	return nil
}
