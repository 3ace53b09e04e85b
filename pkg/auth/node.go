package auth

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"kubelab/pkg/api"
)

// NodeAuthorizer is Kubernetes' Node authorizer: it lets a kubelet
// (user system:node:<name>, group system:nodes) do what the system:node
// role allows, narrowed to what its node concerns:
//
//	its own Node            write it and its status; read any Node
//	pods bound to it        write their status, delete them; read any pod
//	Secrets, ConfigMaps,    read only those a pod bound to it uses
//	PersistentVolumeClaims
//	PersistentVolumes       read any; update only its own local volumes,
//	                        to remove their finalizer (AdmitPersistentVolume)
//	ServiceAccount tokens   only for the account of a pod bound to it
//	its own Lease           in kube-node-lease: its heartbeat
//
// So a stolen kubelet credential opens one node's worth of the cluster,
// not all of it. What a request carries in its body (the name of a Node
// being created, the labels and taints of an update) is checked at
// admission: AdmitNode and AdmitPodStatus, Kubernetes' NodeRestriction.
//
// Kubernetes keeps a graph of pods, nodes and the objects pods use,
// updated by informers; kubelab asks a NodeGraph, the apiserver's cache
// of pods indexed by node, and walks the few pods of one node per check.
type NodeAuthorizer struct {
	graph NodeGraph
	rules []api.PolicyRule // the system:node role's
}

// NodeGraph is what the node authorizer reads: the pods bound to a node,
// and one pod by name.
type NodeGraph interface {
	PodsOnNode(node string) []*api.Pod
	Pod(namespace, name string) (*api.Pod, bool)
}

var _ Authorizer = (*NodeAuthorizer)(nil)

// NewNodeAuthorizer returns a node authorizer over g.
func NewNodeAuthorizer(g NodeGraph) *NodeAuthorizer {
	return &NodeAuthorizer{graph: g, rules: policyRules(nodeRules())}
}

// NodeName returns the node a kubelet's user names: "a" for
// system:node:a in group system:nodes.
func NodeName(u *User) (string, bool) {
	if u == nil || !u.InGroup(GroupNodes) || !strings.HasPrefix(u.Name, NodeUserPrefix) {
		return "", false
	}
	name := strings.TrimPrefix(u.Name, NodeUserPrefix)
	return name, name != ""
}

// Authorize has no opinion on anyone but a node. For a node it allows,
// or has no opinion with a reason naming the node and the object:
//
//	node "a" may not get secret "ns/s": no pod bound to it uses it
func (n *NodeAuthorizer) Authorize(_ context.Context, a Attributes) (Decision, string, error) {
	node, ok := NodeName(a.User)
	if !ok {
		return NoOpinion, "", nil
	}
	if !slices.ContainsFunc(n.rules, func(r api.PolicyRule) bool { return ruleAllows(a, &r) }) {
		return NoOpinion, fmt.Sprintf("node %q may not %s: the system:node role does not allow it", node, describeRequest(a)), nil
	}
	var why string
	if a.ResourceRequest && a.APIGroup == "" {
		switch a.Resource {
		case "nodes":
			why = n.ownNode(node, a)
		case "pods":
			why = n.boundPod(node, a)
		case "secrets", "configmaps", "persistentvolumeclaims":
			why = n.usedByPod(node, a)
		case "serviceaccounts":
			why = n.podServiceAccount(node, a)
		}
	}
	if a.ResourceRequest && a.APIGroup == api.CoordinationGroup && a.Resource == "leases" {
		why = ownLease(node, a)
	}
	if why != "" {
		return NoOpinion, fmt.Sprintf("node %q may not %s: %s", node, describeRequest(a), why), nil
	}
	return Allow, fmt.Sprintf("Node: allowed for node %q", node), nil
}

// ownNode: a node reads any Node, writes only its own. A create names no
// object in its path; AdmitNode checks the name in its body.
func (n *NodeAuthorizer) ownNode(node string, a Attributes) string {
	if isRead(a.Verb) || a.Name == "" && a.Verb == "create" || a.Name == node {
		return ""
	}
	return "a node may only change its own Node"
}

