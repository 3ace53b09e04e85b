// Package api holds kubelab's API objects and the pure logic around them:
// the object types with Kubernetes' JSON field names, quantities such as
// "500m" and "128Mi", label selectors, defaults, validation and the resource
// registry that maps apiVersion/kind to the REST resource and back.
//
// Every object embeds TypeMeta and ObjectMeta, so each one satisfies Object:
//
//	pod := &api.Pod{}
//	pod.GetObjectMeta().Name = "kubia"
//
// Objects read from a shared cache must not be changed in place; take
// DeepCopy(obj) first.
//
// A manifest becomes a stored object in the order the apiserver follows:
//
//	docs, _ := api.SplitDocuments(file)            // "---" documents, Lists expanded
//	obj, res, warnings, err := api.Decode(docs[0]) // typed by apiVersion/kind; unknown fields are warnings
//	api.SetDefaults(obj)                           // restartPolicy Always, protocol TCP, …
//	errs := api.Validate(obj)                      // spec.containers[0].image: Required value
//
// Lists are filtered with label selectors (ParseSelector, "app=kubia,tier
// in (web)") and field selectors (ParseFieldSelector, "spec.nodeName=n1").
//
// The RBAC kinds (Role, ClusterRole, RoleBinding, ClusterRoleBinding, in
// rbac.go) are stored and validated but NOT YET ENFORCED: no authorizer
// reads them, and every request is allowed whatever they say. They exist
// so that manifests using them apply; enforcement comes with
// authentication.
//
// This package imports nothing of kubelab: the apiserver, the clients and
// the CLI all depend on it, never the other way round.
package api
