package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// next returns the next event, failing the test if none comes soon.
func next(t *testing.T, events <-chan Event) Event {
	t.Helper()
	select {
	case e, ok := <-events:
		if !ok {
			t.Fatal("event channel closed")
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return Event{}
}

// TestWatchFromRevision: a watch after revision R delivers exactly the
// later changes under its prefix, in order.
func TestWatchFromRevision(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	a, b := Key("pods", "a", "web"), Key("pods", "a", "db")

	created := mustCreate(t, s, a, "v1")
	updated, err := s.Update(ctx, a, []byte("v2"), created)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, Key("pods", "ab", "other"), "not watched")
	_, deleted, err := s.Delete(ctx, a, 0)
	if err != nil {
		t.Fatal(err)
	}
	recreated := mustCreate(t, s, b, "v3")

	events, errc, err := s.Watch(ctx, Prefix("pods", "a"), created)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	want := []struct {
		typ     EventType
		key     string
		value   string
		rev     int64
		created bool
		prev    string // "" means PrevKV must be nil
	}{
		{Put, a, "v2", updated, false, "v1"},
		{Delete, a, "v2", deleted, false, "v2"},
		{Put, b, "v3", recreated, true, ""},
	}
	for i, w := range want {
		e := next(t, events)
		if e.Type != w.typ || e.KV.Key != w.key || string(e.KV.Value) != w.value || e.KV.ModRevision != w.rev || e.Created != w.created {
			t.Errorf("event %d = %+v, want %+v", i, e, w)
		}
		if (e.PrevKV == nil) != (w.prev == "") || (e.PrevKV != nil && string(e.PrevKV.Value) != w.prev) {
			t.Errorf("event %d PrevKV = %+v, want value %q", i, e.PrevKV, w.prev)
		}
	}
	select {
	case e := <-events:
		t.Errorf("unexpected event %+v", e)
	case err := <-errc:
		t.Errorf("watch failed: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestWatchFromNowAndCancel(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	mustCreate(t, s, Key("pods", "a", "before"), "v")

	events, errc, err := s.Watch(ctx, Prefix("pods", "a"), 0)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	mustCreate(t, s, Key("pods", "a", "after"), "v")
	if e := next(t, events); e.KV.Key != "pods/a/after" || !e.Created {
		t.Errorf("event = %+v, want the create of pods/a/after", e)
	}

	cancel()
	for range events { // drains, and ends once the channel is closed
	}
	if err := <-errc; err != nil {
		t.Errorf("error after cancel = %v, want nil", err)
	}
}

func TestWatchCompacted(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	key := Key("pods", "a", "web")
	old := mustCreate(t, s, key, "v1")
	rev, err := s.Update(ctx, key, []byte("v2"), old)
	if err != nil {
		t.Fatal(err)
	}
	rev, err = s.Update(ctx, key, []byte("v3"), rev)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Compact(ctx, rev); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if err := s.Compact(ctx, rev); err != nil {
		t.Errorf("second Compact to the same revision: %v", err)
	}

	_, _, err = s.Watch(ctx, Prefix("pods", "a"), old)
	var gone *GoneError
	if !errors.As(err, &gone) {
		t.Fatalf("Watch from compacted revision: err = %v, want *GoneError", err)
	}
	if gone.Requested != old || gone.Compacted != rev {
		t.Errorf("GoneError = %+v, want Requested %d Compacted %d", gone, old, rev)
	}

	// The oldest revision still kept works: it delivers the last update.
	events, _, err := s.Watch(ctx, Prefix("pods", "a"), rev-1)
	if err != nil {
		t.Fatalf("Watch from the compaction point: %v", err)
	}
	if e := next(t, events); e.KV.ModRevision != rev {
		t.Errorf("event = %+v, want revision %d", e, rev)
	}
}

func TestWatchWithProgress(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	rev := mustCreate(t, s, Key("pods", "a", "web"), "v")

	events, _, err := s.WatchWithProgress(ctx, Prefix("pods", "a"), rev, 20*time.Millisecond)
	if err != nil {
		t.Fatalf("WatchWithProgress: %v", err)
	}
	// A write elsewhere moves the revision on; the quiet watcher learns it.
	elsewhere := mustCreate(t, s, Key("pods", "b", "web"), "v")
	e := next(t, events)
	if e.Type != Progress || e.KV.ModRevision < elsewhere {
		t.Errorf("event = %+v, want Progress at revision >= %d", e, elsewhere)
	}
}

func TestStartCompactor(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	key := Key("pods", "a", "web")
	old := mustCreate(t, s, key, "v1")
	if _, err := s.GuaranteedUpdate(ctx, key, false, appendX); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GuaranteedUpdate(ctx, key, false, appendX); err != nil {
		t.Fatal(err)
	}

	// Keeping the latest 1 revision compacts away the create.
	s.StartCompactor(ctx, 10*time.Millisecond, 1, nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var gone *GoneError
		_, _, err := s.Watch(ctx, Prefix("pods", "a"), old-1)
		if errors.As(err, &gone) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("revision %d still watchable after 5s of compactor (err %v)", old, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
