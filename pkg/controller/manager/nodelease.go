package manager

import (
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// addNodeLeaseInformer adds an informer of the Leases in kube-node-lease,
// which the kubelets renew as their heartbeat: the node lifecycle
// controller reads them (the others in the cluster, leader leases among
// them, are nobody's business here).
func addNodeLeaseInformer(c *client.Client, inf map[string]*client.Informer, log *zap.Logger) {
	leases := c.Resource(controller.Resource("leases")).Namespace(api.NamespaceNodeLease)
	inf["leases"] = client.NewInformer(leases, client.ListOptions{}, log.Named("leases"))
}
