package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
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
	rev, err := New(e.Client(), "/registry").Create(testCtx(t), key, []byte("v1"))
	e.Close()
	if err != nil {
		t.Fatalf("Create: %v", err)
	}

	e, err = StartEmbedded(EmbeddedConfig{DataDir: dir, Logger: zap.NewNop()})
	if err != nil {
		t.Fatalf("StartEmbedded again: %v", err)
	}
	defer e.Close()
	got, err := New(e.Client(), "/registry").Get(testCtx(t), key)
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
	cli, err := Connect(testEtcd.Endpoints(), time.Second)
	if err != nil {
		t.Fatalf("Connect to the test etcd: %v", err)
	}
	if _, err := New(cli, "/registry").Revision(context.Background()); err != nil {
		t.Errorf("Revision: %v", err)
	}
	cli.Close()

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
