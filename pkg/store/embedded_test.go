package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// TestEmbeddedRestart: an acknowledged write survives stopping etcd and
// starting it again on the same data directory.
func TestEmbeddedRestart(t *testing.T) {
	dir := t.TempDir()
	key := Key("namespaces", "", "kube-system")

	e, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Logger: zap.NewNop()})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	if len(e.Endpoints()) != 1 || !strings.HasPrefix(e.Endpoints()[0], "http://127.0.0.1:") {
		t.Errorf("Endpoints = %v", e.Endpoints())
	}
	rev, err := e.Store("/registry").Commit(testCtx(t), Txn{Key: key, Value: []byte("v1")})
	e.Close()
	if err != nil {
		t.Fatalf("Create: %v", err)
	}

	e, err = StartEmbedded(EmbeddedConfig{DataDir: dir, Logger: zap.NewNop()})
	if err != nil {
		t.Fatalf("StartEmbedded again: %v", err)
	}
	defer e.Close()
	got, err := e.Store("/registry").Get(testCtx(t), key)
	if err != nil || string(got.Value) != "v1" || got.ModRevision != rev {
		t.Errorf("after restart Get = %+v, %v; want v1 at revision %d", got, err, rev)
	}
}

func TestStartEmbeddedNeedsDataDir(t *testing.T) {
	if _, err := StartEmbedded(EmbeddedConfig{}); err == nil {
		t.Error("StartEmbedded without DataDir succeeded")
	}
}

func TestConnect(t *testing.T) {
	cluster, err := Connect(testEtcd.Endpoints(), time.Second)
	if err != nil {
		t.Fatalf("Connect to the test etcd: %v", err)
	}
	if _, err := cluster.Store("/registry").Revision(context.Background()); err != nil {
		t.Errorf("Revision: %v", err)
	}
	cluster.Close()

	unused, err := urlOrFreePort("") // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = Connect([]string{unused.String()}, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), unused.String()) {
		t.Errorf("Connect to %s: err = %v, want an error naming the endpoint", unused, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Connect took %s to fail, want about the dial timeout", d)
	}
}

// TestStartEmbeddedNeedsFreeSpace: on a disk with too little room, etcd is
// not started at all, so it cannot leave its files half-rewritten
// (diskspace.go), and the error says what to do.
func TestStartEmbeddedNeedsFreeSpace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etcd")
	_, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Logger: zap.NewNop(), MinFreeBytes: 1 << 60})
	if err == nil || !strings.Contains(err.Error(), "free space on it, then start again") {
		t.Fatalf("err = %v, want the free-space refusal", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the data directory was created (%v): etcd touched the disk", err)
	}
}

func TestIsDiskFull(t *testing.T) {
	tests := []struct {
		name   string
		fields []zapcore.Field
		want   bool
	}{
		{"ENOSPC", []zapcore.Field{zap.Error(syscall.ENOSPC)}, true},
		{"wrapped", []zapcore.Field{zap.Error(&os.PathError{Op: "write", Path: "db", Err: syscall.ENOSPC})}, true},
		{"as text", []zapcore.Field{zap.Error(errors.New("write db: no space left on device"))}, true},
		{"string field", []zapcore.Field{zap.String("error", "no space left on device")}, true},
		{"other error", []zapcore.Field{zap.Error(syscall.EIO)}, false},
		{"no error", []zapcore.Field{zap.Int("n", 1)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isDiskFull(tt.fields); got != tt.want {
				t.Errorf("isDiskFull = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestQuotaRecovers fills an etcd with a small quota: writes are refused
// with *NoSpaceError and Alarms reports NOSPACE; after a delete,
// compaction and maintenance (defragment, disarm), writes work again.
func TestQuotaRecovers(t *testing.T) {
	const quota = 4 << 20
	e, err := StartEmbedded(EmbeddedConfig{DataDir: t.TempDir(), Logger: zap.NewNop(), QuotaBackendBytes: quota})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s, ctx := e.Store("/registry"), testCtx(t)
	key, big := Key("configmaps", "ns", "big"), make([]byte, 256<<10)

	rev := mustCreate(t, s, key, "small")
	var noSpace *NoSpaceError
	for i := 0; ; i++ {
		next, err := s.Commit(ctx, Txn{Key: key, Value: big, Rev: rev})
		if errors.As(err, &noSpace) {
			break
		}
		if err != nil || i > 100 {
			t.Fatalf("write %d: %v, want *NoSpaceError within 100 writes", i, err)
		}
		rev = next
	}
	if noSpace.Quota != quota || !strings.Contains(noSpace.Error(), "etcd is out of space (quota 4194304 bytes): delete objects") {
		t.Errorf("refusal = %q (quota %d)", noSpace.Error(), noSpace.Quota)
	}
	if alarms, err := s.Alarms(ctx); err != nil || len(alarms) != 1 || !strings.HasPrefix(alarms[0], "NOSPACE on member") {
		t.Errorf("Alarms = %q, %v; want one NOSPACE", alarms, err)
	}

	deleted, err := s.Commit(ctx, Txn{Key: key, Rev: rev}) // deletes are allowed at the quota
	if err != nil {
		t.Fatalf("delete at the quota: %v", err)
	}
	if err := s.Compact(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	s.maintain(ctx, zap.NewNop()) // one pass is enough: the alarm forces a defragmentation
	if alarms, err := s.Alarms(ctx); err != nil || len(alarms) != 0 {
		t.Errorf("after maintenance Alarms = %q, %v; want none", alarms, err)
	}
	if _, err := s.Commit(ctx, Txn{Key: key, Value: big}); err != nil {
		t.Errorf("write after recovery: %v", err)
	}
}