// ownLease: a node reads and writes only its own Lease, in
// kube-node-lease, where it renews its heartbeat. A create names no object
// in its path; AdmitNodeLease checks the name in its body. (Kubernetes
// lets a node read any Lease and narrows only its writes, in
// NodeRestriction; kubelab narrows both, here.)
func ownLease(node string, a Attributes) string {
	switch {
	case a.Namespace != api.NamespaceNodeLease:
		return fmt.Sprintf("can only access leases in the %q system namespace", api.NamespaceNodeLease)
	case a.Name == node || a.Name == "" && a.Verb == "create":
		return ""
	}
	return "can only access node lease with the same name as the requesting node"
}

// AdmitNodeLease is the Lease part of NodeRestriction: the Lease a node
// creates must be named after it. Users other than nodes: nil.
func AdmitNodeLease(u *User, lease *api.Lease) error {
	node, ok := NodeName(u)
	if !ok || lease.Namespace == api.NamespaceNodeLease && lease.Name == node {
		return nil
	}
	return forbidden("metadata.name", "node %q can only access node lease with the same name as the requesting node", node)
}

// boundPod: a node reads any pod, but deletes and reports the status of
// only the pods bound to it.
func (n *NodeAuthorizer) boundPod(node string, a Attributes) string {
	if isRead(a.Verb) && a.Subresource == "" {
		return ""
	}
	pod, ok := n.graph.Pod(a.Namespace, a.Name)
	switch {
	case ok && pod.Spec.NodeName == node:
		return ""
	case !ok && a.Name != "":
		// No such pod: let the request get its 404, as Kubernetes'
		// NodeRestriction answers (a kubelet's last delete of a pod
		// often finds it gone already).
		return ""
	}
	return "the pod is not bound to it"
}

// usedByPod: a node reads the Secrets, ConfigMaps and claims its pods
// use, one by name: never a list, which would show them all.
func (n *NodeAuthorizer) usedByPod(node string, a Attributes) string {
	for _, pod := range n.graph.PodsOnNode(node) {
		if pod.Namespace == a.Namespace && a.Name != "" && slices.Contains(referenced(pod, a.Resource), a.Name) {
			return ""
		}
	}
	return "no pod bound to it uses it"
}

// referenced returns the names of the objects of one resource that pod
// uses.
func referenced(pod *api.Pod, resource string) []string {
	secrets, configMaps, pvcs := podReferences(pod)
	switch resource {
	case "secrets":
		return secrets
	case "configmaps":
		return configMaps
	case "persistentvolumeclaims":
		return pvcs
	}
	return nil
}

// podServiceAccount: a node asks for tokens of the ServiceAccounts its
// pods run as.
func (n *NodeAuthorizer) podServiceAccount(node string, a Attributes) string {
	for _, pod := range n.graph.PodsOnNode(node) {
		sa := cmp.Or(pod.Spec.ServiceAccountName, api.DefaultServiceAccountName)
		if pod.Namespace == a.Namespace && a.Name != "" && sa == a.Name {
			return ""
		}
	}
	return "no pod bound to it runs as it"
}

// podReferences lists the Secrets, ConfigMaps and PersistentVolumeClaims
// pod uses: by volume (also as sources of a projected volume, such as the
// kube-root-ca.crt of every pod's ServiceAccount volume), by environment
// variable (valueFrom) and by envFrom. A new field of the pod that names
// such an object belongs here, or its kubelet is refused it. (Kubernetes
// also follows imagePullSecrets, which kubelab's pods do not have yet.)
func podReferences(pod *api.Pod) (secrets, configMaps, pvcs []string) {
	for _, v := range pod.Spec.Volumes {
		if v.Secret != nil {
			secrets = append(secrets, v.Secret.SecretName)
		}
		if v.ConfigMap != nil {
			configMaps = append(configMaps, v.ConfigMap.Name)
		}
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if src.Secret != nil {
					secrets = append(secrets, src.Secret.Name)
				}
				if src.ConfigMap != nil {
					configMaps = append(configMaps, src.ConfigMap.Name)
				}
			}
		}
		if claim := claimName(v); claim != "" {
			pvcs = append(pvcs, claim)
		}
	}
	for _, c := range slices.Concat(pod.Spec.InitContainers, pod.Spec.Containers) {
		for _, e := range c.EnvFrom {
			if r := e.SecretRef; r != nil {
				secrets = append(secrets, r.Name)
			}
			if r := e.ConfigMapRef; r != nil {
				configMaps = append(configMaps, r.Name)
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom == nil {
				continue
			}
			if r := e.ValueFrom.SecretKeyRef; r != nil {
				secrets = append(secrets, r.Name)
			}
			if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
				configMaps = append(configMaps, r.Name)
			}
		}
	}
	return secrets, configMaps, pvcs
}

