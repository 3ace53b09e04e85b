package scheduler

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// PodLister reads pods from the informer cache of all pods.
type PodLister interface {
	Get(key string) (api.Object, bool)
}

// EventRecorder reports, as Events on the pod, where it went or why it
// could not go anywhere. *client.Recorder is one.
type EventRecorder interface {
	Eventf(obj api.Object, eventType, reason, format string, args ...any)
}

var _ EventRecorder = (*client.Recorder)(nil)

// Config is what New needs. Pods, Binder, Patcher and Events are
// required; Start fills them in for a real apiserver, Volumes and Claims
// too. Without Volumes, every claim a pod names counts as not found;
// Claims defaults to the Patcher, if that is a ClaimPatcher.
type Config struct {
	Name            string // schedulerName of the pods to schedule; default "default-scheduler"
	Parallelism     int    // bindings in flight at once; default 16
	RecordDecisions bool   // write DecisionAnnotation on every pod tried
	// PercentageOfNodesToScore is the share of the nodes a decision looks
	// for that fit before it stops filtering, in a cluster of 100 nodes
	// or more (sample.go): 0 takes Kubernetes' adaptive default (42% of
	// 1000 nodes), 100 looks at every node.
	PercentageOfNodesToScore int
	Profile                  *Profile
	Pods                     PodLister
	Binder                   Binder
	Patcher                  Patcher
	Events                   EventRecorder
	Volumes                  VolumeListers // claims, volumes and classes, for VolumeBinding
	Claims                   ClaimPatcher  // writes the selected node on claims
	Logger                   *zap.Logger
	Registry                 *prometheus.Registry // for the metrics; default a new one
}

// An unschedulable pod is retried after 1 s, then 2 s, 4 s … up to
// maxBackoff, for no reason but the time. Most retries come sooner, from a
// change that may help: a node added or changed, a pod gone. The queue's
// own back-off, which starts at 5 ms for the errors of controllers, would
// try such a pod eight times (and write eight events) in its first second.
// (Kubernetes waits 1 s to 10 s, and up to 5 minutes when nothing
// changes.)
const (
	firstRetry = time.Second
	maxBackoff = time.Minute
)

// Scheduler is the scheduling loop. Informer handlers (PodHandler,
// NodeHandler) keep its snapshot current and queue the keys of pending
// pods; Run takes the keys off the queue and, for each, decides, assumes,
// then writes the outcome.
type Scheduler struct {
	name     string
	writers  int
	record   bool
	profile  Profile
	pods     PodLister
	binder   Binder
	patcher  Patcher
	events   EventRecorder
	volumes  VolumeListers
	claims   ClaimPatcher
	log      *zap.Logger
	queue    *client.Queue
	metrics  *metrics
	now      func() time.Time
	stopped  chan struct{} // closed when Run returns
	stopOnce sync.Once

	// mu guards the snapshot and the unschedulable set: the deciding
	// goroutine, the informer handlers and failed bindings change them.
	mu            sync.Mutex
	snap          *Snapshot
	sample        sample                 // where the next decision starts (sample.go)
	table         []NodeResult           // the last decision's table of nodes, for the next to reuse (outcome)
	unschedulable map[string]int         // pods that fit nowhere: how many tries in a row
	volumeWaits   map[string]*volumeWait // pods assumed on a node, waiting for their claims (volumebind.go)

	pendingMu sync.Mutex
	firstSeen map[string]time.Time // pending pods: when first seen, for the e2e latency
}

