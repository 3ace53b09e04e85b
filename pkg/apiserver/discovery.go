package apiserver

import (
	"net/http"
	"slices"
	"sort"

	"kubelab/pkg/api"
)

// Discovery documents, in the shapes kubectl and client-go read:
// /api lists core versions, /apis lists groups, /api/v1 and
// /apis/{group}/{version} list the resources with their verbs.

type apiVersions struct {
	Kind     string   `json:"kind"`
	Versions []string `json:"versions"`
	// ServerAddressByClientCIDRs is required by some clients; one catch-all entry.
	ServerAddressByClientCIDRs []serverAddress `json:"serverAddressByClientCIDRs"`
}

type serverAddress struct {
	ClientCIDR    string `json:"clientCIDR"`
	ServerAddress string `json:"serverAddress"`
}

type groupVersion struct {
	GroupVersion string `json:"groupVersion"`
	Version      string `json:"version"`
}

type apiGroup struct {
	Name             string         `json:"name"`
	Versions         []groupVersion `json:"versions"`
	PreferredVersion groupVersion   `json:"preferredVersion"`
}

type apiGroupList struct {
	Kind       string     `json:"kind"`
	APIVersion string     `json:"apiVersion"`
	Groups     []apiGroup `json:"groups"`
}

type apiResource struct {
	Name         string `json:"name"`
	SingularName string `json:"singularName"`
	Namespaced   bool   `json:"namespaced"`
	// Group and Version are set only where they differ from the list's:
	// a scale subresource is autoscaling/v1's Scale in every group.
	Group      string   `json:"group,omitempty"`
	Version    string   `json:"version,omitempty"`
	Kind       string   `json:"kind"`
	Verbs      []string `json:"verbs"`
	ShortNames []string `json:"shortNames,omitempty"`
	Categories []string `json:"categories,omitempty"`
}

// categories are the resource groups kubectl get expands a name into, as
// Kubernetes lists them: "kubectl get all" is every resource in "all".
var categories = map[string][]string{
	"pods": {"all"}, "services": {"all"}, "replicationcontrollers": {"all"},
	"daemonsets": {"all"}, "deployments": {"all"}, "replicasets": {"all"}, "statefulsets": {"all"},
	"jobs": {"all"}, "cronjobs": {"all"},
}

type apiResourceList struct {
	Kind         string        `json:"kind"`
	APIVersion   string        `json:"apiVersion"`
	GroupVersion string        `json:"groupVersion"`
	Resources    []apiResource `json:"resources"`
}

func (s *Server) serveAPIVersions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, apiVersions{Kind: "APIVersions", Versions: []string{"v1"},
		ServerAddressByClientCIDRs: []serverAddress{{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host}}})
}

func (s *Server) serveAPIGroups(w http.ResponseWriter, r *http.Request) {
	list := apiGroupList{Kind: "APIGroupList", APIVersion: "v1", Groups: []apiGroup{}}
	for _, g := range groups() {
		gv := groupVersion{GroupVersion: g + "/v1", Version: "v1"}
		list.Groups = append(list.Groups, apiGroup{Name: g, Versions: []groupVersion{gv}, PreferredVersion: gv})
	}
	writeJSON(w, http.StatusOK, list)
}

// serveGroup answers /apis/{group} with the group's versions.
func (s *Server) serveGroup(w http.ResponseWriter, group string) bool {
	for _, g := range groups() {
		if g == group {
			gv := groupVersion{GroupVersion: g + "/v1", Version: "v1"}
			writeJSON(w, http.StatusOK, struct {
				Kind       string `json:"kind"`
				APIVersion string `json:"apiVersion"`
				apiGroup
			}{"APIGroup", "v1", apiGroup{Name: g, Versions: []groupVersion{gv}, PreferredVersion: gv}})
			return true
		}
	}
	return false
}

// serveResourceList answers /api/v1 or /apis/{group}/{version}; false when
// no resource has that group and version.
func (s *Server) serveResourceList(w http.ResponseWriter, group, version string) bool {
	list := apiResourceList{Kind: "APIResourceList", APIVersion: "v1", GroupVersion: version}
	if group != "" {
		list.GroupVersion = group + "/" + version
	}
	for _, res := range api.Resources() {
		if res.Group != group || res.Version != version {
			continue
		}
		list.Resources = append(list.Resources, apiResource{Name: res.Name, SingularName: res.Singular,
			Namespaced: res.Namespaced, Kind: res.Kind, Verbs: res.Verbs, ShortNames: res.ShortNames,
			Categories: categories[res.Name]})
		subs := append([]string(nil), res.Subresources...)
		sort.Strings(subs)
		for _, sub := range subs {
			sa := subresourceAPI[sub]
			ar := apiResource{Name: res.Name + "/" + sub, Namespaced: res.Namespaced, Kind: res.Kind,
				Group: sa.group, Version: sa.version, Verbs: sa.verbs}
			if sa.kind != "" {
				ar.Kind = sa.kind
			}
			list.Resources = append(list.Resources, ar)
		}
	}
	for _, rr := range reviewResources {
		if rr.group == group && version == "v1" {
			list.Resources = append(list.Resources, apiResource{Name: rr.name, Kind: rr.kind, Verbs: []string{"create"}})
		}
	}
	if len(list.Resources) == 0 {
		return false
	}
	writeJSON(w, http.StatusOK, list)
	return true
}

// groups are the registry's API groups and those of the review resources.
func groups() []string {
	gs := api.Groups()
	for _, rr := range reviewResources {
		if !slices.Contains(gs, rr.group) {
			gs = append(gs, rr.group)
		}
	}
	sort.Strings(gs)
	return gs
}
