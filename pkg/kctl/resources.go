package kctl

import (
	"fmt"
	"strings"

	"kubelab/pkg/api"
)

// target is one resource type named on the command line and the object
// names that go with it; no names means "list them".
type target struct {
	res   api.Resource
	names []string
}

// allTypes are the types `get all` shows, in kubectl's order; those kubelab
// does not serve yet are skipped.
var allTypes = []string{"pods", "replicationcontrollers", "services", "daemonsets", "deployments",
	"replicasets", "statefulsets", "jobs", "cronjobs"}

// parseTargets reads the arguments of get, describe and delete:
//
//	TYPE[,TYPE...] [NAME...]     pods, pod kubia, po,svc kubia
//	TYPE/NAME [TYPE/NAME...]     pod/kubia svc/kubia
//	all                          the types in allTypes
//
// Types are looked up as kubectl does, by plural, singular, short name or
// kind. verb goes into the error for no arguments.
func parseTargets(verb string, args []string) ([]target, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("you must specify the type of resource to %s. Use \"kctl api-resources\" for a complete list of supported resources", verb)
	}
	if strings.Contains(args[0], "/") {
		return parseSlashTargets(args)
	}
	var targets []target
	for _, typ := range strings.Split(args[0], ",") {
		if typ == "all" {
			for _, name := range allTypes {
				if res, ok := api.Lookup(name); ok {
					targets = append(targets, target{res: res, names: args[1:]})
				}
			}
			continue
		}
		res, err := lookupType(typ)
		if err != nil {
			return nil, err
		}
		targets = append(targets, target{res: res, names: args[1:]})
	}
	for _, name := range args[1:] {
		if strings.Contains(name, "/") {
			return nil, fmt.Errorf("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kctl %s resource/<resource_name>' instead of 'kctl %s resource resource/<resource_name>')", verb, verb)
		}
	}
	return targets, nil
}

// parseSlashTargets reads TYPE/NAME arguments, grouping names of the same
// type in the order the types first appear.
func parseSlashTargets(args []string) ([]target, error) {
	var targets []target
	index := map[string]int{}
	for _, arg := range args {
		typ, name, ok := strings.Cut(arg, "/")
		if !ok || typ == "" || name == "" {
			return nil, fmt.Errorf("arguments in resource/name form must have a single resource and name, got %q", arg)
		}
		res, err := lookupType(typ)
		if err != nil {
			return nil, err
		}
		i, seen := index[res.Name]
		if !seen {
			i = len(targets)
			index[res.Name] = i
			targets = append(targets, target{res: res})
		}
		targets[i].names = append(targets[i].names, name)
	}
	return targets, nil
}

func lookupType(typ string) (api.Resource, error) {
	res, ok := api.Lookup(typ)
	if !ok {
		return api.Resource{}, fmt.Errorf("the server doesn't have a resource type %q", typ)
	}
	return res, nil
}

// kindLabel is how kubectl names a type in its output: the lower-case kind
// with the group, "pod" or "replicaset.apps".
func kindLabel(res api.Resource) string {
	if res.Group == "" {
		return strings.ToLower(res.Kind)
	}
	return strings.ToLower(res.Kind) + "." + res.Group
}

// objectLabel is "pod/kubia", as `-o name` and apply print it.
func objectLabel(res api.Resource, name string) string {
	return kindLabel(res) + "/" + name
}

// namespaceFor is the namespace a request about res goes to: none for
// cluster-scoped resources, else ns.
func namespaceFor(res api.Resource, ns string) string {
	if !res.Namespaced {
		return ""
	}
	return ns
}

// noResourcesMessage is what kubectl prints on stderr for an empty list.
func noResourcesMessage(ns string, allNamespaces bool, anyNamespaced bool) string {
	if allNamespaces || !anyNamespaced {
		return "No resources found"
	}
	return fmt.Sprintf("No resources found in %s namespace.", ns)
}
