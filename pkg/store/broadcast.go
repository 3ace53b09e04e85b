package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// A watch served by its own etcd watch costs etcd a copy of every event,
// for every watcher: a hundred kubelets watching pods make etcd encode and
// send each pod change a hundred times, and a watcher that stops reading
// holds its copies until it is dropped. So the apiserver watches each
// resource in etcd once and fans the events out itself, as Kubernetes'
// watch cache (the "cacher") does:
//
//	etcd ──one watch per resource──▶ hub ──▶ window (the last events, for watchers that start a little back)
//	                                     └─▶ each watcher's queue (pointers to the shared events)
//
// A watcher's queue holds at most its buffer of events; one that falls
// further behind is dropped (ErrTooSlow), as Kubernetes' cacher drops a
// watcher that does not keep up. Since the events are shared, a stalled
// watcher holds pointers, not copies. A watch that starts further back
// than the window gets *GoneError, as from a compacted revision: the
// client lists again (Kubernetes answers "too old resource version" the
// same way). A hub starts at the revision of its first watcher and stops
// when its last watcher leaves.

// hubWindow and hubWindowBytes bound the recent events a hub keeps for
// watchers that start a little in the past: an informer lists, then
// watches from the list's revision, and the writes in between must still
// be there.
const (
	hubWindow      = 1000
	hubWindowBytes = 64 << 20
)

// queueBytes bounds a watcher's queue whatever its buffer: the events it
// holds are shared, but a stalled watcher keeps them alive once the window
// has moved on.
const queueBytes = 64 << 20

// hubUpstreamBuffer is the slack of a hub's own etcd watch: the hub never
// waits for its watchers, so it only falls behind when starved of CPU.
const hubUpstreamBuffer = 1 << 16

// Broadcaster serves watches from one etcd watch per resource. It is safe
// for concurrent use.
type Broadcaster struct {
	store *Store
	mu    sync.Mutex
	hubs  map[string]*hub // by resource prefix, "pods/"
}

// NewBroadcaster returns a Broadcaster over s.
func NewBroadcaster(s *Store) *Broadcaster {
	return &Broadcaster{store: s, hubs: map[string]*hub{}}
}

// Watch streams the changes under prefix strictly after revision afterRev,
// in revision order (afterRev 0: from now on), from the resource's shared
// etcd watch. A caller that lists at revision R and watches after R sees
// every change exactly once.
//
// At most buffer events wait for the caller; one that falls further
// behind is dropped: the event channel closes and the error channel yields
// ErrTooSlow, and the caller may watch again from the last revision it
// took. A revision etcd has compacted, or one before the shared watch's
// window, is a *GoneError: the caller lists again. Otherwise the event
// channel closes when ctx ends (the error channel then yields nil) or the
// shared watch fails (it yields why, after the events queued before).
func (b *Broadcaster) Watch(ctx context.Context, prefix string, afterRev int64, buffer int) (<-chan Event, <-chan error, error) {
	events, errc, _, err := b.WatchMatching(ctx, prefix, afterRev, buffer, nil)
	return events, errc, err
}

// WatchMatching is Watch for a watcher that wants only the events keep
// accepts, such as a kubelet's watch of the pods of its node: the hub
// asks keep before it queues an event, so that the other events cost the
// watcher nothing, instead of a hundred watchers each being woken for
// every pod to find that it is not theirs. keep runs in the hub's own
// goroutine, once per event and watcher, and must be quick (the
// apiserver's reads what Shared keeps). A nil keep takes every event.
//
// progress is the revision of the latest event the hub has looked at for
// the watcher, kept or not: what the watcher has seen everything up to,
// for its bookmarks.
func (b *Broadcaster) WatchMatching(ctx context.Context, prefix string, afterRev int64, buffer int, keep func(Event) bool) (
	events <-chan Event, errc <-chan error, progress func() int64, err error) {
	if afterRev == 0 {
		if afterRev, err = b.store.Revision(ctx); err != nil {
			return nil, nil, nil, err
		}
	}
	sub, err := b.subscribe(ctx, prefix, afterRev, buffer, keep)
	if err != nil {
		return nil, nil, nil, err
	}
	out, errs := make(chan Event), make(chan error, 1)
	go sub.serve(ctx, out, errs)
	return out, errs, sub.seen.Load, nil
}

