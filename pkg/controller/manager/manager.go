package manager

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/client"
	"kubelab/pkg/client/leaderelection"
	"kubelab/pkg/component"
	"kubelab/pkg/controller"
)

// Options are the controller manager's settings.
type Options struct {
	Kubeconfig string // the controller manager's kubeconfig (make up writes .kubelab/controller-manager.conf)
	Server     string // apiserver URL; overrides the kubeconfig's
	QPS        float64
	Burst      int
	Workers    int    // workers per controller
	Listen     string // /healthz and /metrics; "" serves nothing
	LogLevel   string
	// NodeGracePeriod and EvictionTimeout drive the node lifecycle
	// controller (Kubernetes: 40 s and 5 min; a lab uses e.g. 10 s and 20 s).
	NodeGracePeriod time.Duration
	EvictionTimeout time.Duration
	// PodGCQuarantine is how long a pod's node must be missing before the
	// pod garbage collector deletes the pod (Kubernetes: 40 s).
	PodGCQuarantine time.Duration
	// TerminatedPodGCThreshold is how many terminated pods may exist before
	// the oldest are deleted; 0 or less: never (Kubernetes: 12500).
	TerminatedPodGCThreshold int
	// RootCA is the PEM of the cluster's CA, which the root CA publisher
	// (package controller/rootca) puts in every namespace as the ConfigMap
	// kube-root-ca.crt; nil: that controller does not run.
	RootCA []byte
	// ClusterSigningCertFile and ClusterSigningKeyFile are the CA the
	// CertificateSigningRequest signer signs with; if they cannot be read,
	// the signer does not run. ClusterSigningDuration is the longest
	// certificate it issues (0: a year).
	ClusterSigningCertFile string
	ClusterSigningKeyFile  string
	ClusterSigningDuration time.Duration
	// CronJobClockRate runs the cronjob controller's clock that many
	// times as fast as the wall clock (1 or less: real time), so that a
	// demonstration or an end-to-end test sees a schedule of every
	// minute start a Job every second at 60.
	CronJobClockRate float64
	Logger           *zap.Logger // in-process use; else built from LogLevel
	// LeaderElection: with LeaderElect, the controllers start only once
	// this process holds the Lease kube-system/kube-controller-manager.
	LeaderElection leaderelection.Options
}

// requestTimeout bounds each request of a sync, so that a worker is never
// held by an apiserver that does not answer; watches are exempt.
const requestTimeout = 30 * time.Second

// Run waits for the leader Lease (a standby is healthy and does nothing),
// then starts the informers and every controller, and blocks until ctx
// ends or the lease is lost (leaderelection.ErrLost: the process exits).
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
	cc, err := client.Load(o.Kubeconfig, o.Server)
	if err != nil {
		return err
	}
	cc.QPS, cc.Burst, cc.UserAgent, cc.Timeout = o.QPS, o.Burst, "kubelab-controller", requestTimeout
	c, err := client.New(cc)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	rec := client.NewRecorder(c, "controller-manager", host, log.Named("events"))
	rec.Run(ctx)

	inf := newInformers(c, o, log)
	controllers := newControllers(o, c, inf, controller.NewWriter(c), rec, log)

	reg := component.NewRegistry()
	queueMetrics := client.NewQueueMetrics(reg)
	h := health{informers: map[string]syncer{}, stuckAfter: stuckAfter}
	var leading atomic.Bool
	check := func() error {
		if !leading.Load() {
			return nil // a standby: nothing to be stuck on
		}
		return h.check()
	}
	for name, i := range inf {
		h.informers[name] = i
	}
	for _, ctl := range controllers {
		ctl.Queue().Instrument(queueMetrics)
		h.queues = append(h.queues, ctl.Queue())
	}
	if o.Listen != "" {
		ln, err := net.Listen("tcp", o.Listen)
		if err != nil {
			return fmt.Errorf("--listen: %w", err)
		}
		go func() {
			if err := component.ServeProbes(ctx, ln, reg, check, check, log); err != nil {
				log.Error("health server", zap.Error(err))
			}
		}()
	}

	lc, err := client.New(cc) // the lease's own client: renewals never wait behind syncs
	if err != nil {
		return err
	}
	return leaderelection.RunOrLead(ctx, lc, o.LeaderElection, log, func(ctx context.Context) error {
		leading.Store(true)
		return runControllers(ctx, inf, controllers, o.Workers, log)
	})
}

// runControllers starts the informers, waits for their caches, runs the
// controllers and returns once they all stopped.
func runControllers(ctx context.Context, inf map[string]*client.Informer, controllers []reconciler, workers int, log *zap.Logger) error {
	var wg sync.WaitGroup
	all := make([]*client.Informer, 0, len(inf))
	for _, i := range inf {
		all = append(all, i)
		wg.Go(func() { i.Run(ctx) })
	}
	if !client.WaitForSync(ctx, all...) {
		wg.Wait()
		log.Info("stopped before the caches synced")
		return nil
	}
	log.Info("caches synced; starting controllers", zap.Int("workersEach", workers))
	for _, ctl := range controllers {
		wg.Go(func() { ctl.Run(ctx, workers) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("controllers stopped")
}
