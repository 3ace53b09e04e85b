package proxy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Config is what a Proxier needs.
type Config struct {
	// Node describes this node. With no IPs, the Node object's
	// InternalIPs are used, once the kubelet has registered it.
	Node NodeInfo
	// MinSyncPeriod spaces out the syncs of a storm of changes: after
	// SyncBurst syncs back to back, one per MinSyncPeriod, and changes
	// arriving meanwhile are applied together (runner.go).
	MinSyncPeriod time.Duration
	SyncBurst     int           // syncs that may run back to back; 0: DefaultSyncBurst
	SyncPeriod    time.Duration // a full sync this often

	// Mode is how the rules are written: ModeIPTables ("" too, as before
	// there were two modes) or ModeNFTables.
	Mode string
	// Applier writes the iptables mode's rules, NFT the nftables mode's
	// table; the mode's own must be set. The other, when set, deletes
	// what the other mode left on the node before the first sync writes,
	// so that no packet meets both after a switch of modes
	// (modeswitch.go).
	Applier RuleApplier
	NFT     NFTApplier

	Conntrack Conntrack    // nil: entries of removed UDP endpoints stay
	Status    StatusWriter // nil: LoadBalancer services get no status

	Services, Endpoints, Nodes client.Lister
	Events                     EventRecorder // nil: no events
	AfterFirstSync             func()        // called once, after the first sync that succeeds
	Log                        *zap.Logger
	Registry                   *prometheus.Registry // nil: no metrics
}

// EventRecorder records events about objects; *client.Recorder is one.
type EventRecorder interface {
	Eventf(obj api.Object, eventType, reason, format string, args ...any)
}

// Proxier keeps the node's rules, iptables or nftables, in line with the
// Services and Endpoints. Informer handlers note changes; Run syncs.
type Proxier struct {
	cfg     Config
	log     *zap.Logger
	mode    mode // iptablesMode or nftablesMode (mode.go)
	metrics *metrics
	pending changes       // what changed since Run last looked (changes.go)
	changed chan struct{} // holds one pending "look at pending"
	status  chan struct{} // holds one pending "look at the statuses"

	// applied is what the kernel holds, as far as the proxy knows: the
	// rules of the last successful sync, a Ruleset or an NFTRuleset. nil
	// means unknown (at start, after a failure), and the next sync is a
	// full one. Only the sync goroutine touches it.
	applied          rules
	appliedNode      NodeInfo          // the node as the last successful sync saw it
	nodeIPs          []string          // the node addresses of the last sync, to log changes
	refused          map[string]string // service key → its refused endpoints, as last reported
	firstSynced      bool
	otherModeRemoved bool // the other mode's leftovers are gone (modeswitch.go)

	lastSuccess atomic.Int64 // unix nanoseconds, for Healthy
}

// New returns a Proxier; Run starts it. It fails when Config.Mode is
// unknown or its applier is missing.
func New(cfg Config) (*Proxier, error) {
	m, err := newMode(cfg)
	if err != nil {
		return nil, err
	}
	cfg.Log = orNop(cfg.Log)
	return &Proxier{cfg: cfg, log: cfg.Log, mode: m, metrics: newMetrics(cfg.Registry), changed: make(chan struct{}, 1),
		status: make(chan struct{}, 1), refused: map[string]string{}}, nil
}

// Handler is the informer handler of Services and Endpoints. It notes
// which service changed: Run syncs only if that service's rules would
// change (changes.go). A sync itself computes everything from the caches.
func (p *Proxier) Handler() client.Handler {
	return client.Handler{
		OnAdd:    p.objectChanged,
		OnUpdate: func(_, new api.Object) { p.objectChanged(new) },
		OnDelete: p.objectChanged,
	}
}

// NodeHandler is the informer handler of Nodes. A kubelet's heartbeat
// updates its Node every few seconds; only a change of readiness or of
// addresses matters to the rules and the load balancer status.
func (p *Proxier) NodeHandler() client.Handler {
	h := client.Handler{
		OnAdd:    func(api.Object) { p.Changed() },
		OnDelete: func(api.Object) { p.Changed() },
	}
	h.OnUpdate = func(old, new api.Object) {
		o, n := old.(*api.Node), new.(*api.Node)
		if nodeReady(o) != nodeReady(n) || !slices.Equal(internalIPs(o), internalIPs(n)) {
			p.Changed()
		}
	}
	return h
}

