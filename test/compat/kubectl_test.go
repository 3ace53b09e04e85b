package compat

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The kubectl commands a student types first, with default flags.
func TestKubectlBasics(t *testing.T) {
	t.Run("version", func(t *testing.T) {
		out := mustKubectl(t, "version")
		if !strings.Contains(out, "Client Version: v1.37") || !strings.Contains(out, "Server Version:") {
			t.Errorf("kubectl version:\n%s", out)
		}
	})
	t.Run("api-resources", func(t *testing.T) {
		out := mustKubectl(t, "api-resources")
		for _, want := range []string{"pods", "deployments", "statefulsets", "persistentvolumeclaims", "storageclasses"} {
			if !strings.Contains(out, want) {
				t.Errorf("api-resources lacks %s:\n%s", want, out)
			}
		}
	})
	t.Run("cluster-info", func(t *testing.T) {
		if out := mustKubectl(t, "cluster-info"); !strings.Contains(out, "Kubernetes control plane is running at https://") {
			t.Errorf("cluster-info:\n%s", out)
		}
	})
	t.Run("create namespace, configmap and secret", func(t *testing.T) {
		mustKubectl(t, "create", "namespace", "basics")
		defer mustKubectl(t, "delete", "namespace", "basics", "--wait=false")
		mustKubectl(t, "-n", "basics", "create", "configmap", "settings", "--from-literal=color=blue")
		mustKubectl(t, "-n", "basics", "create", "secret", "generic", "db", "--from-literal=password=s3cr3t")
		if out := mustKubectl(t, "-n", "basics", "get", "configmap", "settings", "-o", "jsonpath={.data.color}"); out != "blue" {
			t.Errorf("configmap color %q", out)
		}
	})
}

// The client-go program, with client-go's default settings.
func TestClientGo(t *testing.T) {
	for _, step := range []string{"typed-crud", "watch", "informers", "dynamic", "leader-election"} {
		t.Run(step, func(t *testing.T) {
			out, err := exec.Command(filepath.Join(binDir, "clientcheck"), adminConf, step).CombinedOutput()
			if err != nil {
				t.Errorf("%v\n%s", err, out)
			}
		})
	}
}