// subscribe joins prefix's resource hub, starting one if there is none.
func (b *Broadcaster) subscribe(ctx context.Context, prefix string, afterRev int64, buffer int, keep func(Event) bool) (*subscriber, error) {
	resource, _, _ := strings.Cut(prefix, "/")
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.hubs[resource+"/"]
	if h == nil {
		// The hub starts where this watcher does, so it covers it. Its
		// watch outlives this watcher: the last one to leave stops it.
		upCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
		up, upErr, err := b.store.watch(upCtx, resource+"/", afterRev, hubUpstreamBuffer)
		if err != nil {
			stop()
			return nil, err
		}
		h = &hub{b: b, key: resource + "/", stop: stop, from: afterRev, watchers: map[*subscriber]bool{}}
		b.hubs[h.key] = h
		go h.run(upCtx, up, upErr)
	}
	return h.subscribe(prefix, afterRev, buffer, keep)
}

// hub is one resource's shared etcd watch.
type hub struct {
	b    *Broadcaster
	key  string
	stop context.CancelFunc

	mu          sync.Mutex
	from        int64    // the window holds every event after this revision
	window      []*Event // the latest events, oldest first
	windowBytes int
	watchers    map[*subscriber]bool
	done        bool
}

// subscribe adds a watcher of prefix from afterRev, with the window's
// events after afterRev already in its queue.
func (h *hub) subscribe(prefix string, afterRev int64, buffer int, keep func(Event) bool) (*subscriber, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if afterRev < h.from {
		return nil, fmt.Errorf("store: watch %s: %w", prefix, &GoneError{Requested: afterRev, Compacted: h.from})
	}
	sub := &subscriber{hub: h, prefix: prefix, after: afterRev, keep: keep, max: max(buffer, 1), wake: make(chan struct{}, 1)}
	sub.seen.Store(afterRev)
	for _, e := range h.window {
		if sub.concerns(e) {
			if sub.keeps(e) {
				sub.queue, sub.queued = append(sub.queue, e), sub.queued+e.size()
			}
			sub.seen.Store(e.KV.ModRevision)
		}
	}
	h.watchers[sub] = true
	return sub, nil
}

// run fans etcd's events out until the upstream watch ends or the hub
// stops; then it ends every watcher with the upstream's error.
func (h *hub) run(ctx context.Context, up <-chan Event, upErr <-chan error) {
	defer h.stop()
	for {
		select {
		case <-ctx.Done():
			h.end(nil)
			return
		case ev, ok := <-up:
			if !ok {
				h.end(<-upErr)
				return
			}
			ev.Shared = &Shared{}
			h.dispatch(&ev)
		}
	}
}

// dispatch keeps e in the window and queues it for the watchers it
// concerns and that keep it, dropping those whose queue is full.
func (h *hub) dispatch(e *Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.window, h.windowBytes = append(h.window, e), h.windowBytes+e.size()
	for len(h.window) > hubWindow || h.windowBytes > hubWindowBytes {
		// Evict whole revisions, so that "every event after from" holds.
		h.from = h.window[0].KV.ModRevision
		n := 0
		for n < len(h.window) && h.window[n].KV.ModRevision == h.from {
			h.windowBytes -= h.window[n].size()
			h.window[n].Shared.forget()
			h.window[n] = nil
			n++
		}
		h.window = h.window[n:]
	}
	for sub := range h.watchers {
		if !sub.concerns(e) {
			continue
		}
		if sub.keeps(e) && !sub.push(e) {
			delete(h.watchers, sub)
		}
		sub.seen.Store(e.KV.ModRevision)
	}
}