// Changed asks for a sync, whatever changed: anything may have. It
// never blocks.
func (p *Proxier) Changed() {
	p.pending.addAll()
	p.wake()
}

// wake tells Run to look at what changed. It never blocks: one pending
// wake-up stands for any number.
func (p *Proxier) wake() {
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// Run syncs until ctx ends: once at once (a full sync, which also removes
// chains left over from before), then whenever a change would alter the
// rules, and a full sync every SyncPeriod. A syncRunner paces the syncs
// (runner.go): a lone change is applied at once, a storm of them in few
// syncs, and the periodic full sync keeps its own schedule, so no change
// pays for it. A failed sync is retried, spaced out, with a full sync.
// The rules stay when Run returns, so traffic keeps flowing while the
// proxy restarts. Load balancer statuses are written from a goroutine of
// their own (runStatus). Run keeps track of the services that changed
// since the last sync, so that a sync makes only their rules again, where
// the mode can (the nftables mode does: nftparts.go).
func (p *Proxier) Run(ctx context.Context) {
	statusDone := make(chan struct{})
	go func() { p.runStatus(ctx); close(statusDone) }()
	defer func() { <-statusDone }() // nothing of the proxy outlives Run
	runner := newSyncRunner(p.cfg.MinSyncPeriod, p.cfg.SyncPeriod, cmp.Or(p.cfg.SyncBurst, DefaultSyncBurst), time.Now())
	var neededSince time.Time // when a change first needed the sync to come; zero: none waits
	since := everything       // what changed since the last successful sync: at first, who knows
	minBackoff := max(p.cfg.MinSyncPeriod, time.Second)
	backoff := minBackoff
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for ctx.Err() == nil {
		now := time.Now()
		kind, wait := runner.next(now)
		if kind == runNone {
			var due <-chan time.Time // nil: nothing due until a change
			if wait >= 0 {
				timer.Reset(wait)
				due = timer.C
			}
			select {
			case <-ctx.Done():
			case <-p.changed:
				if changed, needed := p.needsSync(); needed {
					since = since.merge(changed)
					runner.request()
					if neededSince.IsZero() {
						neededSince = time.Now()
					}
				}
			case <-due:
			}
			continue
		}
		if !neededSince.IsZero() { // the rate limit's delay, plus the loop's
			p.metrics.syncWait.Observe(now.Sub(neededSince).Seconds())
			neededSince = time.Time{}
		}
		full := p.applied == nil || kind == runPeriodic
		if err := p.sync(ctx, full, since); err != nil {
			p.log.Error("sync failed; retrying with a full sync", zap.Duration("in", backoff), zap.Error(err))
			runner.retryAfter(time.Now(), backoff)
			backoff = min(2*backoff, max(p.cfg.SyncPeriod, minBackoff))
			continue
		}
		since = changeSet{}
		backoff = minBackoff
	}
}

// Sync computes the rules from the caches and applies them: all of them
// when full, else only what changed since the last sync. It computes
// them from every Service and Endpoints object: it cannot know which
// changed.
func (p *Proxier) Sync(ctx context.Context, full bool) error {
	return p.sync(ctx, full, everything)
}

// sync is Sync knowing what changed since the last successful sync.
func (p *Proxier) sync(ctx context.Context, full bool, since changeSet) error {
	start := time.Now()
	node := p.nodeInfo(client.ListOf[*api.Node](p.cfg.Nodes))
	full = full || p.applied == nil
	if full {
		p.removeOtherMode()
	}
	next, services, only := p.generate(full, since, node)
	text, err := p.mode.text(next, p.applied, full)
	if err != nil {
		return err
	}
	var applyTook time.Duration
	if text != "" {
		applyStart := time.Now()
		if err := p.mode.apply(text); err != nil {
			p.applied = nil // the kernel's state is unknown now
			p.metrics.syncErrors.Inc()
			return err
		}
		applyTook = time.Since(applyStart)
	}
	if full {
		if err := p.mode.afterFull(); err != nil {
			p.applied = nil
			p.metrics.syncErrors.Inc()
			return err
		}
	}
	prev := p.applied
	p.applied, p.appliedNode = next, node
	took := time.Since(start)
	p.lastSuccess.Store(time.Now().UnixNano())
	kind := "partial"
	if full {
		kind = "full"
	}
	p.metrics.syncDuration.WithLabelValues(kind).Observe(took.Seconds())
	p.metrics.observe(next)
	logAt := p.log.Debug // periodic full syncs are routine
	if prev == nil || (!full && text != "") {
		logAt = p.log.Info
	}
	generated := "all services" // or, from a partial regeneration, those that changed
	if only != nil {
		generated = fmt.Sprintf("only the %d changed", len(only))
	}
	logAt("rules synced", zap.String("mode", p.mode.name()), zap.String("kind", kind), zap.String("generated", generated),
		zap.Int("servicePorts", len(next.servicePorts())), zap.Int("written", p.mode.written(text)), zap.Int("bytes", len(text)),
		zap.Duration("apply", applyTook), zap.Duration("took", took))

	if prev != nil {
		p.deleteStaleConntrack(prev.servicePorts(), next.servicePorts())
	}
	p.statusDue()
	p.reportRefused(services, next.servicePorts(), only)
	if !p.firstSynced {
		p.firstSynced = true
		if p.cfg.AfterFirstSync != nil {
			p.cfg.AfterFirstSync()
		}
	}
	return nil
}

// generate computes the next rules. When Run knows which services
// changed since the last sync, and the mode can, only theirs are made
// again, from their objects alone: with 10,000 services that is a few
// milliseconds where making everything takes tens. Otherwise, and in a
// full sync, everything is made from the caches. It returns the Services
// it read, for the events, and the keys they are limited to (nil: none
// left out).
func (p *Proxier) generate(full bool, since changeSet, node NodeInfo) (rules, []*api.Service, map[string]bool) {
	if !full && !since.all && node.equal(p.appliedNode) {
		services, endpoints := p.objectsOf(since.keys)
		if next := p.mode.regenerate(p.applied, since.keys, services, endpoints, node); next != nil {
			return next, services, since.keys
		}
	}
	services, endpoints := client.ListOf[*api.Service](p.cfg.Services), client.ListOf[*api.Endpoints](p.cfg.Endpoints)
	return p.mode.generate(services, endpoints, node), services, nil
}

// getter is a cache that finds one object by its key; client.Informer
// is one.
type getter interface {
	Get(key string) (api.Object, bool)
}

// objectsOf reads the Services and Endpoints of the services keys from
// the caches, by key where the cache can: listing 10,000 objects to find
// one costs more than the rest of a sync. The objects are shared with
// the informers: the generators only read them.
func (p *Proxier) objectsOf(keys map[string]bool) ([]*api.Service, []*api.Endpoints) {
	return cached[*api.Service](p.cfg.Services, keys), cached[*api.Endpoints](p.cfg.Endpoints, keys)
}

func cached[T api.Object](l client.Lister, keys map[string]bool) []T {
	var out []T
	if g, ok := l.(getter); ok {
		for key := range keys {
			if obj, ok := g.Get(key); ok {
				if t, ok := obj.(T); ok {
					out = append(out, t)
				}
			}
		}
		return out
	}
	for _, obj := range client.ListOf[T](l) {
		if keys[client.KeyOf(obj)] {
			out = append(out, obj)
		}
	}
	return out
}

// snapshot reads the caches. The objects are shared with the informers:
// the generators only read them.
func (p *Proxier) snapshot() ([]*api.Service, []*api.Endpoints, []*api.Node) {
	return client.ListOf[*api.Service](p.cfg.Services), client.ListOf[*api.Endpoints](p.cfg.Endpoints), client.ListOf[*api.Node](p.cfg.Nodes)
}

// nodeInfo is Config.Node completed from the Node objects: this node's
// InternalIPs join the configured addresses (the load balancer status
// lists InternalIPs, so the rules must answer there), and every node's
// InternalIPs are the node addresses inside the cluster.
func (p *Proxier) nodeInfo(nodes []*api.Node) NodeInfo {
	info := p.cfg.Node
	info.IPs = slices.Clone(info.IPs)
	info.NodeAddresses = nil
	for _, n := range nodes {
		ips := internalIPs(n)
		if n.Name == info.Name {
			info.IPs = append(info.IPs, ips...)
		}
		info.NodeAddresses = append(info.NodeAddresses, ips...)
	}
	slices.Sort(info.IPs)
	info.IPs = slices.Compact(info.IPs)
	slices.Sort(info.NodeAddresses)
	info.NodeAddresses = slices.Compact(info.NodeAddresses)
	if !slices.Equal(info.IPs, p.nodeIPs) {
		p.log.Info("node addresses (a LoadBalancer service answers on them)", zap.Strings("ips", info.IPs))
		p.nodeIPs = info.IPs
	}
	return info
}

// reportRefused tells, with a Warning event on the Service, which of its
// endpoints the rules leave out because they are outside the cluster
// while pod egress is denied. It reports a service again only when its
// refused endpoints change (a restarted proxy reports once more).
// services are those the rules were made from: all, or after a partial
// regeneration those of the keys only (then the others' reports stand).
func (p *Proxier) reportRefused(services []*api.Service, ports []ServicePort, only map[string]bool) {
	if p.cfg.Events == nil {
		return
	}
	looked := func(key string) bool { return only == nil || only[key] }
	refused := map[string][]string{} // service key → "ip:port" refused
	for _, sp := range ports {
		if key := serviceOf(sp.Name); len(sp.Refused) > 0 && looked(key) {
			for _, e := range sp.Refused {
				refused[key] = append(refused[key], e.Addr())
			}
		}
	}
	reported := p.refused
	p.refused = map[string]string{} // services gone are forgotten: made again, they are reported again
	for key, text := range reported {
		if !looked(key) {
			p.refused[key] = text
		}
	}
	for _, svc := range services {
		key := client.KeyOf(svc)
		addrs := slices.Compact(slices.Sorted(slices.Values(refused[key])))
		text := strings.Join(addrs, ", ")
		if text == "" {
			continue
		}
		p.refused[key] = text
		if reported[key] == text {
			continue
		}
		p.cfg.Events.Eventf(svc, api.EventWarning, "EndpointsOutsideCluster",
			"the proxy sends no traffic to %s: outside the cluster's pods and nodes, and pod egress is denied "+
				"(proxy and kubelet --pod-egress=allow, EGRESS=1 make up)", text)
	}
}

// deleteStaleConntrack deletes the conntrack entries of UDP endpoints
// that went away (see conntrack.go). Failures are logged, not returned:
// the rules are right, and the next change tries again for its own.
func (p *Proxier) deleteStaleConntrack(prev, next []ServicePort) {
	if p.cfg.Conntrack == nil {
		return
	}
	for _, f := range staleUDP(prev, next) {
		if err := p.cfg.Conntrack.DeleteUDP(f); err != nil {
			p.log.Warn("cannot delete stale UDP conntrack entries", zap.Error(err))
		}
	}
}

// statusDue asks runStatus to look at the load balancer statuses. It
// never blocks: one pending request stands for any number.
func (p *Proxier) statusDue() {
	select {
	case p.status <- struct{}{}:
	default:
	}
}

// runStatus writes load balancer statuses until ctx ends, each time a
// sync asks. It runs apart from the syncs: a slow apiserver then delays
// a status, never the rules.
func (p *Proxier) runStatus(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.status:
			p.writeStatus(ctx)
		}
	}
}

