package store

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func TestKeyAndPrefix(t *testing.T) {
	tests := []struct {
		name, resource, namespace, obj string
		wantKey, wantPrefix            string
	}{
		{"namespaced", "pods", "default", "web", "pods/default/web", "pods/default/"},
		{"cluster-scoped", "nodes", "", "n1", "nodes/n1", "nodes/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Key(tt.resource, tt.namespace, tt.obj); got != tt.wantKey {
				t.Errorf("Key = %q, want %q", got, tt.wantKey)
			}
			if got := Prefix(tt.resource, tt.namespace); got != tt.wantPrefix {
				t.Errorf("Prefix = %q, want %q", got, tt.wantPrefix)
			}
		})
	}
}

func TestGet(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	key := Key("pods", "default", "web")
	rev := mustCreate(t, s, key, "v1")

	got, err := s.Get(ctx, key)
	if err != nil || got.Key != key || string(got.Value) != "v1" || got.CreateRevision != rev || got.ModRevision != rev {
		t.Errorf("Get = %+v, %v; want v1 created and modified at %d", got, err, rev)
	}
	if _, err := s.Get(ctx, Key("pods", "default", "missing")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(missing): err = %v, want ErrNotFound", err)
	}
}

func TestList(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	var last int64
	for _, name := range []string{"c", "a", "b"} {
		last = mustCreate(t, s, Key("pods", "ns1", name), name)
	}
	mustCreate(t, s, Key("services", "ns1", "a"), "other resource")

	kvs, rev, err := s.List(ctx, Prefix("pods", "ns1"))
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if got, want := keys(kvs), []string{"pods/ns1/a", "pods/ns1/b", "pods/ns1/c"}; !slices.Equal(got, want) {
		t.Errorf("List keys = %v, want %v", got, want)
	}
	if string(kvs[0].Value) != "a" || kvs[0].ModRevision == 0 {
		t.Errorf("first KV = %+v, want value a with its revision", kvs[0])
	}
	if rev <= last {
		t.Errorf("List revision %d, want > %d (a later write happened)", rev, last)
	}
	if cur, _ := s.Revision(ctx); rev != cur {
		t.Errorf("List revision %d, current revision %d", rev, cur)
	}
}

// TestPrefixIsolation: namespace "a" must not see namespace "ab".
func TestPrefixIsolation(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	mustCreate(t, s, Key("pods", "a", "x"), "x")
	mustCreate(t, s, Key("pods", "ab", "y"), "y")

	tests := []struct {
		prefix string
		want   []string
	}{
		{Prefix("pods", "a"), []string{"pods/a/x"}},
		{Prefix("pods", "ab"), []string{"pods/ab/y"}},
		{Prefix("pods", ""), []string{"pods/a/x", "pods/ab/y"}},
		{Prefix("pod", ""), nil},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			kvs, _, err := s.List(ctx, tt.prefix)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if got := keys(kvs); !slices.Equal(got, tt.want) {
				t.Errorf("List = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestListPages lists more keys than one etcd page holds.
func TestListPages(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	const n = listPageSize + 100
	for start := 0; start < n; start += 100 { // etcd allows 128 ops per txn
		var ops []clientv3.Op
		for i := start; i < start+100; i++ {
			ops = append(ops, clientv3.OpPut(s.full(Key("events", "ns", fmt.Sprintf("e%04d", i))), "v"))
		}
		if _, err := s.cli.Txn(ctx).Then(ops...).Commit(); err != nil {
			t.Fatalf("txn: %v", err)
		}
	}
	kvs, _, err := s.List(ctx, Prefix("events", "ns"))
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	got := keys(kvs)
	if len(got) != n || !slices.IsSorted(got) || got[n-1] != fmt.Sprintf("events/ns/e%04d", n-1) {
		t.Errorf("List returned %d keys (sorted: %v), want %d", len(got), slices.IsSorted(got), n)
	}
}

// TestListAt reads the past, and refuses the compacted past and the future.
func TestListAt(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	key := Key("pods", "a", "web")
	v1 := mustCreate(t, s, key, "v1")
	v2 := mustCommit(t, s, Txn{Key: key, Value: []byte("v2"), Rev: v1})

	kvs, rev, err := s.ListAt(ctx, Prefix("pods", "a"), v1)
	if err != nil || rev != v1 || len(kvs) != 1 || string(kvs[0].Value) != "v1" {
		t.Fatalf("ListAt(%d) = %+v at %d, %v; want v1", v1, kvs, rev, err)
	}
	var future *FutureError
	if _, _, err := s.ListAt(ctx, Prefix("pods", "a"), v2+1000); !errors.As(err, &future) || future.Requested != v2+1000 || future.Current < v2 {
		t.Errorf("ListAt(future) err = %v, want *FutureError", err)
	}
	if err := s.Compact(ctx, v2); err != nil {
		t.Fatal(err)
	}
	var gone *GoneError
	if _, _, err := s.ListAt(ctx, Prefix("pods", "a"), v1); !errors.As(err, &gone) || gone.Requested != v1 {
		t.Errorf("ListAt(compacted) err = %v, want *GoneError", err)
	}
}

// TestWaitForRevision waits for a revision that comes, and gives up on one
// that does not.
func TestWaitForRevision(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	cur, err := s.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WaitForRevision(ctx, cur, time.Second); err != nil {
		t.Errorf("current revision: %v", err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		if _, err := s.Commit(ctx, Txn{Key: Key("pods", "a", "later"), Value: []byte("v")}); err != nil {
			t.Error(err)
		}
	}()
	if err := s.WaitForRevision(ctx, cur+1, 2*time.Second); err != nil {
		t.Errorf("revision written 50 ms later: %v", err)
	}
	start := time.Now()
	var future *FutureError
	err = s.WaitForRevision(ctx, cur+1_000_000, 300*time.Millisecond)
	if !errors.As(err, &future) || future.Requested != cur+1_000_000 {
		t.Errorf("far future revision: err = %v, want *FutureError", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %s, want about 300ms", d)
	}
}

func keys(kvs []KV) []string {
	var out []string
	for _, kv := range kvs {
		out = append(out, kv.Key)
	}
	return out
}
