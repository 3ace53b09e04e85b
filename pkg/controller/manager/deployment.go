package manager

import (
	"go.uber.org/zap"

	"kubelab/pkg/client"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/deployment"
)

// The deployment controller (package controller/deployment) reads
// Deployments and the ReplicaSets the ReplicaSet controller already
// caches; it never reads pods.

// addDeploymentInformer adds the deployments informer to inf (Run starts
// every informer in inf); the garbage collector watches it too, as the
// owner of ReplicaSets.
func addDeploymentInformer(c *client.Client, inf map[string]*client.Informer, log *zap.Logger) {
	deps := client.NewInformer(c.Resource(controller.Resource("deployments")), client.ListOptions{}, log.Named("deployments"))
	deps.AddIndex(controller.IndexNamespace, controller.NamespaceIndex)
	deps.AddIndex(controller.IndexOwner, controller.OwnerIndex)
	inf["deployments"] = deps
}

// deploymentController makes the controller.
func deploymentController(inf map[string]*client.Informer, w controller.Writer, rec *client.Recorder, log *zap.Logger) reconciler {
	deps := inf["deployments"]
	dc := deployment.New(deps, inf["replicasets"], w, rec, log.Named("deployment"))
	deps.AddHandler(dc.DeploymentHandler())
	inf["replicasets"].AddHandler(dc.ReplicaSetHandler())
	return dc
}
