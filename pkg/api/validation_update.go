package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Updates: a replacement object must be valid on its own, and some fields
// may never change once an object exists, because other components have
// acted on them: a pod's spec has been handed to a node, a Service's
// cluster IP programmed into every node's rules, a ReplicaSet's selector
// decides which pods it owns, a binding's roleRef is what it was allowed
// to grant.

// ValidateUpdate checks a replacement for a stored object: newObj must be
// valid on its own, and the fields Kubernetes treats as immutable must not
// have changed.
func ValidateUpdate(newObj, oldObj Object) ErrorList {
	if reflect.TypeOf(newObj) != reflect.TypeOf(oldObj) {
		return ErrorList{invalid("kind", kindOf(newObj), fmt.Sprintf("may not change kind (was %s)", kindOf(oldObj)))}
	}
	var errs ErrorList
	if cj, ok := newObj.(*CronJob); ok {
		errs = validateCronJob(cj, oldObj.(*CronJob)) // an old TZ= schedule may stay
	} else {
		errs = Validate(newObj)
	}
	nm, om := newObj.GetObjectMeta(), oldObj.GetObjectMeta()
	if nm.Name != om.Name {
		errs = append(errs, invalid("metadata.name", nm.Name, "field is immutable"))
	}
	// An empty namespace or uid in the request is filled in by the apiserver.
	if nm.Namespace != "" && nm.Namespace != om.Namespace {
		errs = append(errs, invalid("metadata.namespace", nm.Namespace, "field is immutable"))
	}
	if nm.UID != "" && om.UID != "" && nm.UID != om.UID {
		errs = append(errs, invalid("metadata.uid", nm.UID, "field is immutable"))
	}
	switch n := newObj.(type) {
	case *Pod:
		errs = append(errs, validatePodSpecUpdate(&n.Spec, &oldObj.(*Pod).Spec)...)
	case *Service:
		o := oldObj.(*Service)
		if o.Spec.ClusterIP != "" && n.Spec.ClusterIP != "" && n.Spec.ClusterIP != o.Spec.ClusterIP {
			errs = append(errs, invalid("spec.clusterIP", n.Spec.ClusterIP, "field is immutable"))
		}
	case *ReplicaSet:
		errs = append(errs, validateSelectorUpdate(n.Spec.Selector, oldObj.(*ReplicaSet).Spec.Selector)...)
	case *DaemonSet:
		errs = append(errs, validateSelectorUpdate(n.Spec.Selector, oldObj.(*DaemonSet).Spec.Selector)...)
	case *Deployment:
		errs = append(errs, validateSelectorUpdate(n.Spec.Selector, oldObj.(*Deployment).Spec.Selector)...)
	case *StatefulSet:
		errs = append(errs, validateStatefulSetUpdate(n, oldObj.(*StatefulSet))...)
	case *ControllerRevision:
		errs = append(errs, validateControllerRevisionUpdate(n, oldObj.(*ControllerRevision))...)
	case *Job:
		errs = append(errs, validateJobUpdate(n, oldObj.(*Job))...)
	case *RoleBinding:
		errs = append(errs, validateRoleRefUpdate(n.RoleRef, oldObj.(*RoleBinding).RoleRef)...)
	case *ClusterRoleBinding:
		errs = append(errs, validateRoleRefUpdate(n.RoleRef, oldObj.(*ClusterRoleBinding).RoleRef)...)
	case *CertificateSigningRequest:
		errs = append(errs, validateCertificateSigningRequestUpdate(n, oldObj.(*CertificateSigningRequest))...)
	case *PersistentVolume:
		errs = append(errs, validatePersistentVolumeUpdate(n, oldObj.(*PersistentVolume))...) // validation_storage.go
	case *PersistentVolumeClaim:
		errs = append(errs, validatePersistentVolumeClaimUpdate(n, oldObj.(*PersistentVolumeClaim))...)
	case *StorageClass:
		errs = append(errs, validateStorageClassUpdate(n, oldObj.(*StorageClass))...)
	case *EndpointSlice:
		errs = append(errs, validateEndpointSliceUpdate(n, oldObj.(*EndpointSlice))...) // validation_discovery.go
	case *Node:
		o := oldObj.(*Node)
		if o.Spec.PodCIDR != "" && n.Spec.PodCIDR != o.Spec.PodCIDR {
			errs = append(errs, forbidden("spec.podCIDR", `node updates may not change podCIDR except from "" to valid`))
		}
	}
	return errs
}

// kindOf names the kind of a typed object, whether or not its TypeMeta is set.
func kindOf(obj Object) string {
	if r, ok := ResourceOf(obj); ok {
		return r.Kind
	}
	return typeOfValue(obj).Name()
}

func validateSelectorUpdate(newSel, oldSel *LabelSelector) ErrorList {
	if !sameJSON(newSel, oldSel) {
		return ErrorList{invalid("spec.selector", labelSelectorValue{newSel}, "field is immutable")}
	}
	return nil
}

// podUpdateDetail is Kubernetes' explanation of what a pod update may change.
const podUpdateDetail = "pod updates may not change fields other than `spec.containers[*].image`, " +
	"`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, " +
	"`spec.tolerations` (only additions to existing tolerations)"

// validatePodSpecUpdate allows only the changes Kubernetes allows: new
// images and added tolerations. It blanks those in copies of both specs and
// requires the rest to be equal.
func validatePodSpecUpdate(newSpec, oldSpec *PodSpec) ErrorList {
	n, o := copyPodSpec(newSpec), copyPodSpec(oldSpec)
	blankImages := func(s *PodSpec) {
		for i := range s.Containers {
			s.Containers[i].Image = ""
		}
		for i := range s.InitContainers {
			s.InitContainers[i].Image = ""
		}
	}
	blankImages(&n)
	blankImages(&o)
	if containsTolerations(n.Tolerations, o.Tolerations) {
		n.Tolerations, o.Tolerations = nil, nil
	}
	if sameJSON(n, o) {
		return nil
	}
	detail := podUpdateDetail
	if changed := changedFields(n, o); len(changed) > 0 {
		detail += " (changed: spec." + strings.Join(changed, ", spec.") + ")"
	}
	return ErrorList{forbidden("spec", detail)}
}

func copyPodSpec(s *PodSpec) PodSpec {
	var out PodSpec
	b, _ := json.Marshal(s)
	_ = json.Unmarshal(b, &out)
	return out
}

// containsTolerations reports whether every old toleration is still in the
// new list, in any order.
func containsTolerations(newList, oldList []Toleration) bool {
	for _, o := range oldList {
		found := false
		for _, n := range newList {
			if sameJSON(o, n) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sameJSON compares two values by their wire form, so that a nil and an
// empty list count as the same.
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// changedFields names the top-level JSON fields that differ between a and b.
func changedFields(a, b any) []string {
	var ma, mb map[string]json.RawMessage
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if json.Unmarshal(ja, &ma) != nil || json.Unmarshal(jb, &mb) != nil {
		return nil
	}
	var changed []string
	for k, v := range ma {
		if string(mb[k]) != string(v) {
			changed = append(changed, k)
		}
	}
	for k := range mb {
		if _, ok := ma[k]; !ok {
			changed = append(changed, k)
		}
	}
	sort.Strings(changed)
	return changed
}
