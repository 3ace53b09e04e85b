package scheduler

import (
	"fmt"

	"kubelab/pkg/api"
)

// Volume binding, the filter half: a pod that mounts PersistentVolumeClaims
// may only go where its claims' volumes can be used. Kubernetes' plugin
// is VolumeBinding (pkg/scheduler/framework/plugins/volumebinding); its
// reasons read the same here:
//
//	claim missing            persistentvolumeclaim "data" not found
//	claim being deleted      persistentvolumeclaim "data" is being deleted
//	unbound, Immediate class pod has unbound immediate PersistentVolumeClaims
//	bound to a volume of     node(s) had volume node affinity conflict
//	another node
//
// An unbound claim of a WaitForFirstConsumer class fits every node: its
// volume is made once the scheduler has chosen one (the writer side, in
// volumebind.go). Kubernetes also matches such claims against existing
// unbound volumes and the class's allowedTopologies and capacity; kubelab's
// one provisioner, local-path, can make a volume on any node.

// Reasons the volume filter gives that do not name a claim.
const (
	ReasonUnboundImmediate   = "pod has unbound immediate PersistentVolumeClaims"
	ReasonVolumeNodeConflict = "node(s) had volume node affinity conflict"
)

// ObjectLister reads one kind from an informer cache: one object by key
// (namespace/name, or name for cluster-scoped kinds), or all of them.
// *client.Informer is one.
type ObjectLister interface {
	Get(key string) (api.Object, bool)
	List() []api.Object
}

// PodClaim is one claim a pod's volumes name, looked up in the caches
// once per decision, so that the filter stays a pure function of the pod
// and the node.
type PodClaim struct {
	Name   string                     // spec.volumes[].persistentVolumeClaim.claimName
	Claim  *api.PersistentVolumeClaim // nil: not found
	Volume *api.PersistentVolume      // the volume it is bound to; nil if unbound, or the volume is not found
	// Class is the claim's StorageClass, nil for a claim of no class (or
	// of a class not found: ClassName then says which).
	Class     *api.StorageClass
	ClassName string
}

// Bound reports whether the PV controller has bound the claim: it names
// its volume and says Bound. (Kubernetes checks the bind-completed
// annotation; the phase is set in the same write.)
func (c *PodClaim) Bound() bool {
	return c.Claim != nil && c.Claim.Spec.VolumeName != "" && c.Claim.Status.Phase == api.ClaimBound
}

// WaitForFirstConsumer reports whether the claim's volume is to be bound
// (and made) only once a pod using it has a node.
func (c *PodClaim) WaitForFirstConsumer() bool {
	return c.Class != nil && c.Class.VolumeBindingMode != nil && *c.Class.VolumeBindingMode == api.VolumeBindingWaitForFirstConsumer
}

// VolumeBinding fits a node when every claim of the pod is there and not
// going, and is either bound to a volume the node may use or waits for
// its first consumer.
func VolumeBinding(pod *PodInfo, node *NodeInfo) (bool, string) {
	for i := range pod.Claims {
		c := &pod.Claims[i]
		if ok, reason := claimFits(c, node.Node); !ok {
			return false, reason
		}
	}
	return true, ""
}

func claimFits(c *PodClaim, node *api.Node) (bool, string) {
	switch {
	case c.Claim == nil:
		return false, fmt.Sprintf("persistentvolumeclaim %q not found", c.Name)
	case c.Claim.DeletionTimestamp != nil:
		return false, fmt.Sprintf("persistentvolumeclaim %q is being deleted", c.Name)
	case c.Bound() && c.Volume == nil:
		return false, fmt.Sprintf("persistentvolume %q not found", c.Claim.Spec.VolumeName)
	case c.Bound():
		if aff := c.Volume.Spec.NodeAffinity; aff != nil && aff.Required != nil && !api.NodeSelectorMatches(aff.Required, node) {
			return false, ReasonVolumeNodeConflict
		}
		return true, ""
	case c.Class == nil && c.ClassName != "":
		return false, fmt.Sprintf("storageclass.storage.k8s.io %q not found", c.ClassName)
	case !c.WaitForFirstConsumer():
		return false, ReasonUnboundImmediate
	}
	return true, ""
}

// VolumeListers are the caches the scheduler reads claims, volumes and
// classes from. A nil lister finds nothing, so that a scheduler without
// them holds pods with claims back rather than placing them blind.
type VolumeListers struct {
	Claims  ObjectLister
	Volumes ObjectLister
	Classes ObjectLister
}

// ResolveClaims looks up every claim pod's volumes name, in the order of
// its volumes, each once.
func (l VolumeListers) ResolveClaims(pod *api.Pod) []PodClaim {
	var out []PodClaim
	seen := map[string]bool{}
	for _, v := range pod.Spec.Volumes {
		src := v.PersistentVolumeClaim
		if src == nil || seen[src.ClaimName] {
			continue
		}
		seen[src.ClaimName] = true
		c := PodClaim{Name: src.ClaimName}
		if obj, ok := get(l.Claims, pod.Namespace+"/"+src.ClaimName); ok {
			c.Claim = obj.(*api.PersistentVolumeClaim)
			if name := c.Claim.Spec.VolumeName; name != "" {
				if obj, ok := get(l.Volumes, name); ok {
					c.Volume = obj.(*api.PersistentVolume)
				}
			}
			c.Class, c.ClassName = l.classOf(c.Claim)
		}
		out = append(out, c)
	}
	return out
}

// classOf is a claim's StorageClass: the one it names, or for a claim
// that names none (storageClassName absent) the default class. A claim
// with storageClassName "" has no class.
func (l VolumeListers) classOf(claim *api.PersistentVolumeClaim) (*api.StorageClass, string) {
	if name := claim.Spec.StorageClassName; name != nil {
		if *name == "" {
			return nil, ""
		}
		if obj, ok := get(l.Classes, *name); ok {
			return obj.(*api.StorageClass), *name
		}
		return nil, *name
	}
	if l.Classes == nil {
		return nil, ""
	}
	for _, obj := range l.Classes.List() {
		sc := obj.(*api.StorageClass)
		if sc.Annotations[api.IsDefaultStorageClassAnnotation] == "true" {
			return sc, sc.Name
		}
	}
	return nil, ""
}

func get(l ObjectLister, key string) (api.Object, bool) {
	if l == nil {
		return nil, false
	}
	return l.Get(key)
}