// claimName is the claim a persistentVolumeClaim volume names, "" for
// another volume.
func claimName(v api.Volume) string {
	if v.PersistentVolumeClaim == nil {
		return ""
	}
	return v.PersistentVolumeClaim.ClaimName
}

// describeRequest names a request in a reason: get secret "ns/s",
// update status of node "a", list pods in namespace "ns", get path
// "/metrics".
func describeRequest(a Attributes) string {
	if !a.ResourceRequest {
		return fmt.Sprintf("%s path %q", a.Verb, a.Path)
	}
	if a.Name == "" {
		if a.Namespace != "" {
			return fmt.Sprintf("%s %s in namespace %q", a.Verb, a.Resource, a.Namespace)
		}
		return a.Verb + " " + a.Resource
	}
	kind := a.Resource
	if r, ok := api.ForGroupResource(a.APIGroup, "v1", a.Resource); ok {
		kind = r.Singular
	}
	key := a.Name
	if a.Namespace != "" {
		key = a.Namespace + "/" + a.Name
	}
	if a.Subresource != "" {
		return fmt.Sprintf("%s %s of %s %q", a.Verb, a.Subresource, kind, key)
	}
	return fmt.Sprintf("%s %s %q", a.Verb, kind, key)
}

func isRead(verb string) bool { return verb == "get" || verb == "list" || verb == "watch" }

// NodeRestrictionPrefix is the label prefix kept for the cluster's
// administrators: a node may not label itself with it, so workloads can
// be steered by such labels to nodes chosen by an administrator, not by
// a node that claims to be one of them.
const NodeRestrictionPrefix = "node-restriction.kubernetes.io/"

