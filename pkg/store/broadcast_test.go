package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// take reads n events, failing the test if they do not come soon.
func take(t *testing.T, events <-chan Event, n int) []string {
	t.Helper()
	var keys []string
	for range n {
		keys = append(keys, next(t, events).KV.Key)
	}
	return keys
}

// hubs is how many shared etcd watches b runs.
func (b *Broadcaster) numHubs() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.hubs)
}

// TestBroadcasterSharesOneWatch: watchers of one resource, in different
// namespaces, share one etcd watch and each sees its own namespace's
// events; the watch stops when the last watcher leaves.
func TestBroadcasterSharesOneWatch(t *testing.T) {
	s := newTestStore(t)
	b := NewBroadcaster(s)
	ctx, cancel := context.WithCancel(testCtx(t))
	rev := mustCreate(t, s, Key("pods", "a", "before"), "v")

	inA, _, err := b.Watch(ctx, Prefix("pods", "a"), rev, 10)
	if err != nil {
		t.Fatal(err)
	}
	inB, _, err := b.Watch(ctx, Prefix("pods", "b"), rev, 10)
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := b.Watch(ctx, Prefix("pods", ""), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if n := b.numHubs(); n != 1 {
		t.Fatalf("%d shared watches for one resource, want 1", n)
	}
	mustCreate(t, s, Key("pods", "a", "x"), "v")
	mustCreate(t, s, Key("pods", "b", "y"), "v")
	mustCreate(t, s, Key("services", "a", "z"), "v")
	if got := take(t, inA, 1); got[0] != "pods/a/x" {
		t.Errorf("namespace a saw %v", got)
	}
	if got := take(t, inB, 1); got[0] != "pods/b/y" {
		t.Errorf("namespace b saw %v", got)
	}
	if got := take(t, all, 2); got[0] != "pods/a/x" || got[1] != "pods/b/y" {
		t.Errorf("all namespaces saw %v", got)
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for b.numHubs() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the shared watch still runs after its last watcher left")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBroadcasterStartsInThePast: a watcher that starts a little back gets
// the window's events after its revision; one that starts before the
// window is told to list again, as after a compaction.
func TestBroadcasterStartsInThePast(t *testing.T) {
	s := newTestStore(t)
	b := NewBroadcaster(s)
	ctx := testCtx(t)
	r0 := mustCreate(t, s, Key("pods", "a", "0"), "v")
	r1 := mustCreate(t, s, Key("pods", "a", "1"), "v")

	first, _, err := b.Watch(ctx, Prefix("pods", "a"), r1, 10) // the hub starts at r1
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, Key("pods", "a", "2"), "v")
	take(t, first, 1)
	within, _, err := b.Watch(ctx, Prefix("pods", "a"), r1, 10) // in the window
	if err != nil {
		t.Fatal(err)
	}
	var gone *GoneError
	if _, _, err := b.Watch(ctx, Prefix("pods", "a"), r0, 10); !errors.As(err, &gone) || gone.Requested != r0 || gone.Compacted != r1 {
		t.Errorf("from before the window: err = %v, want *GoneError", err)
	}
	mustCreate(t, s, Key("pods", "a", "3"), "v")
	if got := fmt.Sprint(take(t, within, 2)); got != "[pods/a/2 pods/a/3]" {
		t.Errorf("from the window: %s", got)
	}
}

// TestBroadcasterDropsSlowWatcher: a watcher that stops reading is dropped
// once its buffer is full, with ErrTooSlow; the others get every event,
// even more than a window's worth, written in transactions of many keys.
func TestBroadcasterDropsSlowWatcher(t *testing.T) {
	s := newTestStore(t)
	b := NewBroadcaster(s)
	ctx := testCtx(t)
	const n = hubWindow + 200
	first, err := s.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, stuckErr, err := b.Watch(ctx, Prefix("pods", "a"), first, 5)
	if err != nil {
		t.Fatal(err)
	}
	live, _, err := b.Watch(ctx, Prefix("pods", "a"), first, n) // a transaction comes at once
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int)
	go func() {
		i := 0
		for e := range live {
			if e.KV.Key != Key("pods", "a", fmt.Sprintf("%04d", i)) {
				break
			}
			if i++; i == n {
				break
			}
		}
		got <- i
	}()
	for start := 0; start < n; start += 100 { // etcd takes 128 operations per transaction
		var ops []clientv3.Op
		for i := start; i < min(start+100, n); i++ {
			ops = append(ops, clientv3.OpPut(s.full(Key("pods", "a", fmt.Sprintf("%04d", i))), "v"))
		}
		if _, err := s.cli.Txn(ctx).Then(ops...).Commit(); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case i := <-got:
		if i != n {
			t.Errorf("the watcher that reads got %d events in order, want %d", i, n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the watcher that reads did not get every event within 5s")
	}
	select {
	case err := <-stuckErr:
		if !errors.Is(err, ErrTooSlow) {
			t.Errorf("the stuck watcher ended with %v, want ErrTooSlow", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stuck watcher was not dropped")
	}
	// The window slid past the first two transactions, whole: a watch
	// after the first one is too old.
	var gone *GoneError
	if _, _, err := b.Watch(ctx, Prefix("pods", "a"), first+1, 5); !errors.As(err, &gone) {
		t.Errorf("a watch from the first transaction: err = %v, want *GoneError", err)
	}
}

// TestBroadcasterSharesDerivedValues: the watchers of one event share
// its Shared, so that what one derives from it the others get as it is,
// made once; an event that has left the window keeps nothing.
func TestBroadcasterSharesDerivedValues(t *testing.T) {
	s := newTestStore(t)
	b := NewBroadcaster(s)
	ctx := testCtx(t)
	rev := mustCreate(t, s, Key("pods", "a", "before"), "v")
	w1, _, err := b.Watch(ctx, Prefix("pods", ""), rev, 10)
	if err != nil {
		t.Fatal(err)
	}
	w2, _, err := b.Watch(ctx, Prefix("pods", "a"), rev, 10)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, Key("pods", "a", "x"), "v")
	e1, e2 := next(t, w1), next(t, w2)
	if e1.Shared == nil || e1.Shared != e2.Shared {
		t.Fatalf("the watchers got Shared %p and %p, want one", e1.Shared, e2.Shared)
	}
	made := 0
	derive := func() any { made++; return fmt.Sprint("decoded ", made) }
	if a, b := e1.Shared.Do("object", derive), e2.Shared.Do("object", derive); a != "decoded 1" || b != a || made != 1 {
		t.Errorf("got %v and %v after %d calls, want one value made once", a, b, made)
	}
	e1.Shared.forget()
	if v := e2.Shared.Do("object", derive); v != "decoded 2" {
		t.Errorf("after forget: %v, want it made again", v)
	}
	var none *Shared // an event not from a Broadcaster
	if v := none.Do("object", derive); v != "decoded 3" {
		t.Errorf("a nil Shared gave %v, want a fresh value", v)
	}
}

// TestBroadcasterWatchMatching: a watcher gets only the events its keep
// accepts, from the window as from then on, and its progress moves on
// with every event all the same.
func TestBroadcasterWatchMatching(t *testing.T) {
	s := newTestStore(t)
	b := NewBroadcaster(s)
	ctx := testCtx(t)
	rev := mustCreate(t, s, Key("pods", "a", "before"), "v")
	all, _, err := b.Watch(ctx, Prefix("pods", ""), rev, 10) // starts the hub's window at rev
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, Key("pods", "a", "mine-1"), "v")
	last := mustCreate(t, s, Key("pods", "a", "other-1"), "v")
	take(t, all, 2)
	mine := func(e Event) bool { return strings.Contains(e.KV.Key, "mine") }
	events, _, progress, err := b.WatchMatching(ctx, Prefix("pods", ""), rev, 10, mine)
	if err != nil {
		t.Fatal(err)
	}
	if got := take(t, events, 1); got[0] != "pods/a/mine-1" {
		t.Errorf("from the window: %v", got)
	}
	if p := progress(); p != last {
		t.Errorf("progress %d after the window, want %d", p, last)
	}
	last = mustCreate(t, s, Key("pods", "a", "other-2"), "v")
	mustCreate(t, s, Key("pods", "a", "mine-2"), "v")
	if got := take(t, events, 1); got[0] != "pods/a/mine-2" {
		t.Errorf("then: %v", got)
	}
	if p := progress(); p < last { // other-2 was looked at before mine-2 was queued
		t.Errorf("progress %d, want at least %d", p, last)
	}
}
