package manager

import (
	"go.uber.org/zap"

	"kubelab/pkg/client"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/localpath"
	"kubelab/pkg/controller/pvbinder"
)

// The storage controllers: the PV controller (package controller/pvbinder)
// binds claims to volumes and reclaims released ones, and the local-path
// provisioner (package controller/localpath) makes a volume on the chosen
// node for each claim of its class. They share the claims cache with the
// StatefulSet controller.

// storageInformed are the informers they need beyond pods and nodes.
var storageInformed = []string{"persistentvolumeclaims", "persistentvolumes", "storageclasses"}

// addStorageInformers adds the informers to inf (Run starts every
// informer in inf), unless another controller's are there already.
func addStorageInformers(c *client.Client, inf map[string]*client.Informer, log *zap.Logger) {
	for _, name := range storageInformed {
		if inf[name] != nil {
			continue
		}
		i := client.NewInformer(c.Resource(controller.Resource(name)), client.ListOptions{}, log.Named(name))
		i.AddIndex(controller.IndexNamespace, controller.NamespaceIndex)
		i.AddIndex(controller.IndexOwner, controller.OwnerIndex)
		inf[name] = i
	}
}

// storageControllers makes the PV controller and the local-path
// provisioner.
func storageControllers(inf map[string]*client.Informer, w controller.Writer, rec *client.Recorder, log *zap.Logger) []reconciler {
	claims, volumes, classes := inf["persistentvolumeclaims"], inf["persistentvolumes"], inf["storageclasses"]
	pv := pvbinder.New(claims, volumes, classes, inf["pods"], inf["nodes"], w, rec, log.Named("pvbinder"))
	claims.AddHandler(pv.ClaimHandler())
	volumes.AddHandler(pv.VolumeHandler())
	classes.AddHandler(pv.ClassHandler())
	inf["pods"].AddHandler(pv.PodHandler())

	lp := localpath.New(claims, volumes, classes, inf["nodes"], w, rec, log.Named("localpath"))
	claims.AddHandler(lp.ClaimHandler())
	inf["nodes"].AddHandler(lp.NodeHandler())
	return []reconciler{pv, lp}
}
