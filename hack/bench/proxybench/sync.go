package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kubelab/pkg/api"
	"kubelab/pkg/proxy"
)

// proxier drives a Proxier as the proxy program does: Run in a goroutine,
// each change reported to its informer handler. Run then knows which
// service changed, and the nftables mode makes only that service's rules
// again, as it does on a node. How long each sync took is read from the
// Proxier's own proxy_sync_duration_seconds, as /metrics shows it; the
// whole wait, from the handler call until the rules are in the kernel,
// from the applier.
type proxier struct {
	p         *proxy.Proxier
	reg       *prometheus.Registry
	svcs, eps *list
	applied   func() time.Time // when the applier last wrote
	cancel    context.CancelFunc
	done      chan struct{}
}

// newProxier makes a Proxier of cfg over the objects; cfg.Registry is its own.
func newProxier(cfg proxy.Config, services []*api.Service, endpoints []*api.Endpoints, applied func() time.Time) (*proxier, error) {
	b := &proxier{reg: prometheus.NewRegistry(), svcs: &list{}, eps: &list{}, applied: applied}
	b.svcs.set(services)
	b.eps.set(endpoints)
	cfg.Services, cfg.Endpoints, cfg.Registry = b.svcs, b.eps, b.reg
	cfg.MinSyncPeriod, cfg.SyncPeriod = 0, time.Hour
	var err error
	b.p, err = proxy.New(cfg)
	return b, err
}

// sync runs one sync itself, before Run or after it.
func (b *proxier) sync(full bool) (time.Duration, error) {
	return timed(func() error { return b.p.Sync(context.Background(), full) })
}

// start runs Run, and waits for its first sync, which finds nothing to
// write after sync.
func (b *proxier) start() error {
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel, b.done = cancel, make(chan struct{})
	go func() { b.p.Run(ctx); close(b.done) }()
	_, err := b.waitSyncs(1)
	return err
}

func (b *proxier) stop() {
	b.cancel()
	<-b.done
}

// change sets the objects, tells Run through the handler, and waits for
// the sync: how long the sync took, and how long from the handler call
// until the rules were written.
func (b *proxier) change(services []*api.Service, endpoints []*api.Endpoints, changed ...api.Object) (took, wait time.Duration, err error) {
	before, _ := b.syncs()
	b.svcs.set(services)
	b.eps.set(endpoints)
	start := time.Now()
	for _, obj := range changed {
		b.p.Handler().OnUpdate(obj, obj)
	}
	if took, err = b.waitSyncs(before + 1); err != nil {
		return 0, 0, err
	}
	return took, b.applied().Sub(start), nil
}

// waitSyncs waits until Run has made n partial syncs in all, and returns
// how long the last took.
func (b *proxier) waitSyncs(n uint64) (time.Duration, error) {
	deadline := time.Now().Add(30 * time.Second)
	_, sum0 := b.syncs()
	for {
		count, sum := b.syncs()
		if count >= n {
			return time.Duration((sum - sum0) * float64(time.Second)), nil
		}
		if errs := b.counter("proxy_sync_errors_total"); errs > 0 {
			return 0, fmt.Errorf("%v syncs failed (the Proxier logs nothing here: run the proxy's tests)", errs)
		}
		if time.Now().After(deadline) {
			return 0, errors.New("no sync within 30 s")
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// syncs reads proxy_sync_duration_seconds{kind="partial"}: how many, and
// their seconds in all. Run makes only partial syncs here: its periodic
// full one is an hour away.
func (b *proxier) syncs() (count uint64, seconds float64) {
	families, _ := b.reg.Gather()
	for _, f := range families {
		if f.GetName() != "proxy_sync_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == "partial" {
					return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
				}
			}
		}
	}
	return 0, 0
}

func (b *proxier) counter(name string) float64 {
	families, _ := b.reg.Gather()
	for _, f := range families {
		if f.GetName() == name && len(f.GetMetric()) > 0 {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}

// measure runs the same steps in either mode, through b: the first sync;
// an endpoint added, through Run as on a node, to each of o.repeat
// services in turn; a service added; and a full sync after one more
// endpoint. reset zeroes the applier's timers before each step, show
// prints a step's line, and written is the applier's time writing into
// the kernel during the last step.
func measure(o options, b *proxier, services []*api.Service, endpoints []*api.Endpoints,
	reset func(), show func(string, time.Duration), written func() time.Duration) (*figures, error) {
	var f figures
	var err error
	reset()
	if f.first, err = b.sync(true); err != nil {
		return nil, err
	}
	f.program = written()
	show("program all: first sync", f.first)

	if err := b.start(); err != nil {
		return nil, err
	}
	var partials, waits []time.Duration
	for i := range o.repeat {
		endpoints[i] = endpointsOf(i, o.endpoints+1)
		reset()
		took, wait, err := b.change(services, endpoints, endpoints[i])
		if err != nil {
			return nil, err
		}
		show("one endpoint added: partial sync", took)
		partials, waits = append(partials, took), append(waits, wait)
	}
	f.partial, f.wait = median(partials), median(waits)
	reset()
	added := serviceOf(o.services)
	took, _, err := b.change(append(slices.Clone(services), added), append(slices.Clone(endpoints), endpointsOf(o.services, o.endpoints)), added)
	if err != nil {
		return nil, err
	}
	show("one service added: partial sync", took)
	b.stop()
	b.svcs.set(services)
	endpoints[o.repeat] = endpointsOf(o.repeat, o.endpoints+1)
	b.eps.set(endpoints)
	reset()
	if f.full, err = b.sync(true); err != nil {
		return nil, err
	}
	show("one endpoint added: full sync", f.full)
	return &f, nil
}
