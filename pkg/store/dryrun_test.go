package store

import (
	"errors"
	"testing"
)

// TestDryRunCommit: under WithDryRun, Commit checks what a commit would
// check and changes nothing: not the object, not the claims, not etcd's
// revision.
func TestDryRunCommit(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	existing := Key("pods", "ns1", "web")
	rev := mustCommit(t, s, Txn{Key: existing, Value: []byte("v1"), Claim: []string{"ranges/ports/80"}, Owner: []byte(existing)})
	dry := WithDryRun(ctx)

	var claim *ClaimError
	tests := []struct {
		name    string
		txn     Txn
		wantRev int64
		wantErr func(error) bool
	}{
		{"create", Txn{Key: Key("pods", "ns1", "new"), Value: []byte("v"), Claim: []string{"ranges/ports/81"}}, 0, nil},
		{"create of an existing key", Txn{Key: existing, Value: []byte("v")}, 0, func(err error) bool { return errors.Is(err, ErrAlreadyExists) }},
		{"create claiming a held claim", Txn{Key: Key("pods", "ns1", "other"), Value: []byte("v"), Claim: []string{"ranges/ports/80"}},
			0, func(err error) bool { return errors.As(err, &claim) }},
		{"update", Txn{Key: existing, Value: []byte("v2"), Rev: rev, Release: []string{"ranges/ports/80"}}, rev, nil},
		{"update of a changed key", Txn{Key: existing, Value: []byte("v2"), Rev: rev - 1}, 0, func(err error) bool { return errors.Is(err, ErrConflict) }},
		{"delete", Txn{Key: existing, Rev: rev}, rev, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := s.Revision(ctx)
			got, err := s.Commit(dry, tt.txn)
			switch {
			case tt.wantErr == nil && (err != nil || got != tt.wantRev):
				t.Errorf("Commit = %d, %v; want %d, nil", got, err, tt.wantRev)
			case tt.wantErr != nil && !tt.wantErr(err):
				t.Errorf("Commit: err = %v, want the commit's own error", err)
			}
			if after, _ := s.Revision(ctx); after != before {
				t.Errorf("etcd revision moved from %d to %d: a dry run wrote", before, after)
			}
		})
	}
	if kv, err := s.Get(ctx, existing); err != nil || string(kv.Value) != "v1" || kv.ModRevision != rev {
		t.Errorf("object after dry runs = %+v, %v; want v1 at %d", kv, err, rev)
	}
	for _, k := range []string{"ranges/ports/81", Key("pods", "ns1", "new")} {
		if _, err := s.Get(ctx, k); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%s) after dry runs: err = %v, want ErrNotFound", k, err)
		}
	}
}
