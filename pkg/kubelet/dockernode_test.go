package kubelet

import (
	"context"
	"testing"

	"go.uber.org/zap"
)

// The settings of a Docker node are checked before anything connects to
// Docker, and --cleanup refuses a node that has nothing to clean. Neither
// case needs a Docker Engine.
func TestDockerNodeOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{name: "pod egress neither deny nor allow",
			opts: Options{RuntimeName: "docker", PodEgress: "maybe"},
			want: `--pod-egress "maybe": want "deny" or "allow"`},
		{name: "cleanup of a fake node",
			opts: Options{RuntimeName: "fake", Cleanup: true},
			want: "--cleanup is for --runtime=docker: a fake node leaves nothing behind"},
		{name: "cleanup checks the pod egress too",
			opts: Options{RuntimeName: "docker", PodEgress: "", Cleanup: true},
			want: `--pod-egress "": want "deny" or "allow"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.NodeName, tt.opts.RootDir, tt.opts.Logger = "n1", t.TempDir(), zap.NewNop()
			err := Run(context.Background(), tt.opts)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Run: %v, want %s", err, tt.want)
			}
		})
	}
}

func TestAPIServerIP(t *testing.T) {
	tests := []struct {
		name, server, want string
	}{
		{name: "an address on the network", server: "http://192.168.56.10:6443", want: "192.168.56.10"},
		{name: "this machine's loopback", server: "http://127.0.0.1:6443", want: ""},
		{name: "a name", server: "https://apiserver.lab:6443", want: ""},
		{name: "IPv6", server: "http://[fd00::1]:6443", want: ""},
		{name: "not a URL", server: "http://%zz", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apiServerIP(tt.server, zap.NewNop()); got != tt.want {
				t.Errorf("apiServerIP(%q) = %q, want %q", tt.server, got, tt.want)
			}
		})
	}
}
