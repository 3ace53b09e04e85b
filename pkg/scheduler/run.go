package scheduler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/client/leaderelection"
	"kubelab/pkg/component"
)

// Options are the scheduler's command-line settings.
type Options struct {
	Kubeconfig      string  // the scheduler's kubeconfig (make up writes .kubelab/scheduler.conf)
	Server          string  // apiserver URL; overrides the kubeconfig's
	SchedulerName   string  // schedule pods with this spec.schedulerName
	Parallelism     int     // bindings in flight at once
	QPS             float64 // client rate limit
	Burst           int
	Listen          string // address of /healthz and /metrics; "" serves none
	LogLevel        string
	RecordDecisions bool // write DecisionAnnotation on every pod tried
	// PercentageOfNodesToScore: see Config; 0 is Kubernetes' adaptive default.
	PercentageOfNodesToScore int
	Logger                   *zap.Logger // in-process use; else built from LogLevel
	// LeaderElection: with LeaderElect, the scheduler schedules only
	// while it holds the Lease kube-system/kube-scheduler.
	LeaderElection leaderelection.Options
}

// requestTimeout bounds each request, so that a hung binding cannot hold
// a worker for ever.
const requestTimeout = 30 * time.Second

// Run is the scheduler program: it serves /healthz and /metrics, waits
// for the leader Lease (a standby is healthy), starts the scheduler
// against the apiserver and runs it until ctx is done or the lease is
// lost (leaderelection.ErrLost: the process exits). A
// ctx done before the informers have synced (Ctrl-C while the apiserver
// is away) is a clean stop, not an error.
func Run(ctx context.Context, o Options) error {
	log := o.Logger
	if log == nil {
		var err error
		if log, err = component.NewLogger("scheduler", o.LogLevel); err != nil {
			return err
		}
		defer log.Sync()
	}
	cc, err := client.Load(o.Kubeconfig, o.Server)
	if err != nil {
		return err
	}
	cc.QPS, cc.Burst, cc.UserAgent, cc.Timeout = o.QPS, o.Burst, "kubelab-scheduler", requestTimeout
	c, err := client.New(cc)
	if err != nil {
		return err
	}
	// Events get a client, and so a rate limit, of their own, as in
	// kube-scheduler: a burst of events does not slow the bindings down.
	ec, err := client.New(cc)
	if err != nil {
		return err
	}
	name := orDefault(o.SchedulerName, api.DefaultSchedulerName)
	rec := client.NewRecorder(ec, name, "", log)
	rec.Run(ctx)

	reg := component.NewRegistry()
	var leading, synced atomic.Bool
	healthy := func() error {
		if leading.Load() && !synced.Load() {
			return errors.New("informers not synced yet")
		}
		return nil
	}
	if o.Listen != "" {
		ln, err := net.Listen("tcp", o.Listen)
		if err != nil {
			return fmt.Errorf("--listen: %w", err)
		}
		go func() {
			if err := component.ServeProbes(ctx, ln, reg, healthy, healthy, log); err != nil {
				log.Error("health server", zap.Error(err))
			}
		}()
	}

	lc, err := client.New(cc) // the lease's own client: renewals never wait behind bindings
	if err != nil {
		return err
	}
	return leaderelection.RunOrLead(ctx, lc, o.LeaderElection, log, func(ctx context.Context) error {
		leading.Store(true)
		s, err := Start(ctx, c, Config{Name: name, Parallelism: o.Parallelism, RecordDecisions: o.RecordDecisions,
			PercentageOfNodesToScore: o.PercentageOfNodesToScore, Events: rec, Logger: log, Registry: reg})
		if err != nil {
			if ctx.Err() != nil {
				log.Info("stopped before the informers synced")
				return nil
			}
			return err
		}
		synced.Store(true)
		log.Info("scheduling", zap.String("server", cc.Server), zap.String("schedulerName", name),
			zap.Int("parallelism", s.writers), zap.Float64("qps", o.QPS), zap.Int("burst", o.Burst))
		<-s.Stopped()
		return nil
	})
}

// Start makes a scheduler for the apiserver behind c and starts it, for
// Run and for programs that run a scheduler in-process (benchmarks,
// integration tests): informers of all pods and of nodes feed it, and the
// REST Binder and Patcher write through c unless cfg has others; events go
// through c too unless cfg.Events is set. Start returns once the informers
// have synced; the scheduler then runs until ctx is done, and Stopped is
// closed when it has finished.
func Start(ctx context.Context, c *client.Client, cfg Config) (*Scheduler, error) {
	podsRes, _ := api.Lookup("pods")
	nodesRes, _ := api.Lookup("nodes")
	// All pods, bound ones included: they take up room on their nodes.
	pods := client.NewInformer(c.Resource(podsRes), client.ListOptions{Limit: 1000}, cfg.Logger)
	nodes := client.NewInformer(c.Resource(nodesRes), client.ListOptions{Limit: 1000}, cfg.Logger)
	// Claims, volumes and classes, for pods that mount claims.
	var volumes []*client.Informer
	for _, name := range []string{"persistentvolumeclaims", "persistentvolumes", "storageclasses"} {
		res, _ := api.Lookup(name)
		volumes = append(volumes, client.NewInformer(c.Resource(res), client.ListOptions{Limit: 1000}, cfg.Logger))
	}
	cfg.Volumes = VolumeListers{Claims: volumes[0], Volumes: volumes[1], Classes: volumes[2]}
	rest := NewREST(c)
	cfg.Pods = pods
	if cfg.Binder == nil {
		cfg.Binder = rest
	}
	if cfg.Patcher == nil {
		cfg.Patcher = rest
	}
	if cfg.Claims == nil {
		cfg.Claims = rest
	}
	if cfg.Events == nil {
		rec := client.NewRecorder(c, orDefault(cfg.Name, api.DefaultSchedulerName), "", cfg.Logger)
		rec.Run(ctx)
		cfg.Events = rec
	}
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	pods.AddHandler(s.PodHandler())
	nodes.AddHandler(s.NodeHandler())
	go pods.Run(ctx)
	go nodes.Run(ctx)
	for _, inf := range volumes {
		inf.AddHandler(s.VolumeHandler())
		go inf.Run(ctx)
	}
	if !client.WaitForSync(ctx, nodes, pods, volumes[0], volumes[1], volumes[2]) {
		return nil, errors.New("stopped before the informers synced")
	}
	go s.Run(ctx)
	return s, nil
}
