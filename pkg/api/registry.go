package api

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Resource describes one REST resource: how it is named on the wire and in
// URLs, whether it lives in a namespace, and how to make an empty object.
type Resource struct {
	Group        string   // "" for the core group, "apps", "rbac.authorization.k8s.io"
	Version      string   // "v1"
	Kind         string   // "Pod"
	Name         string   // the plural in URLs: "pods"
	Singular     string   // "pod"
	ShortNames   []string // "po"
	Namespaced   bool
	Subresources []string // "status", "binding", "scale", "log", "exec"
	Verbs        []string // what the resource path serves; every verb unless the entry says
	New          func() Object
}

// APIVersion returns "v1" or "group/version".
func (r Resource) APIVersion() string {
	if r.Group == "" {
		return r.Version
	}
	return r.Group + "/" + r.Version
}

// HasSubresource reports whether r serves the named subresource.
func (r Resource) HasSubresource(name string) bool {
	for _, s := range r.Subresources {
		if s == name {
			return true
		}
	}
	return false
}

// Path returns the URL path of the collection (name == "") or of one object.
func (r Resource) Path(namespace, name string) string {
	var b strings.Builder
	if r.Group == "" {
		b.WriteString("/api/" + r.Version)
	} else {
		b.WriteString("/apis/" + r.Group + "/" + r.Version)
	}
	if r.Namespaced && namespace != "" {
		b.WriteString("/namespaces/" + namespace)
	}
	b.WriteString("/" + r.Name)
	if name != "" {
		b.WriteString("/" + name)
	}
	return b.String()
}

var allVerbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

// registry lists every kind kubelab serves, in the order discovery shows them.
var registry = []Resource{
	// Namespaces have no deletecollection, as in Kubernetes: one request
	// must not empty the whole cluster.
	{Version: "v1", Kind: "Namespace", Name: "namespaces", Singular: "namespace", ShortNames: []string{"ns"},
		Subresources: []string{"status", "finalize"}, Verbs: []string{"create", "delete", "get", "list", "patch", "update", "watch"},
		New: func() Object { return &Namespace{} }},
	{Version: "v1", Kind: "Pod", Name: "pods", Singular: "pod", ShortNames: []string{"po"}, Namespaced: true,
		Subresources: []string{"status", "binding", "log", "exec", "attach", "portforward"}, New: func() Object { return &Pod{} }},
	{Version: "v1", Kind: "Service", Name: "services", Singular: "service", ShortNames: []string{"svc"}, Namespaced: true,
		Subresources: []string{"status"}, New: func() Object { return &Service{} }},
	{Version: "v1", Kind: "Endpoints", Name: "endpoints", Singular: "endpoints", ShortNames: []string{"ep"}, Namespaced: true,
		New: func() Object { return &Endpoints{} }},
	{Version: "v1", Kind: "Node", Name: "nodes", Singular: "node", ShortNames: []string{"no"},
		Subresources: []string{"status"}, New: func() Object { return &Node{} }},
	{Version: "v1", Kind: "Event", Name: "events", Singular: "event", ShortNames: []string{"ev"}, Namespaced: true,
		New: func() Object { return &Event{} }},
	{Version: "v1", Kind: "ReplicationController", Name: "replicationcontrollers", Singular: "replicationcontroller",
		ShortNames: []string{"rc"}, Namespaced: true, Subresources: []string{"status", "scale"},
		New: func() Object { return &ReplicationController{} }},
	{Version: "v1", Kind: "ConfigMap", Name: "configmaps", Singular: "configmap", ShortNames: []string{"cm"}, Namespaced: true,
		New: func() Object { return &ConfigMap{} }},
	{Version: "v1", Kind: "Secret", Name: "secrets", Singular: "secret", Namespaced: true,
		New: func() Object { return &Secret{} }},
	{Version: "v1", Kind: "PersistentVolume", Name: "persistentvolumes", Singular: "persistentvolume", ShortNames: []string{"pv"},
		Subresources: []string{"status"}, New: func() Object { return &PersistentVolume{} }},
	{Version: "v1", Kind: "PersistentVolumeClaim", Name: "persistentvolumeclaims", Singular: "persistentvolumeclaim",
		ShortNames: []string{"pvc"}, Namespaced: true, Subresources: []string{"status"},
		New: func() Object { return &PersistentVolumeClaim{} }},
	{Version: "v1", Kind: "ServiceAccount", Name: "serviceaccounts", Singular: "serviceaccount", ShortNames: []string{"sa"},
		Namespaced: true, Subresources: []string{"token"}, New: func() Object { return &ServiceAccount{} }},
	{Group: "apps", Version: "v1", Kind: "ReplicaSet", Name: "replicasets", Singular: "replicaset", ShortNames: []string{"rs"},
		Namespaced: true, Subresources: []string{"status", "scale"}, New: func() Object { return &ReplicaSet{} }},
	{Group: "apps", Version: "v1", Kind: "DaemonSet", Name: "daemonsets", Singular: "daemonset", ShortNames: []string{"ds"},
		Namespaced: true, Subresources: []string{"status"}, New: func() Object { return &DaemonSet{} }},
	{Group: "apps", Version: "v1", Kind: "Deployment", Name: "deployments", Singular: "deployment", ShortNames: []string{"deploy"},
		Namespaced: true, Subresources: []string{"status", "scale"}, New: func() Object { return &Deployment{} }},
	{Group: "apps", Version: "v1", Kind: "StatefulSet", Name: "statefulsets", Singular: "statefulset", ShortNames: []string{"sts"},
		Namespaced: true, Subresources: []string{"status", "scale"}, New: func() Object { return &StatefulSet{} }},
	{Group: "apps", Version: "v1", Kind: "ControllerRevision", Name: "controllerrevisions", Singular: "controllerrevision",
		Namespaced: true, New: func() Object { return &ControllerRevision{} }},
	{Group: BatchGroup, Version: "v1", Kind: "Job", Name: "jobs", Singular: "job",
		Namespaced: true, Subresources: []string{"status"}, New: func() Object { return &Job{} }},
	{Group: BatchGroup, Version: "v1", Kind: "CronJob", Name: "cronjobs", Singular: "cronjob", ShortNames: []string{"cj"},
		Namespaced: true, Subresources: []string{"status"}, New: func() Object { return &CronJob{} }},
	{Group: DiscoveryGroup, Version: "v1", Kind: "EndpointSlice", Name: "endpointslices", Singular: "endpointslice",
		Namespaced: true, New: func() Object { return &EndpointSlice{} }},
	{Group: CoordinationGroup, Version: "v1", Kind: "Lease", Name: "leases", Singular: "lease", Namespaced: true,
		New: func() Object { return &Lease{} }},
	{Group: CertificatesGroup, Version: "v1", Kind: "CertificateSigningRequest", Name: "certificatesigningrequests",
		Singular: "certificatesigningrequest", ShortNames: []string{"csr"}, Subresources: []string{"status", "approval"},
		New: func() Object { return &CertificateSigningRequest{} }},
	{Group: StorageGroup, Version: "v1", Kind: "StorageClass", Name: "storageclasses", Singular: "storageclass",
		ShortNames: []string{"sc"}, New: func() Object { return &StorageClass{} }},
	{Group: RBACGroup, Version: "v1", Kind: "ClusterRoleBinding", Name: "clusterrolebindings", Singular: "clusterrolebinding",
		New: func() Object { return &ClusterRoleBinding{} }},
	{Group: RBACGroup, Version: "v1", Kind: "ClusterRole", Name: "clusterroles", Singular: "clusterrole",
		New: func() Object { return &ClusterRole{} }},
	{Group: RBACGroup, Version: "v1", Kind: "RoleBinding", Name: "rolebindings", Singular: "rolebinding", Namespaced: true,
		New: func() Object { return &RoleBinding{} }},
	{Group: RBACGroup, Version: "v1", Kind: "Role", Name: "roles", Singular: "role", Namespaced: true,
		New: func() Object { return &Role{} }},
}

