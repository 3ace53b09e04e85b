package encryption

import (
	"bytes"
	"strings"
	"testing"
)

// Keys for the tests: base64 of 32, 32 and 16 bytes.
const (
	key1  = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=" // "0123…" x 32
	key2  = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXphYmNkZWY=" // "abc…" x 32
	key16 = "MDEyMzQ1Njc4OTAxMjM0NQ=="
)

// config builds an EncryptionConfiguration for secrets from provider lines.
func config(t *testing.T, providers ...string) *Config {
	t.Helper()
	c, err := Parse([]byte(configText(providers...)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func configText(providers ...string) string {
	return "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n" +
		strings.Join(providers, "\n") + "\n"
}

func aesgcm(keys ...string) string {
	s := "  - aesgcm:\n      keys:"
	for i := 0; i+1 < len(keys); i += 2 {
		s += "\n      - {name: " + keys[i] + ", secret: \"" + keys[i+1] + "\"}"
	}
	return s
}

const identity = "  - identity: {}"

const storeKey = "secrets/default/db"

func TestRoundTrip(t *testing.T) {
	plain := []byte(`{"data":{"password":"aHVudGVyMg=="}}`)
	tests := []struct {
		name       string
		write      *Config
		read       *Config
		wantPrefix string
		wantStale  bool
		wantErr    string
	}{
		{name: "aesgcm", write: config(t, aesgcm("key1", key1), identity), read: config(t, aesgcm("key1", key1), identity),
			wantPrefix: "k8s:enc:aesgcm:v1:key1:"},
		{name: "a 16-byte key", write: config(t, aesgcm("k", key16)), read: config(t, aesgcm("k", key16)),
			wantPrefix: "k8s:enc:aesgcm:v1:k:"},
		{name: "identity writes plaintext", write: config(t, identity, aesgcm("key1", key1)), read: config(t, identity),
			wantPrefix: "{"},
		{name: "no config reads plaintext", write: nil, read: config(t, aesgcm("key1", key1), identity),
			wantPrefix: "{", wantStale: true},
		{name: "rotation: key2 first still reads key1", write: config(t, aesgcm("key1", key1), identity),
			read: config(t, aesgcm("key2", key2, "key1", key1), identity), wantPrefix: "k8s:enc:aesgcm:v1:key1:", wantStale: true},
		{name: "decryption away: identity first reads key1", write: config(t, aesgcm("key1", key1)),
			read: config(t, identity, aesgcm("key1", key1)), wantPrefix: "k8s:enc:aesgcm:v1:key1:", wantStale: true},
		{name: "unknown key name", write: config(t, aesgcm("key1", key1)), read: config(t, aesgcm("key2", key2), identity),
			wantPrefix: "k8s:enc:", wantErr: `encrypted with aesgcm key "key1", which the encryption config does not list`},
		{name: "no config cannot read ciphertext", write: config(t, aesgcm("key1", key1)), read: nil,
			wantPrefix: "k8s:enc:", wantErr: `aesgcm key "key1"`},
		{name: "same name, other secret", write: config(t, aesgcm("key1", key1)), read: config(t, aesgcm("key1", key2)),
			wantPrefix: "k8s:enc:", wantErr: `decrypt secrets/default/db with aesgcm key "key1": cipher: message authentication failed`},
		{name: "plaintext without identity", write: nil, read: config(t, aesgcm("key1", key1)),
			wantPrefix: "{", wantErr: "lists no identity provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored, err := tt.write.For("secrets").ToStorage(plain, storeKey)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(stored, []byte(tt.wantPrefix)) {
				t.Fatalf("stored %q, want the prefix %q", stored, tt.wantPrefix)
			}
			if tt.wantPrefix != "{" && bytes.Contains(stored, []byte("aHVudGVyMg")) {
				t.Fatalf("stored %q holds the plaintext", stored)
			}
			got, stale, err := tt.read.For("secrets").FromStorage(stored, storeKey)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, plain) || stale != tt.wantStale {
				t.Fatalf("read %q stale=%v, want %q stale=%v", got, stale, plain, tt.wantStale)
			}
		})
	}
}

// The etcd key is authenticated: a ciphertext moved to another object's
// key is refused, so a writer of etcd cannot swap two Secrets' values.
func TestCiphertextIsBoundToItsKey(t *testing.T) {
	tr := config(t, aesgcm("key1", key1)).For("secrets")
	stored, err := tr.ToStorage([]byte("x"), "secrets/a/one")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tr.FromStorage(stored, "secrets/a/two"); err == nil {
		t.Fatal("a value moved to another key decrypted")
	}
}

func TestFor(t *testing.T) {
	c, err := Parse([]byte(`apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets, deployments.apps]
  providers: [{aesgcm: {keys: [{name: a, secret: "` + key1 + `"}]}}]
- resources: ["*.batch"]
  providers: [{aesgcm: {keys: [{name: b, secret: "` + key1 + `"}]}}]
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ resource, want string }{
		{"secrets", "k8s:enc:aesgcm:v1:a:"},
		{"deployments.apps", "k8s:enc:aesgcm:v1:a:"},
		{"jobs.batch", "k8s:enc:aesgcm:v1:b:"},
		{"configmaps", "{"},
		{"replicasets.apps", "{"},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			out, err := c.For(tt.resource).ToStorage([]byte("{}"), "k")
			if err != nil || !bytes.HasPrefix(out, []byte(tt.want)) {
				t.Fatalf("stored %q, %v; want the prefix %q", out, err, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"bad base64", configText(aesgcm("key1", "not base64!")), "resources[0].providers[0].aesgcm.keys[0].secret: not base64"},
		{"short key", configText(aesgcm("key1", "c2hvcnQ=")), "resources[0].providers[0].aesgcm.keys[0].secret: the key is 5 bytes; AES needs 16, 24 or 32"},
		{"unknown provider", configText(identity, "  - rot13: {}"), `resources[0].providers[1]: unknown provider "rot13"`},
		{"aescbc", configText("  - aescbc: {keys: []}"), "resources[0].providers[0]: provider aescbc is not supported by kubelab"},
		{"no name", configText(aesgcm("", key1)), "resources[0].providers[0].aesgcm.keys[0].name: required"},
		{"colon in name", configText(aesgcm("a:b", key1)), `keys[0].name: "a:b" may not contain ':'`},
		{"duplicate key", configText(aesgcm("k", key1, "k", key2)), `keys[1].name: "k" is listed twice`},
		{"no keys", configText("  - aesgcm: {keys: []}"), "resources[0].providers[0].aesgcm.keys: must list at least one key"},
		{"two providers in one entry", configText("  - {identity: {}, aesgcm: {keys: []}}"), "must hold exactly one provider"},
		{"no providers", configText(), "resources[0].providers: must list at least one provider"},
		{"wrong kind", "apiVersion: v1\nkind: ConfigMap\n", "want apiserver.config.k8s.io/v1, EncryptionConfiguration"},
		{"unknown field", configText(identity) + "extra: 1\n", `unknown field "extra"`},
		{"named twice", "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- {resources: [secrets], providers: [identity: {}]}\n- {resources: [secrets], providers: [identity: {}]}\n",
			"resources[1].resources[0]: secrets is named twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
