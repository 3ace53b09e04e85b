// Package manager runs every kubelab reconciler in one process, like
// kube-controller-manager: one set of shared informers (one list and one
// watch per resource, however many controllers read it), each controller
// hanging its event handlers on the informers it cares about, and each
// running its own workers over its own queue of keys.
package manager

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/client"
	"kubelab/pkg/component"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/daemonset"
	"kubelab/pkg/controller/endpoints"
	"kubelab/pkg/controller/garbagecollector"
	"kubelab/pkg/controller/nodelifecycle"
	"kubelab/pkg/controller/replicaset"
)

// Options are the controller manager's settings.
type Options struct {
	Server   string
	QPS      float64
	Burst    int
	Workers  int    // workers per controller
	Listen   string // /healthz and /metrics; "" serves nothing
	LogLevel string
	// NodeGracePeriod and EvictionTimeout drive the node lifecycle
	// controller (Kubernetes: 40 s and 5 min; a lab uses e.g. 10 s and 20 s).
	NodeGracePeriod time.Duration
	EvictionTimeout time.Duration
	Logger          *zap.Logger // in-process use; else built from LogLevel
}

// informed are the resources whose informers the controllers share.
var informed = []string{"pods", "replicasets", "replicationcontrollers", "daemonsets",
	"nodes", "services", "endpoints", "namespaces"}

// Run starts the informers and every controller, and blocks until ctx ends.
func Run(ctx context.Context, o Options) error {
	log := o.Logger
	if log == nil {
		var err error
		if log, err = component.NewLogger("controller", o.LogLevel); err != nil {
			return err
		}
		defer log.Sync()
	}
	if o.Workers <= 0 {
		o.Workers = 5
	}
	c, err := client.New(client.Config{Server: o.Server, QPS: o.QPS, Burst: o.Burst, UserAgent: "kubelab-controller"})
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	rec := client.NewRecorder(c, "controller-manager", host, log.Named("events"))
	rec.Run(ctx)
	w := controller.NewWriter(c)

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

	rs := replicaset.New(inf["replicasets"], inf["replicationcontrollers"], inf["pods"], w, rec, log.Named("replicaset"))
	inf["replicasets"].AddHandler(rs.ReplicaSetHandler())
	inf["replicationcontrollers"].AddHandler(rs.ReplicationControllerHandler())
	inf["pods"].AddHandler(rs.PodHandler())

	ds := daemonset.New(inf["daemonsets"], inf["pods"], inf["nodes"], w, rec, log.Named("daemonset"))
	inf["daemonsets"].AddHandler(ds.DaemonSetHandler())
	inf["pods"].AddHandler(ds.PodHandler())
	inf["nodes"].AddHandler(ds.NodeHandler())

	ep := endpoints.New(inf["services"], inf["pods"], inf["endpoints"], w, rec, log.Named("endpoints"))
	inf["services"].AddHandler(ep.ServiceHandler())
	inf["pods"].AddHandler(ep.PodHandler())
	inf["endpoints"].AddHandler(ep.EndpointsHandler())

	nl := nodelifecycle.New(inf["nodes"], inf["pods"], w, rec, log.Named("nodelifecycle"),
		nodelifecycle.Options{GracePeriod: o.NodeGracePeriod, EvictionTimeout: o.EvictionTimeout})
	inf["nodes"].AddHandler(nl.NodeHandler())

	owned := map[string]controller.Lister{}
	for _, name := range []string{"pods", "replicasets", "replicationcontrollers", "daemonsets"} {
		owned[name] = inf[name]
	}
	gc := garbagecollector.New(owned, inf["namespaces"], w, garbagecollector.NewLiveClient(c), rec, log.Named("garbagecollector"))
	for name := range owned {
		inf[name].AddHandler(gc.Handler(name))
	}
	inf["namespaces"].AddHandler(gc.NamespaceHandler())

	var wg sync.WaitGroup
	all := make([]*client.Informer, 0, len(inf))
	for _, i := range inf {
		all = append(all, i)
		wg.Add(1)
		go func(i *client.Informer) { defer wg.Done(); i.Run(ctx) }(i)
	}
	go func() {
		err := component.ServeHealth(ctx, o.Listen, component.NewRegistry(), nil, log)
		if err != nil {
			log.Error("health server", zap.Error(err))
		}
	}()
	if !client.WaitForSync(ctx, all...) {
		wg.Wait()
		return ctx.Err()
	}
	log.Info("caches synced; starting controllers", zap.Int("workersEach", o.Workers))
	for _, run := range []func(context.Context, int){rs.Run, ds.Run, ep.Run, nl.Run, gc.Run} {
		wg.Add(1)
		go func(run func(context.Context, int)) { defer wg.Done(); run(ctx, o.Workers) }(run)
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("controllers stopped")
}
