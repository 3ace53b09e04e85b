package store

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
)

// testEtcd is one embedded etcd shared by the tests of this package; each
// test keeps its keys under its own prefix (see newTestStore).
var testEtcd *Embedded

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kubelab-store-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testEtcd, err = StartEmbedded(EmbeddedConfig{DataDir: dir, Logger: zap.NewNop()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	testEtcd.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// stores numbers the test stores, so that -count=N runs stay apart.
var stores atomic.Int64

// newTestStore returns a Store whose prefix belongs to this test alone.
func newTestStore(t *testing.T) *Store {
	t.Helper()
	return New(testEtcd.Client(), fmt.Sprintf("/test/%d/%s", stores.Add(1), t.Name()))
}

// testCtx returns a context that ends with the test, or after 10 seconds.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustCreate creates key and returns its revision.
func mustCreate(t *testing.T, s *Store, key, value string) int64 {
	t.Helper()
	return mustCommit(t, s, Txn{Key: key, Value: []byte(value)})
}

// mustCommit commits txn and returns its revision.
func mustCommit(t *testing.T, s *Store, txn Txn) int64 {
	t.Helper()
	rev, err := s.Commit(testCtx(t), txn)
	if err != nil {
		t.Fatalf("Commit(%q): %v", txn.Key, err)
	}
	return rev
}
