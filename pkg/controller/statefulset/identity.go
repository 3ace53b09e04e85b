package statefulset

import (
	"maps"
	"strconv"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

// A StatefulSet's pods are not interchangeable: each has an ordinal, and
// from it a name (<set>-<ordinal>), a hostname, a DNS name under the
// set's headless Service (<pod>.<serviceName>.<namespace>.svc.cluster.local)
// and claims of its own (<template>-<set>-<ordinal>). A pod that is
// replaced comes back with the same name and the same claims, so whatever
// it wrote there, it finds again. The identity is all in the name, which
// is why the controller needs no generated names and no expectations: a
// create of a pod that already exists fails with AlreadyExists, a second
// delete of a pod is refused by its uid precondition.

// ordinalOf returns the ordinal of a pod of set, from its name, or false
// if the pod is not named as one of set's (such a pod is not a member:
// the controller neither counts nor deletes it).
func ordinalOf(set *api.StatefulSet, pod *api.Pod) (int, bool) {
	rest, ok := strings.CutPrefix(pod.Name, set.Name+"-")
	if !ok {
		return 0, false
	}
	ord, err := strconv.Atoi(rest)
	if err != nil || ord < 0 || strconv.Itoa(ord) != rest {
		return 0, false
	}
	return ord, true
}

// startOrdinal is the first ordinal, 0 unless spec.ordinals moves it.
func startOrdinal(set *api.StatefulSet) int {
	if set.Spec.Ordinals != nil {
		return int(set.Spec.Ordinals.Start)
	}
	return 0
}

func podName(set *api.StatefulSet, ord int) string { return set.Name + "-" + strconv.Itoa(ord) }

// claimName is the name of the claim of template for the pod of ordinal
// ord: Kubernetes' <template>-<set>-<ordinal>.
func claimName(template string, set *api.StatefulSet, ord int) string {
	return template + "-" + podName(set, ord)
}

// newPod is the pod of ordinal ord made from template, the template of
// revision: the template's labels plus its identity (pod name and index)
// and revision, its hostname and subdomain, and a claim volume for each
// of set's volumeClaimTemplates (replacing a template volume of the same
// name).
func newPod(set *api.StatefulSet, template *api.PodTemplateSpec, revision string, ord int) *api.Pod {
	name := podName(set, ord)
	pod := api.DeepCopy(&api.Pod{ // the template's maps and slices belong to the cache
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{
			Name:            name,
			Namespace:       set.Namespace,
			Labels:          maps.Clone(template.Labels),
			Annotations:     template.Annotations,
			Finalizers:      template.Finalizers,
			OwnerReferences: []api.OwnerReference{controllerRef(set)},
		},
		Spec: template.Spec,
	})
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[api.StatefulSetPodNameLabel] = name
	pod.Labels[api.PodIndexLabel] = strconv.Itoa(ord)
	pod.Labels[api.ControllerRevisionHashLabel] = revision
	pod.Spec.Hostname = name
	pod.Spec.Subdomain = set.Spec.ServiceName
	for _, t := range set.Spec.VolumeClaimTemplates {
		v := api.Volume{Name: t.Name, VolumeSource: api.VolumeSource{
			PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: claimName(t.Name, set, ord)}}}
		pod.Spec.Volumes = withVolume(pod.Spec.Volumes, v)
	}
	return pod
}

// withVolume replaces the volume of v's name in vols, or appends v.
func withVolume(vols []api.Volume, v api.Volume) []api.Volume {
	for i := range vols {
		if vols[i].Name == v.Name {
			vols[i] = v
			return vols
		}
	}
	return append(vols, v)
}

// revisionOf is the revision a pod was made from.
func revisionOf(pod *api.Pod) string { return pod.Labels[api.ControllerRevisionHashLabel] }

func controllerRef(set *api.StatefulSet) api.OwnerReference {
	return controller.NewControllerRef(&set.ObjectMeta, "apps/v1", "StatefulSet")
}