// end closes every watcher with err (nil: the hub stopped) and forgets
// the hub, so that the next watch starts a fresh one.
func (h *hub) end(err error) {
	h.b.mu.Lock()
	if h.b.hubs[h.key] == h {
		delete(h.b.hubs, h.key)
	}
	h.b.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.done = true
	if err == nil {
		err = fmt.Errorf("store: the shared watch of %s stopped", h.key)
	}
	for sub := range h.watchers {
		sub.fail(err)
	}
	h.watchers = nil
}

// leave removes sub; the last watcher to leave stops the hub.
func (h *hub) leave(sub *subscriber) {
	h.mu.Lock()
	delete(h.watchers, sub)
	last := len(h.watchers) == 0 && !h.done
	h.mu.Unlock()
	if last {
		h.b.mu.Lock()
		h.mu.Lock()
		// A watcher may have joined meanwhile.
		if len(h.watchers) == 0 && h.b.hubs[h.key] == h {
			delete(h.b.hubs, h.key)
			h.done = true
			h.stop()
		}
		h.mu.Unlock()
		h.b.mu.Unlock()
	}
}

// subscriber is one watcher of a hub.
type subscriber struct {
	hub    *hub
	prefix string
	after  int64            // the revision it watches after
	keep   func(Event) bool // nil: every event
	seen   atomic.Int64     // the revision of the latest event looked at for it
	max    int
	wake   chan struct{} // a token when queue or err changed

	mu     sync.Mutex
	queue  []*Event
	queued int   // bytes
	err    error // set when the watcher is dropped or the hub ended
}

// concerns says whether e is one the subscriber watches: after its
// starting revision and under its prefix.
func (s *subscriber) concerns(e *Event) bool {
	return e.KV.ModRevision > s.after && strings.HasPrefix(e.KV.Key, s.prefix)
}

// keeps says whether the subscriber wants e.
func (s *subscriber) keeps(e *Event) bool { return s.keep == nil || s.keep(*e) }

// push queues e, or, when the queue is full, drops the watcher and reports
// false.
func (s *subscriber) push(e *Event) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) >= s.max || s.queued+e.size() > queueBytes {
		s.err = ErrTooSlow
		s.queue, s.queued = nil, 0
		s.signal()
		return false
	}
	s.queue, s.queued = append(s.queue, e), s.queued+e.size()
	s.signal()
	return true
}

func (s *subscriber) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
	s.signal()
}

func (s *subscriber) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// serve hands the queue to the caller, one event at a time, until ctx
// ends or the watcher is dropped; errc then yields why (nil after ctx).
// A dropped watcher stops at once, even while an event waits for the
// caller; after any other error, the queued events go first.
func (s *subscriber) serve(ctx context.Context, events chan<- Event, errc chan<- error) {
	defer close(events)
	defer close(errc)
	defer s.hub.leave(s)
	var next *Event
	for {
		s.mu.Lock()
		if next == nil && len(s.queue) > 0 {
			next, s.queue[0] = s.queue[0], nil
			s.queued -= next.size()
			if s.queue = s.queue[1:]; len(s.queue) == 0 {
				s.queue = nil
			}
		}
		err := s.err
		s.mu.Unlock()
		if err != nil && (next == nil || errors.Is(err, ErrTooSlow)) {
			errc <- err
			return
		}
		var out chan<- Event
		var head Event
		if next != nil {
			out, head = events, *next
		}
		select {
		case out <- head:
			next = nil
		case <-s.wake:
		case <-ctx.Done():
			return
		}
	}
}

// size is about what an event holds in memory.
func (e *Event) size() int {
	n := len(e.KV.Key) + len(e.KV.Value)
	if e.PrevKV != nil {
		n += len(e.PrevKV.Value)
	}
	return n
}
