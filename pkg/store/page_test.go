package store

import (
	"errors"
	"slices"
	"testing"
)

// TestListPage reads a list in pages while it changes: every page shows
// the store as it was at the first page's revision.
func TestListPage(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		mustCreate(t, s, Key("pods", "ns1", name), name)
	}
	mustCreate(t, s, Key("pods", "ns2", "z"), "other namespace")
	prefix := Prefix("pods", "ns1")

	first, err := s.ListPage(ctx, prefix, "", 0, 2)
	if err != nil {
		t.Fatalf("first page: %v", err)
	}
	if got, want := keys(first.KVs), []string{"pods/ns1/a", "pods/ns1/b"}; !slices.Equal(got, want) || !first.More || first.Remaining != 3 {
		t.Fatalf("first page = %v more %v remaining %d; want %v more true remaining 3", got, first.More, first.Remaining, want)
	}
	// Changes after the first page are not seen by the next ones.
	mustCreate(t, s, Key("pods", "ns1", "bb"), "new")
	mustCommit(t, s, Txn{Key: Key("pods", "ns1", "e"), Rev: lastRev(t, s, Key("pods", "ns1", "e"))})

	tests := []struct {
		name      string
		from      string
		limit     int64
		want      []string
		more      bool
		remaining int64
	}{
		{"middle page", "pods/ns1/b\x00", 2, []string{"pods/ns1/c", "pods/ns1/d"}, true, 1},
		{"last page", "pods/ns1/d\x00", 2, []string{"pods/ns1/e"}, false, 0},
		{"limit beyond the end", "pods/ns1/b\x00", 10, []string{"pods/ns1/c", "pods/ns1/d", "pods/ns1/e"}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.ListPage(ctx, prefix, tt.from, first.Revision, tt.limit)
			if err != nil {
				t.Fatalf("ListPage: %v", err)
			}
			if got := keys(p.KVs); !slices.Equal(got, tt.want) || p.More != tt.more || p.Remaining != tt.remaining || p.Revision != first.Revision {
				t.Errorf("page = %v more %v remaining %d at %d; want %v more %v remaining %d at %d",
					got, p.More, p.Remaining, p.Revision, tt.want, tt.more, tt.remaining, first.Revision)
			}
		})
	}
	if _, err := s.ListPage(ctx, prefix, "pods/ns2/z", 0, 2); err == nil {
		t.Errorf("ListPage from a key outside the prefix: no error")
	}
}

// TestListPageCompacted: a page at a compacted revision is a *GoneError,
// which the apiserver answers with 410 and a fresh continue token.
func TestListPageCompacted(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	old := mustCreate(t, s, Key("pods", "ns1", "a"), "a")
	now := mustCreate(t, s, Key("pods", "ns1", "b"), "b")
	if err := s.Compact(ctx, now); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	var gone *GoneError
	if _, err := s.ListPage(ctx, Prefix("pods", "ns1"), "", old, 1); !errors.As(err, &gone) {
		t.Errorf("ListPage at compacted revision %d: err = %v, want *GoneError", old, err)
	}
}

// lastRev is key's current ModRevision.
func lastRev(t *testing.T, s *Store, key string) int64 {
	t.Helper()
	kv, err := s.Get(testCtx(t), key)
	if err != nil {
		t.Fatal(err)
	}
	return kv.ModRevision
}
