package manager

import (
	"path/filepath"
	"slices"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"kubelab/pkg/client"
	"kubelab/pkg/controller"
	"kubelab/pkg/pki"
)

// The signer runs only with the cluster CA; without it the approver and
// the token cleaner still do, and a warning says why nothing is signed.
func TestCertificateControllers(t *testing.T) {
	dir := t.TempDir()
	ca, err := pki.NewCA("kubelab-test-ca")
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	if err := ca.WriteFiles(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(client.Config{Server: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		cert, key    string
		wantQueues   []string
		wantWarnings int
	}{
		{"with the CA", certFile, keyFile, []string{"csrapproving", "tokencleaner", "csrsigning"}, 0},
		{"without it", filepath.Join(dir, "none.crt"), filepath.Join(dir, "none.key"), []string{"csrapproving", "tokencleaner"}, 1},
		{"not configured", "", "", []string{"csrapproving", "tokencleaner"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.WarnLevel)
			inf := map[string]*client.Informer{"nodes": client.NewInformer(c.Resource(controller.Resource("nodes")), client.ListOptions{}, nil)}
			addCertificateInformers(c, inf, zap.NewNop())
			o := Options{ClusterSigningCertFile: tt.cert, ClusterSigningKeyFile: tt.key}
			var queues []string
			for _, r := range certificateControllers(o, c, inf, controller.NewWriter(c), zap.New(core)) {
				queues = append(queues, r.Queue().Name())
			}
			if !slices.Equal(queues, tt.wantQueues) {
				t.Errorf("controllers %q, want %q", queues, tt.wantQueues)
			}
			if n := logs.Len(); n != tt.wantWarnings {
				t.Errorf("%d warnings, want %d: %v", n, tt.wantWarnings, logs.All())
			}
		})
	}
}
