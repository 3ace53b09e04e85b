package store

import (
	"context"
	"errors"
	"fmt"
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
	// Progress carries no change: it says that every event up to
	// KV.ModRevision has been delivered. Only WatchWithProgress sends it;
	// the apiserver turns it into a BOOKMARK.
	Progress
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
}

// watchBuffer decouples etcd's stream from a briefly slow reader.
const watchBuffer = 100

// goneWait bounds how long Watch waits for etcd to name the compacted
// revision once it knows the requested one is gone.
const goneWait = 2 * time.Second

// Watch streams the changes under prefix strictly after revision afterRev,
// in revision order (afterRev 0: from now on). A caller that lists at
// revision R and watches after R sees every change exactly once.
//
// If afterRev has been compacted, Watch returns a *GoneError. The event
// channel closes when ctx is cancelled or the watch fails; the error channel
// then yields the reason, or nil after a cancel. A compaction that overtakes
// a running watch arrives there as a *GoneError too. Cancel ctx when done:
// it is what stops the watch, even if the caller stopped reading.
func (s *Store) Watch(ctx context.Context, prefix string, afterRev int64) (<-chan Event, <-chan error, error) {
	return s.watch(ctx, prefix, afterRev, 0)
}

// WatchWithProgress is Watch that also sends a Progress event about every
// interval, carrying etcd's current revision once everything up to it has
// been delivered. It lets a watcher whose prefix is quiet learn a recent
// revision to resume from while the rest of the store changes. (etcd sends
// none while its revision is still below the watch's start.)
func (s *Store) WatchWithProgress(ctx context.Context, prefix string, afterRev int64, every time.Duration) (<-chan Event, <-chan error, error) {
	if every <= 0 {
		return nil, nil, fmt.Errorf("store: watch %s: progress interval must be > 0", prefix)
	}
	return s.watch(ctx, prefix, afterRev, every)
}

func (s *Store) watch(ctx context.Context, prefix string, afterRev int64, every time.Duration) (<-chan Event, <-chan error, error) {
	if afterRev < 0 {
		return nil, nil, fmt.Errorf("store: watch %s: negative revision %d", prefix, afterRev)
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
	events := make(chan Event, watchBuffer)
	errc := make(chan error, 1)
	go func() {
		defer cancel()
		err := s.pump(ctx, wctx, wch, events, afterRev, every)
		if err != nil && ctx.Err() == nil {
			errc <- fmt.Errorf("store: watch %s: %w", prefix, err)
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

// pump moves etcd's watch responses to events until ctx ends or the watch
// fails, and returns why it stopped.
func (s *Store) pump(ctx, wctx context.Context, wch clientv3.WatchChan, events chan<- Event, lastRev int64, every time.Duration) error {
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	send := func(e Event) bool {
		select {
		case events <- e:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
			// Progress requests share the gRPC stream of wctx; etcd answers
			// once every watcher on it is up to date. A failed request is
			// retried at the next tick.
			_ = s.cli.RequestProgress(wctx)
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
			if wresp.IsProgressNotify() {
				if every > 0 && !send(Event{Type: Progress, KV: KV{ModRevision: wresp.Header.Revision}}) {
					return nil
				}
				continue
			}
			for _, ev := range wresp.Events {
				if !send(s.event(ev)) {
					return nil
				}
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
