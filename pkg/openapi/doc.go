// Package openapi builds the OpenAPI documents of kubelab's API from its
// own Go types in pkg/api, as a Kubernetes apiserver serves them: one
// OpenAPI v3 document per group-version (/openapi/v3/api/v1,
// /openapi/v3/apis/apps/v1, …) and one Swagger 2.0 document for the whole
// API (/openapi/v2).
//
// kubectl reads them for three things:
//
//   - kubectl explain prints a kind's fields with their descriptions;
//   - kubectl apply computes strategic merge patches from the list merge
//     keys (x-kubernetes-patch-merge-key: containers merge by name);
//   - kubectl create/apply/replace/edit decide whether the server validates
//     fields itself: a PATCH operation of the kind that lists the
//     fieldValidation query parameter means yes, and kubectl sends
//     fieldValidation=Strict instead of validating on the client.
//
// Nothing here is written by hand: the schemas come from the types by
// reflection (json tags, Go types, the merge keys of pkg/api's
// mergekeys.go), the descriptions from the types' doc comments, which
// reflection cannot see and so are copied into comments_generated.go by
// the generator in ./gen:
//
//	go generate ./pkg/openapi
//
// The definitions carry Kubernetes' names (io.k8s.api.core.v1.Pod,
// io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta, …) and each kind its
// x-kubernetes-group-version-kind, which is how kubectl finds a kind's
// schema. The caller (pkg/apiserver's openapi.go) builds the documents
// once with Build and serves the bytes.
//
// The files, one idea each:
//
//	schema.go    the Schema type and its Kubernetes extensions
//	types.go     Go types → schemas, by reflection; merge keys; enums from comments
//	names.go     Kubernetes' definition names, operation ids and tags
//	paths.go     each resource's paths, operations and query parameters
//	document.go  the v3 document of each group-version, the index, the hashes
//	v2.go        the same API as one Swagger 2.0 document
//	gen/         the generator of comments_generated.go, and its staleness test
package openapi

//go:generate go run ./gen -api ../api -out comments_generated.go
