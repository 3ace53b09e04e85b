package apiserver

import (
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// TestOpenEtcdTLSFlags: the etcd TLS flags are refused when they cannot
// work, before anything is started or dialed.
func TestOpenEtcdTLSFlags(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "ca.crt")
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"unreadable CA file", Options{EtcdServers: []string{"https://127.0.0.1:2379"}, EtcdCAFile: missing},
			"read the etcd CA file"},
		{"certificate without key", Options{EtcdServers: []string{"https://127.0.0.1:2379"}, EtcdCertFile: missing},
			"give both files"},
		{"TLS files without --etcd-servers", Options{DataDir: t.TempDir(), EtcdCAFile: missing},
			"need --etcd-servers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := openEtcd(tt.o, zap.NewNop(), nil)
			if err == nil {
				db.Close()
				t.Fatal("openEtcd succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
}
