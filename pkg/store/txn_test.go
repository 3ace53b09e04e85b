package store

import (
	"errors"
	"testing"
)

func TestCommitClaims(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)

	rev, err := s.Commit(ctx, Txn{Key: "svc/a", Value: []byte("a"), Claim: []string{"ip/1", "port/30000"}, Owner: []byte("svc/a")})
	if err != nil {
		t.Fatal(err)
	}
	// A second object claiming a held key fails whole: nothing of it is written.
	_, err = s.Commit(ctx, Txn{Key: "svc/b", Value: []byte("b"), Claim: []string{"ip/2", "port/30000"}, Owner: []byte("svc/b")})
	var claim *ClaimError
	if !errors.As(err, &claim) || claim.Key != "port/30000" {
		t.Fatalf("second claim: %v", err)
	}
	for _, k := range []string{"svc/b", "ip/2"} {
		if _, err := s.Get(ctx, k); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s written by a failed commit: %v", k, err)
		}
	}
	// Creating an existing object is ErrAlreadyExists, not a claim error.
	if _, err := s.Commit(ctx, Txn{Key: "svc/a", Value: []byte("x")}); !errors.Is(err, ErrAlreadyExists) {
		t.Fatalf("create twice: %v", err)
	}
	// An update at a stale revision is ErrConflict.
	if _, err := s.Commit(ctx, Txn{Key: "svc/a", Value: []byte("x"), Rev: rev - 1}); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	// Deleting releases the claims for others.
	if _, err := s.Commit(ctx, Txn{Key: "svc/a", Rev: rev, Release: []string{"ip/1", "port/30000"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, Txn{Key: "svc/b", Value: []byte("b"), Claim: []string{"port/30000"}, Owner: []byte("svc/b")}); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	// Deleting a missing object is ErrNotFound.
	if _, err := s.Commit(ctx, Txn{Key: "svc/a", Rev: rev}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete missing: %v", err)
	}
}

func TestCommitRequireAndAbsent(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	_, err := s.Commit(ctx, Txn{Key: "pods/ns/p", Value: []byte("p"), Require: []string{"namespaces/ns"}})
	var cond *ConditionError
	if !errors.As(err, &cond) || cond.Key != "namespaces/ns" || cond.Present {
		t.Fatalf("missing required key: %v", err)
	}
	mustCreate(t, s, "namespaces/ns", "ns")
	mustCreate(t, s, "terminating/ns", "")
	_, err = s.Commit(ctx, Txn{Key: "pods/ns/p", Value: []byte("p"), Require: []string{"namespaces/ns"}, Absent: []string{"terminating/ns"}})
	if !errors.As(err, &cond) || cond.Key != "terminating/ns" || !cond.Present {
		t.Fatalf("present absent key: %v", err)
	}
	if _, err := s.Commit(ctx, Txn{Key: "pods/ns/p", Value: []byte("p"), Require: []string{"namespaces/ns"}}); err != nil {
		t.Fatal(err)
	}
}
