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
// This package imports nothing of kubelab: the apiserver, the clients and
// the CLI all depend on it, never the other way round.
package api
