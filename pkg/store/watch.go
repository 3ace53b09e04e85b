package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// EventType says what happened to a key.
type EventType int

const (
	// Put is a create or an update; Event.Created tells them apart.
	Put EventType = iota
	// Delete is a deletion.
	Delete
)

// Event is one change seen by a watch.
//
// For Put, KV is the new object. For Delete, KV is the object as it was
// before the delete, except that KV.ModRevision is the revision of the
// delete (the resourceVersion of a DELETED watch event). PrevKV is the
// object before the change, nil for a create; it can also be nil when that
// older revision has been compacted.
type Event struct {
	Type    EventType
	KV      KV
	PrevKV  *KV
	Created bool
	// Shared is where the watchers of a Broadcaster's event keep what
	// they derive from it, for each other (shared.go); nil elsewhere.
	Shared *Shared
}

// ErrTooSlow ends a watch whose caller fell a whole buffer behind.
// (Broadcaster.Watch serves the apiserver's watchers; watch below is the
// one etcd watch it runs per resource.)
var ErrTooSlow = errors.New("the watcher fell too far behind and was closed; watch again from the last revision it saw")

// goneWait bounds how long Watch waits for etcd to name the compacted
// revision once it knows the requested one is gone.
const goneWait = 2 * time.Second

// watch streams the changes under prefix strictly after revision afterRev,
// in revision order (afterRev 0: from now on). A caller that lists at
// revision R and watches after R sees every change exactly once.
//
// At most buffer events wait for the caller. A caller that falls further
// behind is dropped, so that a client that stops reading costs a bounded
// amount of memory: the event channel closes and the error channel yields
// ErrTooSlow. The caller may watch again from the last revision it took.
//
// If afterRev has been compacted, watch returns a *GoneError. The event
// channel closes when ctx is cancelled or the watch fails; the error channel
// then yields the reason, or nil after a cancel. A compaction that overtakes
// a running watch arrives there as a *GoneError too. Cancel ctx when done:
// it is what stops the watch, even if the caller stopped reading.
func (s *Store) watch(ctx context.Context, prefix string, afterRev int64, buffer int) (<-chan Event, <-chan error, error) {
	if afterRev < 0 || afterRev == math.MaxInt64 {
		return nil, nil, fmt.Errorf("store: watch %s: revision %d out of range", prefix, afterRev)
	}
	if buffer < 1 {
		return nil, nil, fmt.Errorf("store: watch %s: buffer must be > 0", prefix)
	}
	compacted, err := s.isCompacted(ctx, prefix, afterRev)
	if err != nil {
		return nil, nil, fmt.Errorf("store: watch %s: %w", prefix, err)
	}

	// WithRequireLeader makes etcd cancel the watch when its member loses
	// the leader, instead of silently delivering nothing.
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithPrevKV()}
	if afterRev > 0 {
		opts = append(opts, clientv3.WithRev(afterRev+1))
	}
	wch := s.cli.Watch(wctx, s.full(prefix), opts...)

	if compacted {
		defer cancel()
		return nil, nil, awaitGone(wch, afterRev)
	}
	events := make(chan Event)
	errc := make(chan error, 1)
	go func() {
		err := s.pump(ctx, wch, events, afterRev, buffer)
		cancel()
		if err != nil && ctx.Err() == nil {
			if !errors.Is(err, ErrTooSlow) {
				err = fmt.Errorf("store: watch %s: %w", prefix, err)
			}
			errc <- err
		}
		close(errc)
		close(events)
	}()
	return events, errc, nil
}

// isCompacted reports whether revision afterRev+1 is gone. Reading at that
// revision answers synchronously, where the watch itself would report it
// only later on its channel.
func (s *Store) isCompacted(ctx context.Context, prefix string, afterRev int64) (bool, error) {
	if afterRev == 0 {
		return false, nil
	}
	_, err := s.cli.Get(ctx, s.full(prefix), clientv3.WithPrefix(), clientv3.WithCountOnly(), clientv3.WithRev(afterRev+1))
	switch {
	case err == nil, errors.Is(err, rpctypes.ErrFutureRev):
		return false, nil // a future revision is fine: the watch waits for it
	case errors.Is(err, rpctypes.ErrCompacted):
		return true, nil
	}
	return false, err
}

// awaitGone reads the compaction notice from a watch that started at a
// compacted revision, for the compacted revision it names.
func awaitGone(wch clientv3.WatchChan, afterRev int64) error {
	gone := &GoneError{Requested: afterRev}
	timeout := time.After(goneWait)
	for {
		select {
		case wresp, ok := <-wch:
			if !ok || wresp.CompactRevision != 0 {
				gone.Compacted = wresp.CompactRevision
				return gone
			}
		case <-timeout:
			return gone
		}
	}
}

// pump moves etcd's watch responses into a queue of about buffer events,
// and from the queue to events as fast as the caller takes them,
// until ctx ends or the watch fails; it returns why it stopped. It never
// makes etcd's client wait, so that client, which would keep every
// response not yet taken, holds nothing for this watch: the queue is all
// the watch holds, and a caller that lets it overflow is dropped with
// ErrTooSlow. (Kubernetes' cacher likewise closes a watcher whose buffer
// stays full: "Forcing watcher close due to unresponsiveness".)
func (s *Store) pump(ctx context.Context, wch clientv3.WatchChan, events chan<- Event, lastRev int64, buffer int) error {
	var queue []Event
	for {
		var out chan<- Event
		var head Event
		if len(queue) > 0 {
			out, head = events, queue[0]
		}
		select {
		case <-ctx.Done():
			return nil
		case out <- head:
			queue[0] = Event{} // let the value go
			if queue = queue[1:]; len(queue) == 0 {
				queue = nil
			}
		case wresp, ok := <-wch:
			if !ok {
				return errors.New("closed by etcd")
			}
			if wresp.CompactRevision != 0 {
				return &GoneError{Requested: lastRev, Compacted: wresp.CompactRevision}
			}
			if err := wresp.Err(); err != nil {
				return err
			}
			// A caller still a buffer behind when more comes is dropped.
			// One response is always taken whole: a watch that starts
			// in the past gets the history in batches (of up to 1,000
			// revisions), and a caller that drains them is keeping up.
			if len(queue) >= buffer && len(wresp.Events) > 0 {
				return ErrTooSlow
			}
			for _, ev := range wresp.Events {
				queue = append(queue, s.event(ev))
				lastRev = ev.Kv.ModRevision
			}
		}
	}
}

// event converts an etcd watch event.
func (s *Store) event(ev *clientv3.Event) Event {
	e := Event{KV: s.kv(ev.Kv)}
	if ev.PrevKv != nil {
		prev := s.kv(ev.PrevKv)
		e.PrevKV = &prev
	}
	switch ev.Type {
	case clientv3.EventTypePut:
		e.Type = Put
		e.Created = ev.IsCreate()
	case clientv3.EventTypeDelete:
		// etcd's delete event has only the key and the delete revision.
		e.Type = Delete
		if e.PrevKV != nil {
			e.KV.Value = e.PrevKV.Value
			e.KV.CreateRevision = e.PrevKV.CreateRevision
		}
	}
	return e
}
