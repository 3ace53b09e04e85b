package manager

import (
	"go.uber.org/zap"

	"kubelab/pkg/client"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/statefulset"
)

// The StatefulSet controller (package controller/statefulset) reads
// StatefulSets, the ControllerRevisions and pods the DaemonSet controller
// already caches, and PersistentVolumeClaims, whose cache it may share
// with the storage controllers.

// statefulSetInformed are the informers it adds. The garbage collector
// watches both: StatefulSets own pods and revisions, and claims are the
// dependents of a set or a pod under a retention policy of Delete.
var statefulSetInformed = []string{"statefulsets", "persistentvolumeclaims"}

// addStatefulSetInformers adds the informers to inf (Run starts every
// informer in inf), unless another controller's are there already.
func addStatefulSetInformers(c *client.Client, inf map[string]*client.Informer, log *zap.Logger) {
	for _, name := range statefulSetInformed {
		if inf[name] != nil {
			continue
		}
		i := client.NewInformer(c.Resource(controller.Resource(name)), client.ListOptions{}, log.Named(name))
		i.AddIndex(controller.IndexNamespace, controller.NamespaceIndex)
		i.AddIndex(controller.IndexOwner, controller.OwnerIndex)
		inf[name] = i
	}
}

// statefulSetOwned adds the caches the garbage collector watches for
// StatefulSets.
func statefulSetOwned(owned map[string]controller.Lister, inf map[string]*client.Informer) {
	for _, name := range statefulSetInformed {
		owned[name] = inf[name]
	}
}

// statefulSetController makes the controller.
func statefulSetController(inf map[string]*client.Informer, w controller.Writer, rec *client.Recorder, log *zap.Logger) reconciler {
	sc := statefulset.New(inf["statefulsets"], inf["controllerrevisions"], inf["pods"], inf["persistentvolumeclaims"], w, rec, log.Named("statefulset"))
	inf["statefulsets"].AddHandler(sc.StatefulSetHandler())
	inf["controllerrevisions"].AddHandler(sc.RevisionHandler())
	inf["pods"].AddHandler(sc.PodHandler())
	return sc
}