// New returns a scheduler with an empty snapshot; connect PodHandler and
// NodeHandler to informers, wait for them to sync, then Run.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Pods == nil || cfg.Binder == nil || cfg.Patcher == nil || cfg.Events == nil {
		return nil, errors.New("scheduler: Pods, Binder, Patcher and Events are required")
	}
	s := &Scheduler{
		name:          orDefault(cfg.Name, api.DefaultSchedulerName),
		writers:       cfg.Parallelism,
		record:        cfg.RecordDecisions,
		profile:       DefaultProfile(),
		pods:          cfg.Pods,
		binder:        cfg.Binder,
		patcher:       cfg.Patcher,
		events:        cfg.Events,
		volumes:       cfg.Volumes,
		claims:        cfg.Claims,
		log:           cfg.Logger,
		queue:         client.NewQueue("scheduler"),
		now:           time.Now,
		stopped:       make(chan struct{}),
		snap:          NewSnapshot(nil, nil),
		sample:        sample{percentage: min(max(cfg.PercentageOfNodesToScore, 0), 100)},
		unschedulable: map[string]int{},
		volumeWaits:   map[string]*volumeWait{},
		firstSeen:     map[string]time.Time{},
	}
	if s.writers <= 0 {
		s.writers = 16
	}
	if s.claims == nil {
		s.claims, _ = cfg.Patcher.(ClaimPatcher)
	}
	if cfg.Profile != nil {
		s.profile = *cfg.Profile
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	s.queue.SetMaxBackoff(maxBackoff)
	s.queue.Instrument(client.NewQueueMetrics(cfg.Registry))
	s.metrics = newMetrics(cfg.Registry, s.pendingPods)
	return s, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Run schedules until ctx is done. One goroutine decides, one pod at a
// time, so that each decision sees every pod placed before it; up to
// Parallelism goroutines write the outcomes (bind, or say why not), since
// each write waits a round trip to the apiserver. Kubernetes splits its
// scheduler the same way: scheduleOne decides, a goroutine per pod binds.
//
// That split is why Run does not use client.RunWorkers, whose workers
// each do a whole sync; the queue's bookkeeping (finish) is the same.
// Deciding in many workers under one lock was slower: on a busy machine a
// worker handed the lock is not always running, and the others queue up
// behind it.
func (s *Scheduler) Run(ctx context.Context) {
	defer s.stopOnce.Do(func() { close(s.stopped) })
	go func() {
		<-ctx.Done()
		s.queue.ShutDown()
	}()
	inFlight := make(chan struct{}, s.writers) // one token per write in flight
	var wg sync.WaitGroup
	for {
		key, shutdown := s.queue.Get()
		if shutdown {
			break
		}
		start := time.Now()
		write := s.decide(key)
		if write == nil {
			s.finish(ctx, key, start, nil)
			continue
		}
		inFlight <- struct{}{}
		wg.Go(func() {
			defer func() { <-inFlight }()
			s.finish(ctx, key, start, write(ctx))
		})
	}
	wg.Wait()
}

// Stopped is closed once Run has returned and every write has finished.
func (s *Scheduler) Stopped() <-chan struct{} { return s.stopped }

// finish hands key, taken off the queue at start, back to the queue: on
// success its back-off starts over; on failure it comes back after its
// back-off. The failure is logged here, once; a conflict (the pod changed
// under the write) only at debug level, as in client.RunWorkers. A pod
// that fits nowhere is no failure of the scheduler's and is not counted
// as one.
func (s *Scheduler) finish(ctx context.Context, key string, start time.Time, err error) {
	defer s.queue.Done(key)
	if err != nil && ctx.Err() != nil {
		return // stopping: the error is the cancellation itself
	}
	var fit *FitError
	var wait *errWaitingForVolumes
	unschedulable := errors.As(err, &fit)
	if unschedulable || errors.As(err, &wait) {
		s.queue.ObserveSync(time.Since(start), nil)
	} else {
		s.queue.ObserveSync(time.Since(start), err)
	}
	if err == nil {
		s.queue.Forget(key)
		return
	}
	log := s.log.With(zap.String("pod", key), zap.Error(err))
	if wait != nil {
		s.queue.AddAfter(key, volumeRetry) // a claim event brings it back sooner
		log.Debug("waiting for volumes")
		return
	}
	if unschedulable {
		s.mu.Lock()
		tries := s.unschedulable[key]
		s.mu.Unlock()
		delay := retryDelay(tries)
		s.queue.AddAfter(key, delay)
		log.Info("unschedulable; will retry", zap.Int("tries", tries), zap.Duration("in", delay))
		return
	}
	s.queue.AddRateLimited(key)
	level := zap.ErrorLevel
	if client.IsConflict(err) {
		level = zap.DebugLevel
	}
	log.Log(level, "scheduling failed; will retry", zap.Int("failures", s.queue.NumRequeues(key)))
}

// retryDelay is how long an unschedulable pod waits after its tries-th
// failure in a row, unless something changes first.
func retryDelay(tries int) time.Duration {
	return min(firstRetry<<min(max(tries-1, 0), 10), maxBackoff)
}

// wants reports whether pod is this scheduler's to place: unbound, not
// being deleted, not finished, and naming this scheduler.
func (s *Scheduler) wants(pod *api.Pod) bool {
	return pod.Spec.NodeName == "" && pod.DeletionTimestamp == nil &&
		pod.Status.Phase != api.PodSucceeded && pod.Status.Phase != api.PodFailed &&
		orDefault(pod.Spec.SchedulerName, api.DefaultSchedulerName) == s.name
}

// decide is the scheduling half for one key: read the pod from the
// cache, decide, and assume. It returns the write that makes the outcome
// known (bind, or report why not), or nil when there is nothing to do.
func (s *Scheduler) decide(key string) (write func(context.Context) error) {
	obj, ok := s.pods.Get(key)
	if !ok {
		return nil // deleted meanwhile
	}
	pod := obj.(*api.Pod)
	if !s.wants(pod) {
		return nil
	}
	info := NewPodInfo(pod)
	info.Claims = s.volumes.ResolveClaims(pod)
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.volumeWaits[key]; w != nil {
		if write := s.continueVolumeWait(pod, info, w); write != nil {
			return write
		}
		// The wait was given up: decide afresh.
	}
	if counted, _ := s.snap.Has(key); counted {
		return nil // placed already; the informer has not caught up yet
	}
	d := s.profile.schedule(info, s.snap, s.sample, s.table)
	if n := len(d.Nodes); n > 0 {
		s.sample.from = (s.sample.from + d.Evaluated) % n // the next pod starts where this one stopped
	}
	o := outcome{node: d.Node, err: d.Err}
	if s.record {
		o.record = d.Annotation()
	}
	s.table = d.Nodes // the next decision's: nothing else keeps it
	if o.node == "" {
		s.unschedulable[key]++
		return func(ctx context.Context) error { return s.failed(ctx, pod, o) }
	}
	// Assume: count the pod on its node now, not when the informer shows
	// it bound, or the next pods of a burst would all see the same
	// emptiest node and pile onto it.
	s.snap.Assume(info, o.node)
	delete(s.unschedulable, key)
	first := s.firstSeenOf(key) // now: the informer may show the pod bound before the binding call returns
	if write := s.startVolumeWait(pod, info, o, first); write != nil {
		return write // bound once its claims are
	}
	return func(ctx context.Context) error { return s.bind(ctx, pod, o, first) }
}

// outcome is what a decision leaves to its write: the node, or why none
// fits, and the decision's record when decisions are recorded. The
// decision itself stays behind: its table of every node is the size of
// the cluster, and the next decision reuses it rather than allocate
// another (a thousand nodes: 56 kB a pod, which the garbage collector
// then has to go through).
type outcome struct {
	node   string
	err    *FitError
	record string // the value of DecisionAnnotation; "" when not recording
}

// retryUnschedulable queues every pod that fit nowhere: something changed
// that may give it room.
func (s *Scheduler) retryUnschedulable() {
	s.mu.Lock()
	keys := slices.Collect(maps.Keys(s.unschedulable))
	clear(s.unschedulable)
	s.mu.Unlock()
	for _, k := range keys {
		s.queue.Add(k)
	}
}

func (s *Scheduler) firstSeenOf(key string) time.Time {
	s.pendingMu.Lock()
	defer s.pendingMu.Unlock()
	return s.firstSeen[key]
}

func (s *Scheduler) pendingPods() float64 {
	s.pendingMu.Lock()
	defer s.pendingMu.Unlock()
	return float64(len(s.firstSeen))
}

// specOrLabelsChanged reports a change to a pod that could change where it
// fits. Changes to status and annotations, such as the scheduler's own
// writes, cannot.
func specOrLabelsChanged(old, new *api.Pod) bool {
	return !maps.Equal(old.Labels, new.Labels) || !reflect.DeepEqual(old.Spec, new.Spec)
}
