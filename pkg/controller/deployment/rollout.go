package deployment

import (
	"cmp"
	"slices"
	"strconv"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

// rollout is one sync's view of a Deployment and its ReplicaSets. Every
// write replaces the object it wrote, so that the next decision of the
// same sync sees it.
type rollout struct {
	key   string
	d     *api.Deployment // a copy: annotations and conditions change here
	orig  api.DeploymentStatus
	newRS *api.ReplicaSet   // nil until created
	old   []*api.ReplicaSet // oldest first
	log   *zap.Logger
}

// newRollout splits rsList into the new ReplicaSet, the oldest of those
// whose template is the Deployment's (Kubernetes' FindNewReplicaSet), and
// the old ones.
func newRollout(key string, d *api.Deployment, rsList []*api.ReplicaSet, log *zap.Logger) *rollout {
	r := &rollout{key: key, d: d, orig: api.DeepCopy(d).Status, log: log}
	rsList = slices.Clone(rsList)
	slices.SortFunc(rsList, byCreation)
	for _, rs := range rsList {
		if r.newRS == nil && equalIgnoringHash(&rs.Spec.Template, &d.Spec.Template) {
			r.newRS = rs
			continue
		}
		r.old = append(r.old, rs)
	}
	return r
}

// all returns the old ReplicaSets and the new one, if any.
func (r *rollout) all() []*api.ReplicaSet {
	if r.newRS == nil {
		return slices.Clone(r.old)
	}
	return append(slices.Clone(r.old), r.newRS)
}

// replace puts updated where the ReplicaSet of the same name was.
func (r *rollout) replace(updated *api.ReplicaSet) {
	if r.newRS != nil && r.newRS.Name == updated.Name {
		r.newRS = updated
		return
	}
	for i, rs := range r.old {
		if rs.Name == updated.Name {
			r.old[i] = updated
		}
	}
}

// activeOld are the old ReplicaSets that still want pods.
func (r *rollout) activeOld() []*api.ReplicaSet {
	var out []*api.ReplicaSet
	for _, rs := range r.old {
		if rsReplicas(rs) > 0 {
			out = append(out, rs)
		}
	}
	return out
}

// isScalingEvent reports whether spec.replicas changed since the active
// ReplicaSets were last scaled: each carries the count it was scaled for
// in the desired-replicas annotation.
func (r *rollout) isScalingEvent() bool {
	for _, rs := range r.all() {
		if rsReplicas(rs) == 0 {
			continue
		}
		if v, ok := annotationInt(rs, desiredReplicasAnnotation); ok && int32(v) != replicas(r.d) {
			return true
		}
	}
	return false
}

// Annotations the controller keeps on a Deployment's ReplicaSets,
// Kubernetes' names: the Deployment's replicas, and replicas plus
// maxSurge, when the ReplicaSet was last scaled.
const (
	desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	maxReplicasAnnotation     = "deployment.kubernetes.io/max-replicas"
)

func rsReplicas(rs *api.ReplicaSet) int32 {
	if rs == nil || rs.Spec.Replicas == nil {
		return 0
	}
	return *rs.Spec.Replicas
}

// sumReplicas adds up spec.replicas: the pods asked for.
func sumReplicas(rss []*api.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		n += rsReplicas(rs)
	}
	return n
}

// sumAvailable adds up status.availableReplicas.
func sumAvailable(rss []*api.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		n += rs.Status.AvailableReplicas
	}
	return n
}

// revision is a ReplicaSet's revision annotation, 0 if none.
func revision(obj *api.ObjectMeta) int64 {
	n, _ := strconv.ParseInt(obj.Annotations[api.RevisionAnnotation], 10, 64)
	return n
}

func annotationInt(rs *api.ReplicaSet, name string) (int64, bool) {
	v, ok := rs.Annotations[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 32)
	return n, err == nil
}

// byCreation orders oldest first, then by name.
func byCreation(a, b *api.ReplicaSet) int {
	if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}