// AdmitNode is the Node part of Kubernetes' NodeRestriction admission
// plugin: what a node may write into Node objects. verb is create,
// update, patch or delete; old is nil for a create, new nil for a delete.
// A node may write only its own Node, may not change its taints (which
// would let it invite pods meant for other nodes) nor a pod CIDR once
// set, and may not set or change labels under node-restriction.kubernetes.io/.
// Users other than nodes are not concerned: nil.
func AdmitNode(u *User, verb string, old, new *api.Node) error {
	node, ok := NodeName(u)
	if !ok {
		return nil
	}
	target := new
	if target == nil {
		target = old
	}
	if target == nil {
		return nil
	}
	if target.Name != node {
		return forbidden("metadata.name", "node %q may not %s node %q, only its own", node, verb, target.Name)
	}
	var errs api.ErrorList
	for _, key := range changedLabels(old, new) {
		if restrictedLabel(key) {
			errs = append(errs, forbidden("metadata.labels["+key+"]", "node %q may not set labels under %s", node, NodeRestrictionPrefix))
		}
	}
	if old != nil && new != nil {
		if !slices.EqualFunc(old.Spec.Taints, new.Spec.Taints, sameTaint) {
			errs = append(errs, forbidden("spec.taints", "node %q may not change its taints", node))
		}
		if old.Spec.PodCIDR != "" && new.Spec.PodCIDR != old.Spec.PodCIDR {
			errs = append(errs, forbidden("spec.podCIDR", "node %q may not change its pod CIDR once set", node))
		}
		if len(old.Spec.PodCIDRs) > 0 && !slices.Equal(old.Spec.PodCIDRs, new.Spec.PodCIDRs) {
			errs = append(errs, forbidden("spec.podCIDRs", "node %q may not change its pod CIDRs once set", node))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// AdmitPersistentVolume is kubelab's addition to NodeRestriction: a node
// updates PersistentVolumes only to remove the finalizer of a deleted
// local-path volume once it has removed the volume's directory (the
// kubelet's localpath.go). So it may update only the volumes whose
// nodeAffinity names it, and change nothing but their finalizers, which
// it may only remove. (Kubernetes' kubelets only read volumes; there a
// node-local provisioner cleans up with a pod of its own.) Users other
// than nodes are not concerned: nil.
func AdmitPersistentVolume(u *User, old, new *api.PersistentVolume) error {
	node, ok := NodeName(u)
	if !ok {
		return nil
	}
	if old == nil || new == nil || !VolumeOnNode(old, node) {
		return forbidden("spec.nodeAffinity", "node %q may only update persistentvolumes whose nodeAffinity names it", node)
	}
	var errs api.ErrorList
	if !sameJSON(old.Spec, new.Spec) {
		errs = append(errs, forbidden("spec", "node %q may not change the spec of a persistentvolume", node))
	}
	if !sameJSON(old.Labels, new.Labels) || !sameJSON(old.Annotations, new.Annotations) || !sameJSON(old.Status, new.Status) {
		errs = append(errs, forbidden("metadata", "node %q may only remove finalizers of a persistentvolume", node))
	}
	for _, f := range new.Finalizers {
		if !slices.Contains(old.Finalizers, f) {
			errs = append(errs, forbidden("metadata.finalizers", "node %q may not add finalizer %q", node, f))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// VolumeOnNode reports whether pv's required nodeAffinity holds for the
// node named node, as kubelab labels it (kubernetes.io/hostname is its
// name). A volume with no nodeAffinity is on no node in particular.
func VolumeOnNode(pv *api.PersistentVolume, node string) bool {
	aff := pv.Spec.NodeAffinity
	if aff == nil || aff.Required == nil {
		return false
	}
	n := &api.Node{ObjectMeta: api.ObjectMeta{Name: node, Labels: map[string]string{api.HostnameLabel: node}}}
	return api.NodeSelectorMatches(aff.Required, n)
}

// sameJSON compares two values as they would be stored.
func sameJSON(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(x) == string(y)
}

// AdmitPodStatus is the pod status part of NodeRestriction: a node may
// write the status of pods bound to it only. Users other than nodes are
// not concerned: nil.
func AdmitPodStatus(u *User, pod *api.Pod) error {
	node, ok := NodeName(u)
	if !ok || pod.Spec.NodeName == node {
		return nil
	}
	if pod.Spec.NodeName == "" {
		return forbidden("spec.nodeName", "node %q may not write the status of pod %q: it is bound to no node", node, pod.Namespace+"/"+pod.Name)
	}
	return forbidden("spec.nodeName", "node %q may not write the status of pod %q: it is bound to node %q",
		node, pod.Namespace+"/"+pod.Name, pod.Spec.NodeName)
}

// changedLabels returns the keys added, removed or changed between old
// and new (either may be nil), sorted.
func changedLabels(old, new *api.Node) []string {
	var before, after map[string]string
	if old != nil {
		before = old.Labels
	}
	if new != nil {
		after = new.Labels
	}
	var keys []string
	for k, v := range after {
		if w, ok := before[k]; !ok || w != v {
			keys = append(keys, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// restrictedLabel: node-restriction.kubernetes.io/x, or a subdomain's
// (example.node-restriction.kubernetes.io/x), as in Kubernetes.
func restrictedLabel(key string) bool {
	domain, _, ok := strings.Cut(key, "/")
	const d = "node-restriction.kubernetes.io"
	return ok && (domain == d || strings.HasSuffix(domain, "."+d))
}

// sameTaint compares two taints field by field, timeAdded as an instant
// (a decoded time and a stored one differ in their location).
func sameTaint(a, b api.Taint) bool {
	if a.Key != b.Key || a.Value != b.Value || a.Effect != b.Effect || (a.TimeAdded == nil) != (b.TimeAdded == nil) {
		return false
	}
	return a.TimeAdded == nil || a.TimeAdded.Equal(b.TimeAdded.Time)
}

func forbidden(field, format string, args ...any) *api.FieldError {
	return &api.FieldError{Type: api.ErrorTypeForbidden, Field: field, Detail: fmt.Sprintf(format, args...)}
}
