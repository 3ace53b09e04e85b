package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// guaranteedUpdateTries bounds GuaranteedUpdate's retries. Every failed try
// means another writer succeeded, so N writers racing on one key need at
// most N tries each. Kubernetes retries without a bound, until the context
// ends.
const guaranteedUpdateTries = 64

// cas is the one write primitive: it puts value at key only if the key's
// ModRevision is still modRev (modRev 0: only if the key does not exist).
// On success it returns the new KV. When the comparison fails it returns
// ok == false and the key's current KV (nil if the key does not exist), read
// in the same transaction, so the caller can retry without another read.
func (s *Store) cas(ctx context.Context, key string, value []byte, modRev int64) (kv KV, cur *KV, ok bool, err error) {
	full := s.full(key)
	cmp := clientv3.Compare(clientv3.ModRevision(full), "=", modRev)
	if modRev == 0 {
		cmp = clientv3.Compare(clientv3.CreateRevision(full), "=", 0)
	}
	resp, err := s.cli.Txn(ctx).
		If(cmp).
		Then(clientv3.OpPut(full, string(value), clientv3.WithPrevKV())).
		Else(clientv3.OpGet(full)).
		Commit()
	if err != nil {
		return KV{}, nil, false, err
	}
	if !resp.Succeeded {
		if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
			c := s.kv(kvs[0])
			cur = &c
		}
		return KV{}, cur, false, nil
	}
	rev := resp.Header.Revision
	kv = KV{Key: key, Value: value, CreateRevision: rev, ModRevision: rev}
	if prev := resp.Responses[0].GetResponsePut().PrevKv; prev != nil {
		kv.CreateRevision = prev.CreateRevision
	}
	return kv, nil, true, nil
}

// Create stores a new object and returns its revision. It fails with
// ErrAlreadyExists if the key exists.
func (s *Store) Create(ctx context.Context, key string, value []byte) (int64, error) {
	kv, _, ok, err := s.cas(ctx, key, value, 0)
	if err != nil {
		return 0, fmt.Errorf("store: create %s: %w", key, err)
	}
	if !ok {
		return 0, fmt.Errorf("store: create %s: %w", key, ErrAlreadyExists)
	}
	return kv.ModRevision, nil
}

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

// Update replaces an object that still has ModRevision expectedRev (the
// resourceVersion the caller read) and returns the new revision. It fails
// with ErrConflict if the object changed since, and ErrNotFound if it is
// gone.
func (s *Store) Update(ctx context.Context, key string, value []byte, expectedRev int64) (int64, error) {
	if expectedRev <= 0 {
		return 0, fmt.Errorf("store: update %s: expected revision must be > 0, got %d", key, expectedRev)
	}
	kv, cur, ok, err := s.cas(ctx, key, value, expectedRev)
	switch {
	case err != nil:
		return 0, fmt.Errorf("store: update %s: %w", key, err)
	case !ok && cur == nil:
		return 0, fmt.Errorf("store: update %s: %w", key, ErrNotFound)
	case !ok:
		return 0, fmt.Errorf("store: update %s: %w (expected revision %d, found %d)",
			key, ErrConflict, expectedRev, cur.ModRevision)
	}
	return kv.ModRevision, nil
}

// Delete removes an object and returns it as it was, with the revision of
// the delete. With expectedRev > 0 it deletes only if the object's
// ModRevision is still expectedRev (else ErrConflict); with 0 it deletes
// unconditionally. ErrNotFound if the key does not exist.
func (s *Store) Delete(ctx context.Context, key string, expectedRev int64) (KV, int64, error) {
	full := s.full(key)
	txn := s.cli.Txn(ctx)
	if expectedRev != 0 {
		txn = txn.If(clientv3.Compare(clientv3.ModRevision(full), "=", expectedRev))
	}
	resp, err := txn.
		Then(clientv3.OpDelete(full, clientv3.WithPrevKV())).
		Else(clientv3.OpGet(full, clientv3.WithCountOnly())).
		Commit()
	if err != nil {
		return KV{}, 0, fmt.Errorf("store: delete %s: %w", key, err)
	}
	if !resp.Succeeded {
		if resp.Responses[0].GetResponseRange().Count == 0 {
			return KV{}, 0, fmt.Errorf("store: delete %s: %w", key, ErrNotFound)
		}
		return KV{}, 0, fmt.Errorf("store: delete %s: %w (expected revision %d)", key, ErrConflict, expectedRev)
	}
	prev := resp.Responses[0].GetResponseDeleteRange().PrevKvs
	if len(prev) == 0 {
		return KV{}, 0, fmt.Errorf("store: delete %s: %w", key, ErrNotFound)
	}
	return s.kv(prev[0]), resp.Header.Revision, nil
}

// GuaranteedUpdate reads key, calls fn with the current object and writes
// what fn returns, retrying with the fresh object whenever another writer
// got there first. fn may therefore run more than once and must depend only
// on its argument.
//
// If the key does not exist, fn gets nil when ignoreNotFound is set (and its
// result is created), else GuaranteedUpdate fails with ErrNotFound. fn
// returns ErrNoChange, or the old value unchanged, to write nothing; any
// other error from fn is returned as it is. The result is the object as
// stored, with its ModRevision.
func (s *Store) GuaranteedUpdate(ctx context.Context, key string, ignoreNotFound bool, fn func(old *KV) ([]byte, error)) (KV, error) {
	cur, err := s.lookup(ctx, key)
	if err != nil {
		return KV{}, fmt.Errorf("store: guaranteed update %s: %w", key, err)
	}
	for range guaranteedUpdateTries {
		if cur == nil && !ignoreNotFound {
			return KV{}, fmt.Errorf("store: guaranteed update %s: %w", key, ErrNotFound)
		}
		value, err := fn(cur)
		if errors.Is(err, ErrNoChange) || (err == nil && cur != nil && bytes.Equal(value, cur.Value)) {
			if cur == nil {
				return KV{}, fmt.Errorf("store: guaranteed update %s: %w", key, ErrNotFound)
			}
			return *cur, nil
		}
		if err != nil {
			return KV{}, err
		}
		var modRev int64
		if cur != nil {
			modRev = cur.ModRevision
		}
		kv, now, ok, err := s.cas(ctx, key, value, modRev)
		if err != nil {
			return KV{}, fmt.Errorf("store: guaranteed update %s: %w", key, err)
		}
		if ok {
			return kv, nil
		}
		cur = now
	}
	return KV{}, fmt.Errorf("store: guaranteed update %s: %w after %d tries", key, ErrConflict, guaranteedUpdateTries)
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
