package leaderelection

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Elector takes and keeps one Lease for one candidate. See the package
// documentation for the rules.
type Elector struct {
	cfg Config
	log *zap.Logger
	key string // namespace/name, for the logs

	mu sync.Mutex
	// observedVersion is the resourceVersion of the record last seen, and
	// observedAt when, by our clock, it was first seen: a lease held by
	// another is ours to take LeaseDuration after that.
	observedVersion string
	observedAt      time.Time
	lost            bool
}

// New checks cfg, filling in the defaults, and returns an Elector.
func New(cfg Config, log *zap.Logger) (*Elector, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	key := cfg.Namespace + "/" + cfg.Name
	return &Elector{cfg: cfg, log: log.With(zap.String("lease", key), zap.String("identity", cfg.Identity)), key: key}, nil
}

// Run waits until it holds the lease, then runs lead with a context that
// ends when the lease is lost or ctx ends, renewing the lease meanwhile.
// It returns when ctx is done (after lead has returned, and the lease is
// released if ReleaseOnCancel), or at once when the lease is lost: the
// caller should then exit, as Kubernetes' components do, since lead may
// still be finishing a write.
func (e *Elector) Run(ctx context.Context, lead func(ctx context.Context)) {
	if !e.acquire(ctx) {
		return
	}
	leadCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		lead(leadCtx)
	}()
	if e.renew(leadCtx) {
		stop()
		<-done
		if e.cfg.ReleaseOnCancel {
			e.release()
		}
		return
	}
	e.mu.Lock()
	e.lost = true
	e.mu.Unlock()
	e.log.Error("leaderelection lost")
}

// Lost reports whether Run returned because the lease was lost.
func (e *Elector) Lost() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lost
}

// acquire tries every RetryPeriod (with jitter, so that candidates spread
// out) until it holds the lease; false when ctx ended first.
func (e *Elector) acquire(ctx context.Context) bool {
	e.log.Info("attempting to acquire leader lease " + e.key + "...")
	for {
		ok, err := e.tryAcquireOrRenew(ctx)
		if ok {
			e.log.Info("successfully acquired lease " + e.key)
			return true
		}
		if err != nil && ctx.Err() == nil {
			e.log.Info("error retrieving or updating the lease; will try again", zap.Error(err))
		}
		wait := e.cfg.RetryPeriod + time.Duration(rand.Float64()*1.2*float64(e.cfg.RetryPeriod))
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
}

// renew renews the lease every RetryPeriod. It returns true when ctx
// ends, false when the lease is lost: another candidate holds it, or no
// renewal succeeded for RenewDeadline.
func (e *Elector) renew(ctx context.Context) bool {
	last := e.cfg.Now()
	for {
		select {
		case <-ctx.Done():
			return true
		case <-time.After(e.cfg.RetryPeriod):
		}
		tryCtx, cancel := context.WithTimeout(ctx, e.cfg.RenewDeadline)
		ok, err := e.tryAcquireOrRenew(tryCtx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return true
		case ok:
			last = e.cfg.Now()
			continue
		case err == nil:
			e.log.Error("failed to renew lease " + e.key + ": another candidate holds it")
			return false
		}
		if since := e.cfg.Now().Sub(last); since >= e.cfg.RenewDeadline {
			e.log.Error("failed to renew lease "+e.key+": timed out", zap.Error(err), zap.Duration("since", since))
			return false
		}
		e.log.Warn("could not renew the lease; trying again", zap.Error(err))
	}
}

// tryAcquireOrRenew makes one attempt: it creates the lease, takes it,
// or renews it. ok is false with a nil error when another candidate
// holds it; an error is a failed read or write (a 409 included: someone
// else wrote first).
func (e *Elector) tryAcquireOrRenew(ctx context.Context) (ok bool, err error) {
	now := e.cfg.Now()
	old, err := e.cfg.Lock.Get(ctx, e.cfg.Namespace, e.cfg.Name)
	if client.IsNotFound(err) {
		lease := &api.Lease{ObjectMeta: api.ObjectMeta{Name: e.cfg.Name, Namespace: e.cfg.Namespace}, Spec: e.spec(nil, now)}
		created, err := e.cfg.Lock.Create(ctx, lease)
		if err != nil {
			return false, fmt.Errorf("create lease %s: %w", e.key, err)
		}
		e.observe(created, now)
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read lease %s: %w", e.key, err)
	}
	observedAt := e.observe(old, now)
	if h := old.Holder(); h != "" && h != e.cfg.Identity && now.Before(observedAt.Add(e.leaseDuration(old))) {
		return false, nil // held, and renewed lately as far as we saw
	}
	upd := api.DeepCopy(old)
	upd.Spec = e.spec(old, now)
	out, err := e.cfg.Lock.Update(ctx, upd)
	if err != nil {
		return false, fmt.Errorf("update lease %s: %w", e.key, err)
	}
	e.observe(out, now)
	return true, nil
}

// spec is the lease as this candidate holds it at now, given the lease
// before (nil: there was none).
func (e *Elector) spec(old *api.Lease, now time.Time) api.LeaseSpec {
	at := api.NewMicroTime(now)
	spec := api.LeaseSpec{
		HolderIdentity:       api.String(e.cfg.Identity),
		LeaseDurationSeconds: api.Int32(int32((e.cfg.LeaseDuration + time.Second - 1) / time.Second)), // whole seconds, rounded up
		AcquireTime:          &at,
		RenewTime:            &at,
		LeaseTransitions:     api.Int32(0),
	}
	if old == nil {
		return spec
	}
	if t := old.Spec.LeaseTransitions; t != nil {
		spec.LeaseTransitions = api.Int32(*t)
	}
	if old.Holder() == e.cfg.Identity {
		if old.Spec.AcquireTime != nil {
			spec.AcquireTime = old.Spec.AcquireTime // a renewal: still the same term
		}
	} else {
		*spec.LeaseTransitions++ // a new holder
	}
	return spec
}

// leaseDuration is how long the lease's holder asked others to wait; our
// own when it says nothing.
func (e *Elector) leaseDuration(l *api.Lease) time.Duration {
	if d := l.Spec.LeaseDurationSeconds; d != nil && *d > 0 {
		return time.Duration(*d) * time.Second
	}
	return e.cfg.LeaseDuration
}

// observe records the lease as seen at now and returns when, by our
// clock, it was first seen as it is.
func (e *Elector) observe(l *api.Lease, now time.Time) time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	if l.ResourceVersion != e.observedVersion || e.observedAt.IsZero() {
		e.observedVersion, e.observedAt = l.ResourceVersion, now
	}
	return e.observedAt
}

// release gives the lease up, as client-go's ReleaseOnCancel does: no
// holder, a one-second duration, so the next candidate need not wait.
func (e *Elector) release() {
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.RenewDeadline)
	defer cancel()
	old, err := e.cfg.Lock.Get(ctx, e.cfg.Namespace, e.cfg.Name)
	if err != nil || old.Holder() != e.cfg.Identity {
		return
	}
	upd := api.DeepCopy(old)
	now := api.NewMicroTime(e.cfg.Now())
	upd.Spec.HolderIdentity = nil
	upd.Spec.LeaseDurationSeconds = api.Int32(1)
	upd.Spec.AcquireTime, upd.Spec.RenewTime = &now, &now
	if _, err := e.cfg.Lock.Update(ctx, upd); err != nil {
		e.log.Warn("could not release the lease", zap.Error(err))
		return
	}
	e.log.Info("released lease " + e.key)
}
