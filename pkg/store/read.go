package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// listPageSize bounds one etcd range response; a large list is read in pages.
const listPageSize = 500

// Get reads one object; ErrNotFound if it does not exist.
func (s *Store) Get(ctx context.Context, key string) (KV, error) {
	resp, err := s.cli.Get(ctx, s.full(key))
	if err != nil {
		return KV{}, fmt.Errorf("store: get %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return KV{}, fmt.Errorf("store: get %s: %w", key, ErrNotFound)
	}
	return s.kv(resp.Kvs[0]), nil
}

// lookup is Get with a missing key as nil instead of an error.
func (s *Store) lookup(ctx context.Context, key string) (*KV, error) {
	kv, err := s.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &kv, nil
}

// List returns every object under prefix, sorted by key, as it is now, and
// the revision the list was read at: the list's resourceVersion, from
// which a watch continues without missing anything.
func (s *Store) List(ctx context.Context, prefix string) ([]KV, int64, error) {
	return s.ListAt(ctx, prefix, 0)
}

// ListAt is List as the store was at revision rev (0: now). A revision
// etcd has compacted is a *GoneError, one it has not reached a
// *FutureError.
//
// All pages are read at one revision, so the result is one consistent
// snapshot even if writes happen while it is read.
func (s *Store) ListAt(ctx context.Context, prefix string, rev int64) ([]KV, int64, error) {
	from := s.full(prefix)
	end := clientv3.GetPrefixRangeEnd(from)
	var out []KV
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(listPageSize)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := s.cli.Get(ctx, from, opts...)
		if err != nil {
			return nil, 0, fmt.Errorf("store: list %s: %w", prefix, s.revisionError(ctx, rev, err))
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, p := range resp.Kvs {
			out = append(out, s.kv(p))
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return out, rev, nil
		}
		// Continue just after the last key ("\x00" is the smallest suffix).
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// revisionError turns etcd's answer to a read at revision rev into a
// *GoneError or a *FutureError when it is one.
func (s *Store) revisionError(ctx context.Context, rev int64, err error) error {
	switch {
	case errors.Is(err, rpctypes.ErrCompacted):
		return &GoneError{Requested: rev}
	case errors.Is(err, rpctypes.ErrFutureRev):
		future := &FutureError{Requested: rev}
		future.Current, _ = s.Revision(ctx)
		return future
	}
	return err
}

// Revision returns etcd's current revision: the resourceVersion of the
// latest change anywhere in the store.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	// Every response carries the revision in its header; a count-only read
	// of one key is the cheapest request that returns one.
	resp, err := s.cli.Get(ctx, s.full(""), clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("store: revision: %w", err)
	}
	return resp.Header.Revision, nil
}

// WaitForRevision returns once etcd's revision is at least rev, or fails
// with a *FutureError after wait. Kubernetes' watch cache waits the same
// way (3 s) before it answers "Too large resource version": a client may
// hold a revision from another apiserver that this one has not seen yet.
func (s *Store) WaitForRevision(ctx context.Context, rev int64, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, 500*time.Millisecond) {
		cur, err := s.Revision(ctx)
		if err != nil {
			return err
		}
		if cur >= rev {
			return nil
		}
		if time.Now().Add(delay).After(deadline) {
			return &FutureError{Requested: rev, Current: cur}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}
