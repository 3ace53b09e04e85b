package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/apiserver"
	"kubelab/pkg/auth"
	"kubelab/pkg/store"
)

// send makes one request to the fault server as the admin and returns
// the code and body.
func (fs *faultServer) send(t *testing.T, method, path string, body any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "https://"+fs.addr+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := adminHTTP(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestFaultEtcdQuota: a big ConfigMap edited again and again fills etcd's
// quota. Writes are then refused with a message that says what to do, and
// /readyz says why; deleting the ConfigMap is still allowed, and once
// compaction and defragmentation have given the space back, writes work
// again, without a restart. (Before, etcd kept 10,000 revisions, nothing
// defragmented, nothing disarmed the alarm: the cluster never came back,
// and could not even restart.)
func TestFaultEtcdQuota(t *testing.T) {
	const quota = 16 << 20
	fs := startFaultServer(t, apiserver.Limits{}, store.EmbeddedConfig{QuotaBackendBytes: quota})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const interval = 500 * time.Millisecond
	const path = "/api/v1/namespaces/default/configmaps"

	cm := bigConfigMap("big", 900<<10)
	if code, body := fs.send(t, "POST", path, cm); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	const want = "etcd is out of space (quota 16777216 bytes): delete objects; it recovers by itself after compaction"
	edits := 0
	for ; ; edits++ {
		cm.Data["blob"] = strings.Repeat(fmt.Sprint(edits%10), 900<<10)
		code, body := fs.send(t, "PUT", path+"/big", cm)
		if code == http.StatusInternalServerError && strings.Contains(body, want) {
			break
		}
		if code != http.StatusOK || edits > 300 {
			t.Fatalf("edit %d: %d %.300s; want 200 until a 500 saying %q", edits, code, body, want)
		}
	}
	code, body := fs.send(t, "GET", "/readyz", nil)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "NOSPACE") {
		t.Errorf("/readyz at the quota: %d %s, want 503 naming NOSPACE", code, body)
	}
	if code, body := fs.send(t, "POST", path, configMap("small")); code != http.StatusInternalServerError || !strings.Contains(body, want) {
		t.Errorf("another write at the quota: %d %.300s", code, body)
	}

	// An apiserver (re)starting now comes up: the namespaces it needs
	// exist, and it reads before it would write them.
	again, err := apiserver.New(apiserver.Config{Store: fs.store, TLS: servingTLS(t), Authenticator: auth.X509Authenticator{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Bootstrap(ctx); err != nil {
		t.Errorf("an apiserver starting on the full etcd: %v", err)
	}

	if code, body := fs.send(t, "DELETE", path+"/big", nil); code != http.StatusOK {
		t.Fatalf("delete at the quota: %d %.300s", code, body)
	}
	// The compactor (as RunOptions runs it every 5 minutes) starts only
	// now: running during the edits, it could free their old revisions
	// and disarm the alarm before the checks above.
	compactorDone := make(chan struct{})
	defer func() { cancel(); <-compactorDone }() // before etcd closes
	go func() { fs.store.RunCompactor(ctx, interval, zap.NewNop()); close(compactorDone) }()
	deleted := time.Now()
	var created api.ConfigMap
	for {
		code, body := fs.send(t, "POST", path, configMap("after"))
		if code == http.StatusCreated {
			json.Unmarshal([]byte(body), &created)
			break
		}
		if time.Since(deleted) > 10*time.Second {
			t.Fatalf("writes still refused 10s after the delete (compaction every %s): %d %.300s", interval, code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	recovered := time.Since(deleted)
	if code, body := fs.send(t, "GET", "/readyz", nil); code != http.StatusOK {
		t.Errorf("/readyz after recovery: %d %s", code, body)
	}
	t.Logf("quota %d MB reached after %d edits of a 900 KB ConfigMap; writes accepted again %s after its delete (compaction every %s)",
		quota>>20, edits, recovered.Round(100*time.Millisecond), interval)
}
