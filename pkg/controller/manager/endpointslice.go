package manager

import (
	"go.uber.org/zap"

	"kubelab/pkg/client"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/endpointslice"
)

// The endpointslice controller (package controller/endpointslice) reads
// the Services, pods and nodes the other controllers already cache, and
// its own EndpointSlices.

// addEndpointSliceInformer adds the endpointslices informer to inf (Run
// starts every informer in inf); the garbage collector watches it too,
// since a Service owns its slices.
func addEndpointSliceInformer(c *client.Client, inf map[string]*client.Informer, log *zap.Logger) {
	slices := client.NewInformer(c.Resource(controller.Resource("endpointslices")), client.ListOptions{}, log.Named("endpointslices"))
	slices.AddIndex(controller.IndexNamespace, controller.NamespaceIndex)
	slices.AddIndex(controller.IndexOwner, controller.OwnerIndex)
	inf["endpointslices"] = slices
}

// endpointSliceOwned hands the garbage collector the Services (owners)
// and their slices (dependents), so that deleting a Service deletes them.
func endpointSliceOwned(owned map[string]controller.Lister, inf map[string]*client.Informer) {
	owned["services"], owned["endpointslices"] = inf["services"], inf["endpointslices"]
}

// endpointSliceController makes the controller.
func endpointSliceController(inf map[string]*client.Informer, w controller.Writer, rec *client.Recorder, log *zap.Logger) reconciler {
	es := endpointslice.New(inf["services"], inf["pods"], inf["endpointslices"], inf["nodes"], w, rec, log.Named("endpointslice"))
	inf["services"].AddHandler(es.ServiceHandler())
	inf["pods"].AddHandler(es.PodHandler())
	inf["endpointslices"].AddHandler(es.SliceHandler())
	return es
}
