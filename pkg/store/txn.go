package store

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Txn writes one object together with the "claims" it takes and releases,
// all or nothing, in one etcd transaction. A claim is a key of its own that
// marks a unique thing as held (a ClusterIP, a NodePort, a pod CIDR): it
// can only be taken if no one holds it, so two writers can never both get
// the same address, and a crash can never leave an address held by an
// object that was not written.
type Txn struct {
	Key     string   // the object's key
	Value   []byte   // the new value; nil deletes the object
	Rev     int64    // 0: the object must not exist (create); else its expected ModRevision
	Claim   []string // keys to take; each must not exist
	Release []string // keys to give up
	Owner   []byte   // the value written into each claim (who holds it)
	Require []string // keys that must exist (e.g. the object's namespace)
	Absent  []string // keys that must not exist (e.g. a namespace's terminating mark)
}

// ClaimError says a claim in a Txn was already held by someone else.
type ClaimError struct {
	Key string
}

// Error names the claim.
func (e *ClaimError) Error() string { return fmt.Sprintf("store: claim %s is already held", e.Key) }

// ConditionError says a Require key was missing (Present false) or an
// Absent key was there (Present true).
type ConditionError struct {
	Key     string
	Present bool
}

// Error names the key and what was wrong with it.
func (e *ConditionError) Error() string {
	if e.Present {
		return fmt.Sprintf("store: %s exists", e.Key)
	}
	return fmt.Sprintf("store: %s does not exist", e.Key)
}

// Commit runs t and returns the revision it was written at; under a dry
// run's context (WithDryRun) it only checks t and returns t.Rev. It fails with
// ErrAlreadyExists (create of an existing key), ErrNotFound or ErrConflict
// (update or delete of a missing or changed key), *ClaimError,
// *ConditionError, or *NoSpaceError while etcd's database is full.
func (s *Store) Commit(ctx context.Context, t Txn) (int64, error) {
	key := s.full(t.Key)
	var cmps []clientv3.Cmp
	if t.Rev == 0 {
		cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(key), "=", 0))
	} else {
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(key), "=", t.Rev))
	}
	for _, c := range t.Claim {
		cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(s.full(c)), "=", 0))
	}
	for _, k := range t.Require {
		cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(s.full(k)), ">", 0))
	}
	for _, k := range t.Absent {
		cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(s.full(k)), "=", 0))
	}
	if IsDryRun(ctx) {
		return s.check(ctx, t, cmps)
	}
	var ops []clientv3.Op
	if t.Value == nil {
		ops = append(ops, clientv3.OpDelete(key))
	} else {
		ops = append(ops, clientv3.OpPut(key, string(t.Value)))
	}
	for _, c := range t.Claim {
		ops = append(ops, clientv3.OpPut(s.full(c), string(t.Owner)))
	}
	for _, r := range t.Release {
		ops = append(ops, clientv3.OpDelete(s.full(r)))
	}
	resp, err := s.cli.Txn(ctx).If(cmps...).Then(ops...).Commit()
	if err != nil {
		return 0, fmt.Errorf("store: commit %s: %w", t.Key, s.noSpace(ctx, err))
	}
	if resp.Succeeded {
		return resp.Header.Revision, nil
	}
	return 0, s.whyFailed(ctx, t)
}

// whyFailed finds out which comparison of a failed Txn did not hold.
func (s *Store) whyFailed(ctx context.Context, t Txn) error {
	cur, err := s.lookup(ctx, t.Key)
	if err != nil {
		return err
	}
	switch {
	case t.Rev == 0 && cur != nil:
		return fmt.Errorf("store: %s: %w", t.Key, ErrAlreadyExists)
	case t.Rev != 0 && cur == nil:
		return fmt.Errorf("store: %s: %w", t.Key, ErrNotFound)
	case t.Rev != 0 && cur.ModRevision != t.Rev:
		return fmt.Errorf("store: %s: %w", t.Key, ErrConflict)
	}
	for _, k := range t.Require {
		if kv, err := s.lookup(ctx, k); err != nil || kv == nil {
			return firstErr(err, &ConditionError{Key: k})
		}
	}
	for _, k := range t.Absent {
		if kv, err := s.lookup(ctx, k); err != nil || kv != nil {
			return firstErr(err, &ConditionError{Key: k, Present: true})
		}
	}
	for _, c := range t.Claim {
		held, err := s.lookup(ctx, c)
		if err != nil {
			return err
		}
		if held != nil && string(held.Value) != string(t.Owner) {
			return &ClaimError{Key: c}
		}
	}
	// Everything holds now: a racing writer changed something meanwhile.
	return fmt.Errorf("store: %s: %w", t.Key, ErrConflict)
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
