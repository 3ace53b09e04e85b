package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"

	"kubelab/pkg/api"
)

// Pod Security Admission: a pod asks for no more of its node than its
// namespace's level allows (api.CheckPodSecurity says what each level
// allows). As in Kubernetes (k8s.io/pod-security-admission):
//
//   - a pod that violates its namespace's level is refused, 403:
//     pods "x" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)
//   - a pod update is checked only when it changes what could matter: its
//     containers' images (nearly all of a pod's spec cannot change), or its
//     AppArmor annotations; status, binding and metadata updates of a pod
//     that already runs are never refused;
//   - a ReplicaSet, ReplicationController or DaemonSet whose pod template
//     violates the level is stored with a warning ("would violate …"): the
//     pods it makes are what is refused;
//   - a namespace's level label must name a level (422 otherwise).
//
// kube-system is privileged (Bootstrap labels it); a namespace without the
// label is baseline. Kubernetes also warns when a namespace is relabelled
// to a level its running pods violate; kubelab does not.

// admitPodSecurity checks obj, a new object or (old not nil) the successor
// of old, against the Pod Security Standards. It runs after validation.
func (s *Server) admitPodSecurity(ctx context.Context, r api.Resource, obj, old api.Object) *api.Status {
	meta := obj.GetObjectMeta()
	if _, ok := obj.(*api.Namespace); ok {
		if old == nil || meta.Labels[api.PodSecurityEnforceLabel] != old.GetObjectMeta().Labels[api.PodSecurityEnforceLabel] {
			if errs := api.ValidatePodSecurityLabels(meta.Labels); len(errs) > 0 {
				return invalid(r, meta.Name, errs)
			}
		}
		return nil
	}
	podMeta, spec := podOf(obj)
	if spec == nil || old != nil && !significantUpdate(obj, old) {
		return nil
	}
	level, st := s.podSecurityLevel(ctx, meta.Namespace)
	if st != nil {
		return st
	}
	violations := api.CheckPodSecurity(level, podMeta, spec)
	if len(violations) == 0 {
		return nil
	}
	policy := level + ":latest"
	if _, ok := obj.(*api.Pod); ok {
		return forbidden(r, meta.Name, fmt.Sprintf("violates PodSecurity %q: %s", policy, violations))
	}
	warn(ctx, fmt.Sprintf("would violate PodSecurity %q: %s", policy, violations))
	return nil
}

// podSecurityLevel is the level a namespace enforces. A namespace that
// does not exist enforces nothing here: the create is refused when it is
// committed (see commit).
func (s *Server) podSecurityLevel(ctx context.Context, namespace string) (string, *api.Status) {
	ns, _, st := s.load(ctx, mustResource("namespaces"), "", namespace)
	switch {
	case st != nil && st.Code == http.StatusNotFound:
		return api.PodSecurityPrivileged, nil
	case st != nil:
		return "", st
	}
	return api.PodSecurityLevel(ns.GetObjectMeta().Labels), nil
}

// podOf returns the pod of an object: a pod's metadata and spec, or a
// workload's pod template; a nil spec for objects without one.
func podOf(obj api.Object) (*api.ObjectMeta, *api.PodSpec) {
	switch o := obj.(type) {
	case *api.Pod:
		return &o.ObjectMeta, &o.Spec
	case *api.ReplicaSet:
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec
	case *api.DaemonSet:
		return &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec
	case *api.ReplicationController:
		if t := o.Spec.Template; t != nil {
			return &t.ObjectMeta, &t.Spec
		}
	}
	return nil, nil
}

// significantUpdate reports whether an update changes what the check
// reads. For a pod that is what its spec lets change (images; Kubernetes'
// isSignificantPodUpdate) and its AppArmor annotations; for a workload,
// its pod template.
func significantUpdate(obj, old api.Object) bool {
	meta, spec := podOf(obj)
	oldMeta, oldSpec := podOf(old)
	if oldSpec == nil {
		return true
	}
	if _, ok := obj.(*api.Pod); !ok {
		return !sameJSON(meta, oldMeta) || !sameJSON(spec, oldSpec)
	}
	if !maps.Equal(appArmorOf(meta), appArmorOf(oldMeta)) {
		return true
	}
	images := func(s *api.PodSpec) []string {
		var out []string
		for _, c := range s.InitContainers {
			out = append(out, c.Image)
		}
		for _, c := range s.Containers {
			out = append(out, c.Image)
		}
		return out
	}
	return !sameJSON(images(spec), images(oldSpec))
}

// appArmorOf returns the AppArmor annotations of a pod.
func appArmorOf(meta *api.ObjectMeta) map[string]string {
	out := map[string]string{}
	for k, v := range meta.Annotations {
		if strings.HasPrefix(k, api.AppArmorAnnotationPrefix) {
			out[k] = v
		}
	}
	return out
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// bootstrapLabels are the labels Bootstrap gives the namespaces it makes:
// kube-system runs the cluster's own pods, which may need the node (a
// proxy on the host network, say).
var bootstrapLabels = map[string]map[string]string{
	"kube-system": {api.PodSecurityEnforceLabel: api.PodSecurityPrivileged},
}

// ensureLabels adds labels to the namespace name where it lacks them,
// reading first, so that nothing is written when it has them.
func (s *Server) ensureLabels(ctx context.Context, name string, labels map[string]string) error {
	namespaces := mustResource("namespaces")
	has := func(obj api.Object) bool {
		cur := obj.GetObjectMeta().Labels
		for k, v := range labels {
			if cur[k] != v {
				return false
			}
		}
		return true
	}
	obj, _, st := s.load(ctx, namespaces, "", name)
	if st == nil && has(obj) {
		return nil
	}
	if st == nil {
		_, st = s.update(ctx, requestInfo{resource: namespaces, verb: "update", name: name}, func(cur api.Object) (api.Object, *api.Status) {
			meta := cur.GetObjectMeta()
			if meta.Labels == nil {
				meta.Labels = map[string]string{}
			}
			maps.Copy(meta.Labels, labels)
			meta.ResourceVersion = "" // whatever is current: a race retries
			return cur, nil
		})
	}
	if st != nil {
		return fmt.Errorf("label namespace %s: %s", name, st.Message)
	}
	return nil
}
