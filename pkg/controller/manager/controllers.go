package manager

import (
	"context"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/daemonset"
	"kubelab/pkg/controller/endpoints"
	"kubelab/pkg/controller/garbagecollector"
	"kubelab/pkg/controller/nodelifecycle"
	"kubelab/pkg/controller/podgc"
	"kubelab/pkg/controller/replicaset"
	"kubelab/pkg/controller/rootca"
	"kubelab/pkg/controller/serviceaccount"
)

// reconciler is what the manager needs of a controller: its workers, and
// its queue for the metrics and the health check.
type reconciler interface {
	Run(ctx context.Context, workers int)
	Queue() *client.Queue
}

// informed are the resources whose informers the controllers share.
var informed = []string{"pods", "replicasets", "replicationcontrollers", "daemonsets", "controllerrevisions",
	"nodes", "services", "endpoints", "namespaces", "serviceaccounts"}

// newInformers makes one informer per resource in informed, with the
// indexes the controllers look things up by, and, for the root CA
// publisher, one of the ConfigMaps named kube-root-ca.crt: it needs no
// others, and a cache of every ConfigMap would hold them all.
func newInformers(c *client.Client, o Options, log *zap.Logger) map[string]*client.Informer {
	inf := map[string]*client.Informer{}
	for _, name := range informed {
		i := client.NewInformer(c.Resource(controller.Resource(name)), client.ListOptions{}, log.Named(name))
		i.AddIndex(controller.IndexNamespace, controller.NamespaceIndex)
		i.AddIndex(controller.IndexOwner, controller.OwnerIndex)
		if name == "pods" {
			i.AddIndex(controller.IndexNode, controller.NodeIndex)
		}
		inf[name] = i
	}
	if len(o.RootCA) > 0 {
		inf["configmaps"] = client.NewInformer(c.Resource(controller.Resource("configmaps")),
			client.ListOptions{FieldSelector: "metadata.name=" + api.RootCAConfigMapName}, log.Named("configmaps"))
	}
	addCertificateInformers(c, inf, log)  // certificates.go
	addBatchInformers(c, inf, log)        // batch.go
	addDeploymentInformer(c, inf, log)    // deployment.go
	addStatefulSetInformers(c, inf, log)  // statefulset.go
	addStorageInformers(c, inf, log)      // storage.go
	addNodeLeaseInformer(c, inf, log)     // nodelease.go
	addEndpointSliceInformer(c, inf, log) // endpointslice.go
	return inf
}

// newControllers makes every controller and hangs its handlers on the
// informers.
func newControllers(o Options, c *client.Client, inf map[string]*client.Informer, w controller.Writer, rec *client.Recorder, log *zap.Logger) []reconciler {
	rs := replicaset.New(inf["replicasets"], inf["replicationcontrollers"], inf["pods"], w, rec, log.Named("replicaset"))
	inf["replicasets"].AddHandler(rs.ReplicaSetHandler())
	inf["replicationcontrollers"].AddHandler(rs.ReplicationControllerHandler())
	inf["pods"].AddHandler(rs.PodHandler())

	ds := daemonset.New(inf["daemonsets"], inf["controllerrevisions"], inf["pods"], inf["nodes"], w, rec, log.Named("daemonset"))
	inf["daemonsets"].AddHandler(ds.DaemonSetHandler())
	inf["controllerrevisions"].AddHandler(ds.RevisionHandler())
	inf["pods"].AddHandler(ds.PodHandler())
	inf["nodes"].AddHandler(ds.NodeHandler())

	ep := endpoints.New(inf["services"], inf["pods"], inf["endpoints"], w, rec, log.Named("endpoints"))
	inf["services"].AddHandler(ep.ServiceHandler())
	inf["pods"].AddHandler(ep.PodHandler())
	inf["endpoints"].AddHandler(ep.EndpointsHandler())

	nl := nodelifecycle.New(inf["nodes"], inf["pods"], inf["leases"], w, rec, log.Named("nodelifecycle"),
		nodelifecycle.Options{GracePeriod: o.NodeGracePeriod, EvictionTimeout: o.EvictionTimeout})
	inf["nodes"].AddHandler(nl.NodeHandler())
	inf["leases"].AddHandler(nl.LeaseHandler())

	owned := map[string]controller.Lister{}
	for _, name := range []string{"pods", "replicasets", "replicationcontrollers", "daemonsets", "controllerrevisions", "deployments"} {
		owned[name] = inf[name]
	}
	batchOwned(owned, inf)         // batch.go
	statefulSetOwned(owned, inf)   // statefulset.go
	endpointSliceOwned(owned, inf) // endpointslice.go
	gc := garbagecollector.New(owned, inf["namespaces"], w, garbagecollector.NewLiveClient(c), rec, log.Named("garbagecollector"))
	for name := range owned {
		inf[name].AddHandler(gc.Handler(name))
	}
	inf["namespaces"].AddHandler(gc.NamespaceHandler())

	pgc := podgc.New(inf["pods"], inf["nodes"], c.Resource(controller.Resource("nodes")), w, rec, log.Named("podgc"),
		podgc.Options{Quarantine: o.PodGCQuarantine, TerminatedThreshold: o.TerminatedPodGCThreshold})
	inf["pods"].AddHandler(pgc.PodHandler())
	inf["nodes"].AddHandler(pgc.NodeHandler())

	sa := serviceaccount.New(inf["namespaces"], inf["serviceaccounts"], w, log.Named("serviceaccount"))
	inf["namespaces"].AddHandler(sa.NamespaceHandler())
	inf["serviceaccounts"].AddHandler(sa.ServiceAccountHandler())

	all := []reconciler{rs, ds, ep, nl, gc, pgc, sa}
	all = append(all, deploymentController(inf, w, rec, log))       // deployment.go
	all = append(all, statefulSetController(inf, w, rec, log))      // statefulset.go
	all = append(all, endpointSliceController(inf, w, rec, log))    // endpointslice.go
	all = append(all, certificateControllers(o, c, inf, w, log)...) // certificates.go
	all = append(all, batchControllers(o, inf, w, rec, log)...)     // batch.go
	all = append(all, storageControllers(inf, w, rec, log)...)      // storage.go
	if len(o.RootCA) == 0 {
		log.Info("no root CA (--root-ca-file, or the kubeconfig's certificate-authority): not publishing kube-root-ca.crt; pods will have no ca.crt")
		return all
	}
	rc := rootca.New(o.RootCA, inf["namespaces"], inf["configmaps"], w, log.Named("rootca"))
	inf["namespaces"].AddHandler(rc.NamespaceHandler())
	inf["configmaps"].AddHandler(rc.ConfigMapHandler())
	return append(all, rc)
}
