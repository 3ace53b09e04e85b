package store

import (
	"context"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Page is one chunk of a paginated list (Kubernetes' limit and continue).
// Every page of one list is read at the revision of the first, so that
// together they are one consistent snapshot even while writes go on.
type Page struct {
	KVs       []KV
	Revision  int64 // the revision the page was read at
	More      bool  // keys remain after the last of KVs
	Remaining int64 // how many keys remain after the last of KVs
}

// ListPage reads at most limit objects under prefix, sorted by key,
// starting at the relative key from ("" for the first), as the store was
// at revision rev (0: now). A compacted revision is a *GoneError, one etcd
// has not reached a *FutureError.
func (s *Store) ListPage(ctx context.Context, prefix, from string, rev, limit int64) (Page, error) {
	if from == "" {
		from = prefix
	}
	if !strings.HasPrefix(from, prefix) {
		return Page{}, fmt.Errorf("store: list %s: start key %q is outside the prefix", prefix, from)
	}
	end := clientv3.GetPrefixRangeEnd(s.full(prefix))
	opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(limit)}
	if rev != 0 {
		opts = append(opts, clientv3.WithRev(rev))
	}
	resp, err := s.cli.Get(ctx, s.full(from), opts...)
	if err != nil {
		return Page{}, fmt.Errorf("store: list %s: %w", prefix, s.revisionError(ctx, rev, err))
	}
	p := Page{Revision: rev, More: resp.More, Remaining: resp.Count - int64(len(resp.Kvs))}
	if rev == 0 {
		p.Revision = resp.Header.Revision
	}
	for _, kv := range resp.Kvs {
		p.KVs = append(p.KVs, s.kv(kv))
	}
	return p, nil
}