// byType maps each kind's Go type (*Pod, …) to its registry entry.
var byType = map[reflect.Type]int{}

func init() {
	for i := range registry {
		if registry[i].Verbs == nil {
			registry[i].Verbs = allVerbs
		}
		byType[reflect.TypeOf(registry[i].New())] = i
	}
}

// Resources returns every registered resource.
func Resources() []Resource { return append([]Resource(nil), registry...) }

// Groups returns the API groups other than the core group, sorted.
func Groups() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range registry {
		if r.Group != "" && !seen[r.Group] {
			seen[r.Group] = true
			out = append(out, r.Group)
		}
	}
	sort.Strings(out)
	return out
}

// Lookup finds a resource the way kubectl does: by plural, singular, short
// name or kind, case-insensitively, optionally qualified by group
// ("replicasets.apps").
func Lookup(name string) (Resource, bool) {
	name = strings.ToLower(name)
	group, qualified := "", false
	if i := strings.Index(name, "."); i >= 0 {
		name, group, qualified = name[:i], name[i+1:], true
	}
	for _, r := range registry {
		if qualified && r.Group != group {
			continue
		}
		if name == r.Name || name == r.Singular || name == strings.ToLower(r.Kind) {
			return r, true
		}
		for _, s := range r.ShortNames {
			if name == s {
				return r, true
			}
		}
	}
	return Resource{}, false
}

// ForGroupResource finds a resource by its group and plural, as in a URL.
func ForGroupResource(group, version, name string) (Resource, bool) {
	for _, r := range registry {
		if r.Group == group && r.Version == version && r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// ForKind finds the resource of an apiVersion and kind, as in a manifest.
// The error reads like Kubernetes': no kind "Ingress" is registered for
// version "extensions/v1beta1".
func ForKind(apiVersion, kind string) (Resource, error) {
	if apiVersion == "" {
		return Resource{}, fmt.Errorf("apiVersion is required (the object has kind %s)", Quote(kind))
	}
	if kind == "" {
		return Resource{}, fmt.Errorf("kind is required (the object has apiVersion %s)", Quote(apiVersion))
	}
	for _, r := range registry {
		if r.APIVersion() == apiVersion && r.Kind == kind {
			return r, nil
		}
	}
	return Resource{}, fmt.Errorf("no kind %s is registered for version %s", Quote(kind), Quote(apiVersion))
}

// ResourceOf returns the resource of a typed object (*Pod → pods).
func ResourceOf(obj Object) (Resource, bool) {
	i, ok := byType[reflect.TypeOf(obj)]
	if !ok {
		return Resource{}, false
	}
	return registry[i], true
}

// SetTypeMeta fills in apiVersion and kind from the object's Go type.
func SetTypeMeta(obj Object) {
	if r, ok := ResourceOf(obj); ok {
		tm := obj.GetTypeMeta()
		tm.APIVersion, tm.Kind = r.APIVersion(), r.Kind
	}
}
