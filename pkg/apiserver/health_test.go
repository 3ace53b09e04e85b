package apiserver

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// TestFullEtcd: when etcd's database reaches its quota, /readyz says so
// (503 with the alarm) while /healthz stays ok, writes get a message that
// says what to do, and an apiserver still starts: Bootstrap reads the
// namespaces before it would create them.
func TestFullEtcd(t *testing.T) {
	const quota = 4 << 20
	etcd, err := store.StartEmbedded(store.EmbeddedConfig{DataDir: t.TempDir(), Logger: zap.NewNop(), QuotaBackendBytes: quota})
	if err != nil {
		t.Fatal(err)
	}
	defer etcd.Close()
	st := etcd.Store("/registry")
	srv, err := New(withAuth(Config{Store: st, Logger: zap.NewNop()}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	ts := serveTLS(t, srv, st, "/registry")
	ts.must(http.StatusOK, "GET", "/readyz", nil)

	// Fill it, beside the API, with one key rewritten until etcd refuses.
	var rev int64
	for i := 0; ; i++ {
		next, err := st.Commit(ctx, store.Txn{Key: "filler", Value: make([]byte, 256<<10), Rev: rev})
		var noSpace *store.NoSpaceError
		if errors.As(err, &noSpace) {
			break
		}
		if err != nil || i > 100 {
			t.Fatalf("filling etcd: write %d: %v", i, err)
		}
		rev = next
	}

	ready := ts.do("GET", "/readyz", nil)
	if ready.code != http.StatusServiceUnavailable || !strings.Contains(string(ready.body), "NOSPACE") ||
		!strings.Contains(string(ready.body), "etcd is out of space") {
		t.Errorf("/readyz: %d %s, want 503 naming the NOSPACE alarm", ready.code, ready.body)
	}
	ts.must(http.StatusOK, "GET", "/healthz", nil)
	r := ts.do("POST", "/api/v1/namespaces/default/configmaps", &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "cm"}})
	want := "etcd is out of space (quota 4194304 bytes): delete objects; it recovers by itself after compaction"
	if r.code != http.StatusInternalServerError || !strings.Contains(r.status().Message, want) {
		t.Errorf("write at the quota: %d %s, want 500 saying %q", r.code, r.body, want)
	}
	if err := srv.Bootstrap(ctx); err != nil {
		t.Errorf("Bootstrap on a full etcd whose namespaces exist: %v", err)
	}
}
