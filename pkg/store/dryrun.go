package store

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// A dry run (Kubernetes' ?dryRun=All) does everything a write does except
// the write. The apiserver marks the request's context with WithDryRun and
// runs its usual code; Commit, the one place anything reaches etcd, then
// checks the transaction's conditions without applying it: the create
// still fails on an existing key, the update on a changed one, the claim
// on an address someone holds, and nothing is written, claimed or seen by
// a watcher.

type dryRunKey struct{}

// WithDryRun returns a context under which Commit checks and writes
// nothing.
func WithDryRun(ctx context.Context) context.Context {
	return context.WithValue(ctx, dryRunKey{}, true)
}

// IsDryRun reports whether ctx is a dry run's.
func IsDryRun(ctx context.Context) bool {
	dry, _ := ctx.Value(dryRunKey{}).(bool)
	return dry
}

// check evaluates t's comparisons in one read-only etcd transaction (no
// operations: etcd's revision does not move) and returns the revision the
// object keeps: t.Rev, or 0 for a create.
func (s *Store) check(ctx context.Context, t Txn, cmps []clientv3.Cmp) (int64, error) {
	resp, err := s.cli.Txn(ctx).If(cmps...).Commit()
	if err != nil {
		return 0, fmt.Errorf("store: check %s: %w", t.Key, err)
	}
	if !resp.Succeeded {
		return 0, s.whyFailed(ctx, t)
	}
	return t.Rev, nil
}
