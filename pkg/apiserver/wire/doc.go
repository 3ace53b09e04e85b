// Package wire is the apiserver's edge for Kubernetes' protobuf encoding:
// the one place in kubelab that imports k8s.io/api and
// k8s.io/apimachinery, and only the apiserver imports it.
//
// client-go's typed clients send request bodies as
// application/vnd.kubernetes.protobuf by default: a create, an update, a
// delete's DeleteOptions, a Binding, a Scale. The protobuf schema is
// Kubernetes' own, generated from its Go types, so the simplest faithful
// decoder is those types themselves:
//
//	j, err := wire.ToJSON(body)      // protobuf envelope → k8s.io/api object → JSON
//	obj, warnings, err := api.DecodeInto(j, res.New())
//
// The apiserver then sees exactly what a JSON client would have sent,
// apiVersion and kind included, and decodes, defaults and validates it as
// always. Answers stay JSON: client-go asks for protobuf or JSON and reads
// whichever comes back.
//
// A body of a kind Kubernetes' types do not know gets an *UnknownKindError
// (the apiserver answers 415, as Kubernetes does for a kind it serves only
// as JSON).
//
// The same types answer one more question: is a field kubelab does not
// implement one of Kubernetes' fields? wire.KnownField("v1", "Pod",
// "spec.containers[0].securityContext") is true, so that
// ?fieldValidation=Strict refuses only what Kubernetes refuses (known.go).
package wire
