package store

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// listPageSize bounds one etcd range response; a large list is read in pages.
const listPageSize = 500

// List returns every object under prefix, sorted by key, and the revision
// the list was read at: the list's resourceVersion, from which a watch
// continues without missing anything.
//
// All pages are read at the revision of the first one, so the result is one
// consistent snapshot even if writes happen while it is read.
func (s *Store) List(ctx context.Context, prefix string) ([]KV, int64, error) {
	from := s.full(prefix)
	end := clientv3.GetPrefixRangeEnd(from)
	var (
		out []KV
		rev int64
	)
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(listPageSize)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := s.cli.Get(ctx, from, opts...)
		if err != nil {
			return nil, 0, fmt.Errorf("store: list %s: %w", prefix, err)
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

// Count returns the number of objects under prefix.
func (s *Store) Count(ctx context.Context, prefix string) (int64, error) {
	resp, err := s.cli.Get(ctx, s.full(prefix), clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("store: count %s: %w", prefix, err)
	}
	return resp.Count, nil
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
