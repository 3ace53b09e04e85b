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

// StartCompactor compacts etcd every interval, keeping the latest keep
// revisions so that watchers a little behind can still resume, until ctx
// ends. etcd's own auto-compaction is off in StartEmbedded: kubelab decides.
// (Kubernetes' compactor also coordinates several apiservers through a
// shared key so only one compacts per interval; here each just tries.)
func (s *Store) StartCompactor(ctx context.Context, interval time.Duration, keep int64, log *zap.Logger) {
	if log == nil {
		log = zap.NewNop()
	}
	if interval <= 0 {
		log.Warn("compactor: not started, interval must be > 0", zap.Duration("interval", interval))
		return
	}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		var last int64
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			cur, err := s.Revision(ctx)
			if err != nil {
				log.Warn("compactor: cannot read revision", zap.Error(err))
				continue
			}
			target := cur - keep
			if target <= last || target <= 0 {
				continue
			}
			if err := s.Compact(ctx, target); err != nil {
				log.Warn("compactor: compaction failed", zap.Int64("revision", target), zap.Error(err))
				continue
			}
			last = target
			log.Info("compacted etcd history", zap.Int64("revision", target))
		}
	}()
}
