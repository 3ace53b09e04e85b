package store

import (
	"errors"
	"strconv"
	"sync"
	"testing"
)

func TestCreateGet(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	key := Key("pods", "default", "web")

	rev := mustCreate(t, s, key, "v1")
	got, err := s.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	want := KV{Key: key, Value: []byte("v1"), CreateRevision: rev, ModRevision: rev}
	if got.Key != want.Key || string(got.Value) != "v1" || got.CreateRevision != rev || got.ModRevision != rev {
		t.Errorf("Get = %+v, want %+v", got, want)
	}

	if _, err := s.Create(ctx, key, []byte("v2")); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("second Create: err = %v, want ErrAlreadyExists", err)
	}
	if _, err := s.Get(ctx, Key("pods", "default", "missing")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(missing): err = %v, want ErrNotFound", err)
	}
}

func TestUpdate(t *testing.T) {
	s := newTestStore(t)
	ctx := testCtx(t)
	key := Key("pods", "default", "web")
	created := mustCreate(t, s, key, "v1")
	current, err := s.Update(ctx, key, []byte("v2"), created)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if current <= created {
		t.Fatalf("Update revision %d, want > %d", current, created)
	}

	tests := []struct {
		name    string
		key     string
		rev     int64
		wantErr error // nil: success
		anyErr  bool  // an error that is none of the sentinels
	}{
		{name: "current revision", key: key, rev: current},
		{name: "stale revision", key: key, rev: created, wantErr: ErrConflict},
		{name: "missing key", key: Key("pods", "default", "nope"), rev: created, wantErr: ErrNotFound},
		{name: "zero revision", key: key, rev: 0, anyErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rev, err := s.Update(ctx, tt.key, []byte(tt.name), tt.rev)
			switch {
			case tt.anyErr:
				if err == nil || errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
					t.Errorf("err = %v, want a plain argument error", err)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
			case err != nil:
				t.Errorf("err = %v", err)
			default:
				got, _ := s.Get(ctx, tt.key)
				if got.ModRevision != rev || got.CreateRevision != created || string(got.Value) != tt.name {
					t.Errorf("after Update: %+v, want ModRevision %d CreateRevision %d", got, rev, created)
				}
			}
		})
	}
}

func TestDelete(t *testing.T) {
	tests := []struct {
		name     string
		exists   bool
		rev      func(created int64) int64
		wantErr  error
		survives bool
	}{
		{name: "unconditional", exists: true, rev: func(int64) int64 { return 0 }},
		{name: "matching revision", exists: true, rev: func(c int64) int64 { return c }},
		{name: "stale revision", exists: true, rev: func(c int64) int64 { return c - 1 }, wantErr: ErrConflict, survives: true},
		{name: "missing unconditional", rev: func(int64) int64 { return 0 }, wantErr: ErrNotFound},
		{name: "missing with revision", rev: func(int64) int64 { return 5 }, wantErr: ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t)
			ctx := testCtx(t)
			key := Key("pods", "default", "web")
			var created int64
			if tt.exists {
				created = mustCreate(t, s, key, "v1")
			}
			old, rev, err := s.Delete(ctx, key, tt.rev(created))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (string(old.Value) != "v1" || old.ModRevision != created || rev <= created) {
				t.Errorf("Delete = %+v at %d, want the old object (rev %d) and a later revision", old, rev, created)
			}
			_, err = s.Get(ctx, key)
			if exists := err == nil; exists != tt.survives {
				t.Errorf("key exists after Delete = %v, want %v", exists, tt.survives)
			}
		})
	}
}

func TestGuaranteedUpdate(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name           string
		exists         bool
		ignoreNotFound bool
		fn             func(old *KV) ([]byte, error)
		wantErr        error
		wantValue      string
		wantWrite      bool
	}{
		{name: "update", exists: true, fn: appendX, wantValue: "v1x", wantWrite: true},
		{name: "missing", fn: appendX, wantErr: ErrNotFound},
		{name: "missing ignored creates", ignoreNotFound: true, fn: appendX, wantValue: "x", wantWrite: true},
		{name: "no change", exists: true, fn: func(*KV) ([]byte, error) { return nil, ErrNoChange }, wantValue: "v1"},
		{name: "same bytes", exists: true, fn: func(old *KV) ([]byte, error) { return old.Value, nil }, wantValue: "v1"},
		{name: "fn error", exists: true, fn: func(*KV) ([]byte, error) { return nil, errBoom }, wantErr: errBoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t)
			ctx := testCtx(t)
			key := Key("nodes", "", "n1")
			var created int64
			if tt.exists {
				created = mustCreate(t, s, key, "v1")
			}
			got, err := s.GuaranteedUpdate(ctx, key, tt.ignoreNotFound, tt.fn)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			stored, err := s.Get(ctx, key)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if string(got.Value) != tt.wantValue || string(stored.Value) != tt.wantValue || got.ModRevision != stored.ModRevision {
				t.Errorf("result %+v, stored %+v, want value %q", got, stored, tt.wantValue)
			}
			if wrote := got.ModRevision != created; wrote != tt.wantWrite {
				t.Errorf("wrote = %v, want %v", wrote, tt.wantWrite)
			}
		})
	}
}

func appendX(old *KV) ([]byte, error) {
	if old == nil {
		return []byte("x"), nil
	}
	return append(append([]byte{}, old.Value...), 'x'), nil
}

// TestGuaranteedUpdateConcurrent has 20 writers increment one counter at
// once: compare-and-swap with retries must lose no increment.
func TestGuaranteedUpdateConcurrent(t *testing.T) {
	const writers = 20
	s := newTestStore(t)
	ctx := testCtx(t)
	key := Key("counters", "", "c")
	increment := func(old *KV) ([]byte, error) {
		n := 0
		if old != nil {
			var err error
			if n, err = strconv.Atoi(string(old.Value)); err != nil {
				return nil, err
			}
		}
		return []byte(strconv.Itoa(n + 1)), nil
	}

	var wg sync.WaitGroup
	results := make(chan string, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kv, err := s.GuaranteedUpdate(ctx, key, true, increment)
			if err != nil {
				t.Errorf("GuaranteedUpdate: %v", err)
				return
			}
			results <- string(kv.Value)
		}()
	}
	wg.Wait()
	close(results)

	seen := map[string]bool{}
	for v := range results {
		if seen[v] {
			t.Errorf("two writers both wrote %s", v)
		}
		seen[v] = true
	}
	got, err := s.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if string(got.Value) != strconv.Itoa(writers) || len(seen) != writers {
		t.Errorf("counter = %s with %d distinct results, want %d", got.Value, len(seen), writers)
	}
}
