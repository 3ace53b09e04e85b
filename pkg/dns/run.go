package dns

import (
	"context"
	"fmt"
	"net"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/component"
)

// Run is the DNS program: it opens its sockets, watches Services,
// Endpoints and running Pods, answers SERVFAIL until the caches have
// synced, then answers from the index, rebuilt after every change, until
// ctx ends.
func Run(ctx context.Context, o Options) error {
	log, err := component.NewLogger("dns", o.LogLevel)
	if err != nil {
		return err
	}
	defer log.Sync()
	if err := o.validate(); err != nil {
		return err
	}
	cc, err := o.clientConfig()
	if err != nil {
		return err
	}
	cc.UserAgent, cc.Timeout = "kubelab-dns", 30*time.Second
	c, err := client.New(cc)
	if err != nil {
		return err
	}
	informer := func(resource, fieldSelector string) *client.Informer {
		r, _ := api.Lookup(resource)
		return client.NewInformer(c.Resource(r), client.ListOptions{Limit: 1000, FieldSelector: fieldSelector}, log)
	}
	// Only running pods get names. A pod that stops running leaves this
	// watch as a deletion: the apiserver sends DELETED when an object
	// stops matching a watch's selector.
	services, endpoints, pods := informer("services", ""), informer("endpoints", ""), informer("pods", "status.phase=Running")
	reg := component.NewRegistry()
	s := NewServer(Config{
		Domain:   o.ClusterDomain,
		Source:   InformerSource{Services: services, Endpoints: endpoints, Pods: pods},
		Upstream: o.Upstream,
		Log:      log,
		Registry: reg,
	})
	services.AddHandler(s.Handler())
	endpoints.AddHandler(s.Handler())
	pods.AddHandler(s.PodHandler())

	ls, err := Listen(o.Listen)
	if err != nil {
		return err
	}
	health, err := net.Listen("tcp", o.HealthListen)
	if err != nil {
		ls.Close()
		return fmt.Errorf("listen on %s for /healthz, /readyz and /metrics: %w", o.HealthListen, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	serving := make(chan error, 2)
	go func() { serving <- s.Serve(ctx, ls) }()
	go func() { serving <- component.ServeProbes(ctx, health, reg, nil, s.Ready, log) }()
	for _, inf := range []*client.Informer{services, endpoints, pods} {
		go inf.Run(ctx)
	}
	upstream := o.Upstream
	if upstream == "" {
		upstream = "none: names outside the cluster are refused"
	}
	log.Info("listening; SERVFAIL until the caches have synced", zap.String("address", ls.Addr()),
		zap.String("server", cc.Server), zap.String("clusterDomain", o.ClusterDomain), zap.String("upstream", upstream))

	synced := make(chan bool, 1)
	go func() { synced <- client.WaitForSync(ctx, services, endpoints, pods) }()
	select {
	case err := <-serving:
		return stop(cancel, serving, 1, err)
	case ok := <-synced:
		if !ok {
			return stop(cancel, serving, 2, nil)
		}
	}
	s.Rebuild()
	go s.Run(ctx)
	log.Info("caches synced; answering")
	select {
	case <-ctx.Done():
		log.Info("stopping")
		return stop(cancel, serving, 2, nil)
	case err := <-serving:
		return stop(cancel, serving, 1, err)
	}
}

// stop cancels the servers still running, waits for them to close their
// sockets, and returns the first error.
func stop(cancel context.CancelFunc, serving <-chan error, running int, err error) error {
	cancel()
	for ; running > 0; running-- {
		if e := <-serving; err == nil {
			err = e
		}
	}
	return err
}