// writeStatus publishes LoadBalancer addresses (see status.go), as the
// caches hold them now. Failures are logged: the write is retried after
// the next sync, which the informer brings when a conflicting write
// lands.
func (p *Proxier) writeStatus(ctx context.Context) {
	if p.cfg.Status == nil {
		return
	}
	services, _, nodes := p.snapshot()
	for _, svc := range statusUpdates(services, nodes, p.cfg.Node.Name) {
		if err := p.cfg.Status.UpdateServiceStatus(ctx, svc); err != nil {
			p.log.Warn("cannot write the load balancer status", zap.String("service", client.KeyOf(svc)), zap.Error(err))
			continue
		}
		p.log.Info("load balancer status written", zap.String("service", client.KeyOf(svc)),
			zap.Int("ingress", len(svc.Status.LoadBalancer.Ingress)))
	}
}

// Healthy is /healthz: ok once a sync has succeeded and while syncs keep
// succeeding (a full one is due every SyncPeriod).
func (p *Proxier) Healthy() error {
	last := p.lastSuccess.Load()
	if last == 0 {
		return errors.New("no successful sync yet")
	}
	if ago := time.Since(time.Unix(0, last)); ago > 2*p.cfg.SyncPeriod+p.cfg.MinSyncPeriod {
		return fmt.Errorf("last successful sync %s ago", ago.Round(time.Second))
	}
	return nil
}

func orNop(l *zap.Logger) *zap.Logger {
	if l == nil {
		return zap.NewNop()
	}
	return l
}
