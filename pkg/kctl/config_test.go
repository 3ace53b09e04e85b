package kctl

import (
	"os"
	"path/filepath"
	"testing"
)

func TestResolveServer(t *testing.T) {
	dir := t.TempDir()
	write := func(path, content string) string {
		full := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return full
	}
	explicit := write("explicit.yaml", "server: http://explicit:6443\n")
	write("work/.kubelab/config", "# written by make up\nserver: http://workdir:6443\n")
	write("home/.kube/kubelab", "server: http://home:6443")
	write("homeonly/.kube/kubelab", "server: http://home:6443")
	write("empty/.kubelab/config", "")
	bad := write("bad.yaml", "server: [unclosed")

	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	tests := []struct {
		name    string
		src     configSources
		want    string
		wantErr bool
	}{
		{"flag wins", configSources{flag: "http://flag:1", getenv: env(map[string]string{"KCTL_SERVER": "http://env:1"}),
			workDir: filepath.Join(dir, "work"), home: filepath.Join(dir, "home")}, "http://flag:1", false},
		{"then the environment", configSources{getenv: env(map[string]string{"KCTL_SERVER": "http://env:1"}),
			workDir: filepath.Join(dir, "work")}, "http://env:1", false},
		{"then KCTL_CONFIG", configSources{getenv: env(map[string]string{"KCTL_CONFIG": explicit}),
			workDir: filepath.Join(dir, "work")}, "http://explicit:6443", false},
		{"a missing KCTL_CONFIG is an error", configSources{getenv: env(map[string]string{"KCTL_CONFIG": filepath.Join(dir, "nope")}),
			workDir: filepath.Join(dir, "work")}, "", true},
		{"a broken config is an error", configSources{getenv: env(map[string]string{"KCTL_CONFIG": bad})}, "", true},
		{"then .kubelab/config here", configSources{getenv: env(nil), workDir: filepath.Join(dir, "work"),
			home: filepath.Join(dir, "home")}, "http://workdir:6443", false},
		{"then ~/.kube/kubelab", configSources{getenv: env(nil), workDir: filepath.Join(dir, "none"),
			home: filepath.Join(dir, "homeonly")}, "http://home:6443", false},
		{"a config without a server means the default", configSources{getenv: env(nil), workDir: filepath.Join(dir, "empty")},
			DefaultServer, false},
		{"then the default", configSources{getenv: env(nil), workDir: filepath.Join(dir, "none"), home: filepath.Join(dir, "none")},
			DefaultServer, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveServer(tt.src)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
