package store

import (
	"context"
	"errors"
	"fmt"
	"math"
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
	updated := mustCommit(t, s, Txn{Key: a, Value: []byte("v2"), Rev: created})
	mustCreate(t, s, Key("pods", "ab", "other"), "not watched")
	deleted := mustCommit(t, s, Txn{Key: a, Rev: updated})
	recreated := mustCreate(t, s, b, "v3")

	events, errc, err := s.watch(ctx, Prefix("pods", "a"), created, 10)
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

	events, errc, err := s.watch(ctx, Prefix("pods", "a"), 0, 10)
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
	rev := mustCommit(t, s, Txn{Key: key, Value: []byte("v2"), Rev: old})
	rev = mustCommit(t, s, Txn{Key: key, Value: []byte("v3"), Rev: rev})
	if err := s.Compact(ctx, rev); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if err := s.Compact(ctx, rev); err != nil {
		t.Errorf("second Compact to the same revision: %v", err)
	}

	_, _, err := s.watch(ctx, Prefix("pods", "a"), old, 10)
	var gone *GoneError
	if !errors.As(err, &gone) {
		t.Fatalf("Watch from compacted revision: err = %v, want *GoneError", err)
	}
	if gone.Requested != old || gone.Compacted != rev {
		t.Errorf("GoneError = %+v, want Requested %d Compacted %d", gone, old, rev)
	}

	// The oldest revision still kept works: it delivers the last update.
	events, _, err := s.watch(ctx, Prefix("pods", "a"), rev-1, 10)
	if err != nil {
		t.Fatalf("Watch from the compaction point: %v", err)
	}
	if e := next(t, events); e.KV.ModRevision != rev {
		t.Errorf("event = %+v, want revision %d", e, rev)
	}
}

// TestWatchDropsSlowReader: a reader that stops taking events is dropped
// once its buffer is full, with ErrTooSlow, while a reader that keeps up
// on the same prefix gets every event.
func TestWatchDropsSlowReader(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	const buffer, writes = 5, 60
	stuck, stuckErr, err := s.watch(ctx, Prefix("pods", "a"), 0, buffer)
	if err != nil {
		t.Fatal(err)
	}
	live, _, err := s.watch(ctx, Prefix("pods", "a"), 0, buffer)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int)
	go func() {
		n := 0
		for range live {
			if n++; n == writes {
				break
			}
		}
		got <- n
	}()
	for i := range writes {
		mustCreate(t, s, Key("pods", "a", fmt.Sprint(i)), "v")
	}
	select {
	case n := <-got:
		if n != writes {
			t.Errorf("the reader that keeps up got %d events, want %d", n, writes)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the reader that keeps up did not get every event within 5s")
	}
	select {
	case err := <-stuckErr:
		if !errors.Is(err, ErrTooSlow) {
			t.Fatalf("stuck reader: err = %v, want ErrTooSlow", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stuck reader was not dropped within 5s")
	}
	if _, open := <-stuck; open {
		t.Error("the stuck reader's channel is still open after it was dropped")
	}
}

// TestWatchRevisionOutOfRange: no revision overflows into etcd's.
func TestWatchRevisionOutOfRange(t *testing.T) {
	s := newTestStore(t)
	for _, rev := range []int64{-1, math.MaxInt64} {
		if _, _, err := s.watch(testCtx(t), Prefix("pods", "a"), rev, 10); err == nil {
			t.Errorf("Watch after %d: no error", rev)
		}
	}
}

// TestRunCompactor: each tick compacts to the revision of the tick
// before, so history one interval old survives and older history goes.
func TestRunCompactor(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan struct{})
	defer func() { cancel(); <-done }() // etcd closes after the tests: no compaction may be running then
	key := Key("pods", "a", "web")
	old := mustCreate(t, s, key, "v1")
	mustCommit(t, s, Txn{Key: key, Value: []byte("v2"), Rev: old})

	go func() { s.RunCompactor(ctx, 50*time.Millisecond, nil); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var gone *GoneError
		_, _, err := s.watch(ctx, Prefix("pods", "a"), old-1, 10)
		if errors.As(err, &gone) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("revision %d still watchable after 5s of compactor (err %v)", old, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
