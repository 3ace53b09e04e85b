package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// etcd keeps every revision of every key until it is told to forget them:
// an object edited a thousand times takes a thousand times its size.
// Compaction forgets the revisions before a point; it frees pages inside
// etcd's database file, which later writes reuse, but the file itself only
// shrinks when a member is defragmented (maintenance.go). So the apiserver
// does, like Kubernetes, every interval:
//
//	compact to the revision etcd had one interval ago  (history kept: one to two intervals)
//	defragment a member whose file is mostly free space
//	disarm a NOSPACE alarm once every member is back under its quota
//
// etcd's own auto-compaction is off in StartEmbedded: the apiserver decides.

// Compact discards the history before revision rev, for the whole etcd key
// space (not only this Store's prefix): reads and watches at older
// revisions then fail (see GoneError). It returns once the space is freed.
// Compacting to a revision that is already compacted is not an error, so
// several apiservers may all run a compactor.
func (s *Store) Compact(ctx context.Context, rev int64) error {
	_, err := s.cli.Compact(ctx, rev, clientv3.WithCompactPhysical())
	if errors.Is(err, rpctypes.ErrCompacted) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: compact to revision %d: %w", rev, err)
	}
	return nil
}

// RunCompactor runs, every interval until ctx ends, a compaction to the
// revision etcd had at the previous tick, then the maintenance that gives
// the space back (maintain, in maintenance.go). A watcher that reconnects within an interval
// can therefore always resume. (Kubernetes' compactor does the same every
// 5 minutes, and coordinates several apiservers through a key in etcd so
// that only one compacts per interval; here each just tries, which is
// harmless.) It returns once ctx ends and its last call to etcd is over:
// a caller closing an embedded etcd must wait for it, since the
// in-process client does not survive a call into a closed server.
func (s *Store) RunCompactor(ctx context.Context, interval time.Duration, log *zap.Logger) {
	if log == nil {
		log = zap.NewNop()
	}
	if interval <= 0 {
		log.Warn("compactor: not started, interval must be > 0", zap.Duration("interval", interval))
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var previous, compacted int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if previous > compacted {
			if err := s.Compact(ctx, previous); err != nil {
				log.Warn("compactor: compaction failed", zap.Int64("revision", previous), zap.Error(err))
			} else {
				compacted = previous
				log.Debug("compacted etcd history", zap.Int64("revision", previous))
			}
		}
		s.maintain(ctx, log)
		cur, err := s.Revision(ctx)
		if err != nil {
			log.Warn("compactor: cannot read the revision", zap.Error(err))
			continue
		}
		previous = cur
	}
}
