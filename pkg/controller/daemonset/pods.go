package daemonset

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

// HashLabel is the label on every daemon pod naming the version of the
// template it was made from; a pod whose value differs from the current
// template's is out of date and is replaced by the rolling update.
const HashLabel = "controller-revision-hash"

// templateHash is a short digest of the pod template. Kubernetes keeps each
// version in a ControllerRevision object and labels pods with its hash
// (pkg/controller/history); kubelab keeps only the hash.
func templateHash(t *api.PodTemplateSpec) string {
	b, err := json.Marshal(t)
	if err != nil {
		panic(err) // API types always marshal
	}
	h := fnv.New32a()
	h.Write(b)
	return fmt.Sprintf("%08x", h.Sum32())
}

// podTemplate is the pod a DaemonSet makes, not yet bound to a node: the
// template with the hash label, the daemon tolerations and the controller
// reference. Its spec is also what eligibility is decided on.
func podTemplate(ds *api.DaemonSet, hash string) *api.Pod {
	t := &ds.Spec.Template
	pod := api.DeepCopy(&api.Pod{ // the template's maps and slices belong to the cache
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{
			GenerateName:    ds.Name + "-",
			Namespace:       ds.Namespace,
			Labels:          t.Labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []api.OwnerReference{controllerRef(ds)},
		},
		Spec: t.Spec,
	})
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[HashLabel] = hash
	pod.Spec.Tolerations = withDaemonTolerations(pod.Spec.Tolerations, pod.Spec.HostNetwork)
	return pod
}

// podFor binds a copy of the template pod to node: no scheduler involved.
func podFor(template *api.Pod, node string) *api.Pod {
	pod := api.DeepCopy(template)
	pod.Spec.NodeName = node
	pod.Spec.Affinity = pinnedTo(pod.Spec.Affinity, node)
	return pod
}

func controllerRef(ds *api.DaemonSet) api.OwnerReference {
	return controller.NewControllerRef(&ds.ObjectMeta, "apps/v1", "DaemonSet")
}

// claimPods returns the pods ds controls whose labels it selects, adopting
// matching orphans and releasing its pods that no longer match (the same
// rules as the replicaset package: see controller.ClaimPods).
func (c *Controller) claimPods(ctx context.Context, ds *api.DaemonSet, sel api.Selector) ([]*api.Pod, error) {
	return controller.ClaimPods(ctx, c.w, c.pods, &ds.ObjectMeta, controllerRef(ds), sel)
}
