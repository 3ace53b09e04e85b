package kctl

import (
	"path/filepath"
	"testing"
)

func TestConfigView(t *testing.T) {
	const server = "http://192.0.2.10:6443"
	tests := []struct {
		name string
		args []string
		out  string
	}{
		{"yaml, as kubectl prints a kubeconfig", []string{"config", "view"}, `apiVersion: v1
clusters:
- cluster:
    server: http://192.0.2.10:6443
  name: kubelab
contexts:
- context:
    cluster: kubelab
    user: ""
  name: kubelab
current-context: kubelab
kind: Config
preferences: {}
users: null
`},
		{"the server with jsonpath", []string{"config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"}, server},
		{"json", []string{"config", "view", "-o", "json"}, `{
    "kind": "Config",
    "apiVersion": "v1",
    "preferences": {},
    "clusters": [
        {
            "name": "kubelab",
            "cluster": {
                "server": "http://192.0.2.10:6443"
            }
        }
    ],
    "users": null,
    "contexts": [
        {
            "name": "kubelab",
            "context": {
                "cluster": "kubelab",
                "user": ""
            }
        }
    ],
    "current-context": "kubelab"
}
`},
		{"current-context", []string{"config", "current-context"}, "kubelab\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := kctl(t, server, "", tt.args...)
			if code != 0 || errOut != "" || out != tt.out {
				t.Errorf("exit %d, stderr %q, out\n%s\nwant\n%s", code, errOut, out, tt.out)
			}
		})
	}
}

// TestConfigViewReadsTheConfigFile: without --server, the view shows what
// kctl would use, here the file $KCTL_CONFIG names.
func TestConfigViewReadsTheConfigFile(t *testing.T) {
	file := writeFile(t, t.TempDir(), "config", "server: http://from-the-file:6443\n")
	t.Setenv("KCTL_SERVER", "")
	t.Setenv("KCTL_CONFIG", file)
	out, _, code := kctl(t, "", "", "config", "view", "-o", "jsonpath={.clusters[0].cluster.server}")
	if code != 0 || out != "http://from-the-file:6443" {
		t.Errorf("exit %d, out %q", code, out)
	}
	t.Setenv("KCTL_CONFIG", filepath.Join(t.TempDir(), "missing"))
	_, errOut, code := kctl(t, "", "", "config", "current-context")
	if code != 1 || errOut == "" {
		t.Errorf("a missing config file: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = kctl(t, "", "", "config", "view", "-o", "wide")
	if code != 1 || errOut != "error: output format \"wide\" is not supported by config view: use yaml, json or jsonpath\n" {
		t.Errorf("-o wide: exit %d, stderr %q", code, errOut)
	}
}
