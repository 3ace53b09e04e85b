package apiserver

import (
	"context"

	"kubelab/pkg/api"
)

// mountServiceAccountToken is Kubernetes' ServiceAccount admission: a new
// pod whose token is automounted gets a projected volume
// kube-api-access-<random> with a bound token of its ServiceAccount, the
// cluster CA (the kube-root-ca.crt ConfigMap) and its namespace, mounted
// read-only at /var/run/secrets/kubernetes.io/serviceaccount in every
// container; the kubelet writes the files (pkg/kubelet). So `kctl get pod
// -o yaml` shows the volume, as kubectl does.
//
// The token is automounted unless the pod, or else its ServiceAccount,
// says automountServiceAccountToken: false, or a container already mounts
// something at that path, or the apiserver signs no tokens. A pod whose
// ServiceAccount does not exist yet is admitted all the same (Kubernetes
// refuses it); its kubelet gets a token once the account exists.
func (s *Server) mountServiceAccountToken(ctx context.Context, pod *api.Pod) {
	if s.tokens == nil || !s.automount(pod) {
		return
	}
	for _, c := range append(append([]api.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...) {
		for _, m := range c.VolumeMounts {
			if m.MountPath == api.ServiceAccountMountPath {
				return
			}
		}
	}
	name := generatedName("kube-api-access-")
	pod.Spec.Volumes = append(pod.Spec.Volumes, api.Volume{Name: name, VolumeSource: api.VolumeSource{Projected: &api.ProjectedVolumeSource{
		DefaultMode: api.Int32(api.DefaultProjectedMode),
		Sources: []api.VolumeProjection{
			{ServiceAccountToken: &api.ServiceAccountTokenProjection{ExpirationSeconds: api.Int64(3607), Path: "token"}},
			{ConfigMap: &api.ConfigMapProjection{Name: api.RootCAConfigMapName,
				Items: []api.KeyToPath{{Key: api.RootCAConfigMapKey, Path: api.RootCAConfigMapKey}}}},
			{DownwardAPI: &api.DownwardAPIProjection{Items: []api.DownwardAPIVolumeFile{{Path: "namespace",
				FieldRef: &api.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
		},
	}}})
	mount := api.VolumeMount{Name: name, MountPath: api.ServiceAccountMountPath, ReadOnly: true}
	for i := range pod.Spec.InitContainers {
		pod.Spec.InitContainers[i].VolumeMounts = append(pod.Spec.InitContainers[i].VolumeMounts, mount)
	}
	for i := range pod.Spec.Containers {
		pod.Spec.Containers[i].VolumeMounts = append(pod.Spec.Containers[i].VolumeMounts, mount)
	}
}

// automount tells whether pod gets its ServiceAccount's token: the pod's
// setting, else the account's, else yes.
func (s *Server) automount(pod *api.Pod) bool {
	if a := pod.Spec.AutomountServiceAccountToken; a != nil {
		return *a
	}
	if sa, ok := (saLookup{s}).ServiceAccount(pod.Namespace, pod.Spec.ServiceAccountName); ok && sa.AutomountServiceAccountToken != nil {
		return *sa.AutomountServiceAccountToken
	}
	return true
}
