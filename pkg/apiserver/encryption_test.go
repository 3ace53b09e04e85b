package apiserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/encryption"
)

// encryptSecrets is the configuration make up writes, with the given
// aesgcm keys (name, base64 secret, …) in order, then identity.
func encryptSecrets(t *testing.T, keys ...string) func(*Config) {
	t.Helper()
	var list []string
	for i := 0; i+1 < len(keys); i += 2 {
		list = append(list, fmt.Sprintf("{name: %s, secret: %q}", keys[i], keys[i+1]))
	}
	c, err := encryption.Parse([]byte(`apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aesgcm: {keys: [` + strings.Join(list, ", ") + `]}
  - identity: {}
`))
	if err != nil {
		t.Fatal(err)
	}
	return func(cfg *Config) { cfg.Encryption = c }
}

const (
	testKey1 = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
	testKey2 = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXphYmNkZWY="
)

// rawEtcd reads a key's value straight from etcd, past the apiserver, as
// someone with a copy of etcd's files would.
func (ts *testServer) rawEtcd(key string) []byte {
	ts.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := testEtcd.Client().Get(ctx, ts.prefix+"/"+key)
	if err != nil || len(resp.Kvs) != 1 {
		ts.t.Fatalf("etcd get %s: %v, %d values", key, err, len(resp.Kvs))
	}
	return resp.Kvs[0].Value
}

// The password, as sent, as base64 in the stored JSON, and the base64 of
// that: none of them may be in etcd.
const secretPassword = "correct-horse-battery-staple"

func TestSecretsAreEncryptedInEtcd(t *testing.T) {
	ts := newTestServer(t, encryptSecrets(t, "key1", testKey1))
	next := ts.watchSecrets("/api/v1/namespaces/default/secrets?watch=true")

	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/secrets",
		`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"stringData":{"password":"`+secretPassword+`"}}`)
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/configmaps",
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"color":"`+secretPassword+`"}}`)

	raw := ts.rawEtcd("secrets/default/db")
	if !bytes.HasPrefix(raw, []byte("k8s:enc:aesgcm:v1:key1:")) {
		t.Fatalf("etcd holds %q, want the prefix k8s:enc:aesgcm:v1:key1:", raw[:min(len(raw), 40)])
	}
	b64 := base64Of(secretPassword)
	for _, plain := range []string{secretPassword, b64, base64Of(b64), `"kind":"Secret"`} {
		if bytes.Contains(raw, []byte(plain)) {
			t.Fatalf("etcd holds %q in plaintext", plain)
		}
	}
	if cm := ts.rawEtcd("configmaps/default/settings"); !bytes.HasPrefix(cm, []byte("{")) || !bytes.Contains(cm, []byte(secretPassword)) {
		t.Fatalf("a ConfigMap, which the config does not name, is stored as %q, want plaintext JSON", cm)
	}

	var got api.Secret
	ts.must(http.StatusOK, "GET", "/api/v1/namespaces/default/secrets/db", nil).into(t, &got)
	if string(got.Data["password"]) != secretPassword {
		t.Fatalf("GET: data = %q", got.Data)
	}
	var list struct{ Items []api.Secret }
	ts.must(http.StatusOK, "GET", "/api/v1/secrets", nil).into(t, &list)
	if len(list.Items) != 1 || string(list.Items[0].Data["password"]) != secretPassword {
		t.Fatalf("list: %+v", list.Items)
	}
	if typ, sec := next(); typ != api.Added || string(sec.Data["password"]) != secretPassword {
		t.Fatalf("watch: %s %q", typ, sec.Data)
	}
}

// Rotation as docs/lab.md tells it: a new key first, a restart, then an
// update of each Secret; an apiserver without the old key then reads it.
func TestSecretKeyRotation(t *testing.T) {
	ts := newTestServer(t, encryptSecrets(t, "key1", testKey1))
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/secrets",
		`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"stringData":{"password":"`+secretPassword+`"}}`)

	// Restarted with key2 first: it reads what key1 wrote, writes with key2.
	rotated := startTestServer(t, ts.prefix, encryptSecrets(t, "key2", testKey2, "key1", testKey1))
	rotated.must(http.StatusOK, "GET", "/api/v1/namespaces/default/secrets/db", nil)
	rotated.must(http.StatusOK, "PATCH", "/api/v1/namespaces/default/secrets/db",
		`{"metadata":{"annotations":{"rotated":"now"}}}`, "application/merge-patch+json")
	if raw := rotated.rawEtcd("secrets/default/db"); !bytes.HasPrefix(raw, []byte("k8s:enc:aesgcm:v1:key2:")) {
		t.Fatalf("after the update etcd holds %q, want key2's prefix", raw[:min(len(raw), 40)])
	}

	// key1 is gone: the Secret still reads.
	final := startTestServer(t, ts.prefix, encryptSecrets(t, "key2", testKey2))
	var got api.Secret
	final.must(http.StatusOK, "GET", "/api/v1/namespaces/default/secrets/db", nil).into(t, &got)
	if string(got.Data["password"]) != secretPassword {
		t.Fatalf("data = %q", got.Data)
	}

	// Without the key, reading fails and says which key it needs.
	r := startTestServer(t, ts.prefix).must(http.StatusInternalServerError, "GET", "/api/v1/namespaces/default/secrets/db", nil)
	if msg := r.status().Message; !strings.Contains(msg, `aesgcm key "key2"`) {
		t.Fatalf("status message %q does not name the missing key", msg)
	}
}

func base64Of(s string) string {
	b, _ := json.Marshal([]byte(s)) // JSON encodes []byte as quoted base64
	return strings.Trim(string(b), `"`)
}

// watchSecrets opens a watch of Secrets and returns a function that reads
// the next event.
func (ts *testServer) watchSecrets(path string) func() (string, api.Secret) {
	ts.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ts.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.http.URL+path, nil)
	resp, err := ts.client.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		ts.t.Fatalf("watch %s: %v %v", path, err, resp)
	}
	ts.t.Cleanup(func() { resp.Body.Close() })
	sc := bufio.NewScanner(resp.Body)
	return func() (string, api.Secret) {
		ts.t.Helper()
		if !sc.Scan() {
			ts.t.Fatalf("watch stream ended: %v", sc.Err())
		}
		var ev struct {
			Type   string     `json:"type"`
			Object api.Secret `json:"object"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			ts.t.Fatal(err)
		}
		return ev.Type, ev.Object
	}
}
