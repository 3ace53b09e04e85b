package kctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testKubeconfig has what make up writes (certificate data) and a second
// context with a token and a namespace. "Q0EK" is base64 of "CA\n".
const testKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: kubelab
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: Q0EK
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0VSVAo=
    client-key-data: S0VZCg==
- name: dev
  user:
    token: s3cret
contexts:
- name: kubernetes-admin@kubelab
  context:
    cluster: kubelab
    user: kubernetes-admin
- name: dev@kubelab
  context:
    cluster: kubelab
    user: dev
    namespace: lab
current-context: kubernetes-admin@kubelab
`

func TestConfigView(t *testing.T) {
	path := writeFile(t, t.TempDir(), "admin.conf", testKubeconfig)
	tests := []struct {
		name string
		args []string
		out  string
	}{
		{"yaml, secrets hidden as kubectl hides them", []string{"config", "view"}, `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: DATA+OMITTED
    server: https://127.0.0.1:6443
  name: kubelab
contexts:
- context:
    cluster: kubelab
    user: kubernetes-admin
  name: kubernetes-admin@kubelab
- context:
    cluster: kubelab
    namespace: lab
    user: dev
  name: dev@kubelab
current-context: kubernetes-admin@kubelab
kind: Config
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: DATA+OMITTED
    client-key-data: DATA+OMITTED
- name: dev
  user:
    token: REDACTED
`},
		{"--raw --minify: the context in use, whole", []string{"config", "view", "--raw", "--minify"}, `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EK
    server: https://127.0.0.1:6443
  name: kubelab
contexts:
- context:
    cluster: kubelab
    user: kubernetes-admin
  name: kubernetes-admin@kubelab
current-context: kubernetes-admin@kubelab
kind: Config
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0VSVAo=
    client-key-data: S0VZCg==
`},
		{"--minify follows --context", []string{"config", "view", "--minify", "--context", "dev@kubelab", "-o", "json"}, `{
    "kind": "Config",
    "apiVersion": "v1",
    "preferences": {},
    "clusters": [
        {
            "name": "kubelab",
            "cluster": {
                "server": "https://127.0.0.1:6443",
                "certificate-authority-data": "DATA+OMITTED"
            }
        }
    ],
    "users": [
        {
            "name": "dev",
            "user": {
                "token": "REDACTED"
            }
        }
    ],
    "contexts": [
        {
            "name": "dev@kubelab",
            "context": {
                "cluster": "kubelab",
                "user": "dev",
                "namespace": "lab"
            }
        }
    ],
    "current-context": "dev@kubelab"
}
`},
		{"the server with jsonpath", []string{"config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"},
			"https://127.0.0.1:6443"},
		{"current-context", []string{"config", "current-context"}, "kubernetes-admin@kubelab\n"},
		{"get-contexts", []string{"config", "get-contexts"},
			"CURRENT   NAME                       CLUSTER   AUTHINFO           NAMESPACE\n" +
				"          dev@kubelab                kubelab   dev                lab\n" +
				"*         kubernetes-admin@kubelab   kubelab   kubernetes-admin   \n"},
		{"get-contexts NAME", []string{"config", "get-contexts", "dev@kubelab", "--no-headers"},
			"      dev@kubelab   kubelab   dev   lab\n"},
		{"get-contexts -o name", []string{"config", "get-contexts", "-o", "name"}, "dev@kubelab\nkubernetes-admin@kubelab\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := kctlEnv(t, path, "", tt.args...)
			if code != 0 || errOut != "" || out != tt.out {
				t.Errorf("exit %d, stderr %q, out\n%s\nwant\n%s", code, errOut, out, tt.out)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "admin.conf", testKubeconfig)
	noCurrent := writeFile(t, dir, "no-current.conf", strings.Replace(testKubeconfig, "current-context: kubernetes-admin@kubelab", "", 1))
	tests := []struct {
		name   string
		env    string
		args   []string
		errOut string
	}{
		{"no kubeconfig", "", []string{"config", "view"},
			"error: no kubeconfig: make up writes .kubelab/admin.conf; or give --kubeconfig\n"},
		{"-o wide", path, []string{"config", "view", "-o", "wide"},
			"error: output format \"wide\" is not supported by config view: use yaml, json or jsonpath\n"},
		{"no current context", noCurrent, []string{"config", "current-context"}, "error: current-context is not set\n"},
		{"no current context to minify", noCurrent, []string{"config", "view", "--minify"},
			"error: the kubeconfig has no current-context; name one with --context\n"},
		{"an unknown context", path, []string{"config", "get-contexts", "nope"}, "error: context nope not found\n"},
		{"use an unknown context", path, []string{"config", "use-context", "nope"}, "error: no context exists with the name: \"nope\"\n"},
		{"set-context of no context", path, []string{"config", "set-context", "--namespace=x"},
			"error: give a context's name, or --current for the one in use\n"},
		{"set-context of two", path, []string{"config", "set-context", "dev@kubelab", "--current"},
			"error: give a context's name or --current, not both\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := kctlEnv(t, tt.env, "", tt.args...)
			if code != 1 || out != "" || errOut != tt.errOut {
				t.Errorf("exit %d, out %q, stderr %q; want %q", code, out, errOut, tt.errOut)
			}
		})
	}
}

// TestConfigEdits: use-context and set-context write the file back, owner
// only, keeping what kctl does not model (here a user's exec plugin).
func TestConfigEdits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	withExec := strings.Replace(testKubeconfig, "- name: dev\n  user:", "- name: cloud\n  user:\n    exec:\n      command: cloud-login\n- name: dev\n  user:", 1)
	if err := os.WriteFile(path, []byte(withExec), 0o644); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		args []string
		out  string
		// what kctl config get-contexts prints afterwards
		contexts string
	}{
		{[]string{"config", "use-context", "dev@kubelab"}, "Switched to context \"dev@kubelab\".\n",
			"*     dev@kubelab                kubelab   dev                lab\n" +
				"      kubernetes-admin@kubelab   kubelab   kubernetes-admin   \n"},
		{[]string{"config", "set-context", "--current", "--namespace=prod"}, "Context \"dev@kubelab\" modified.\n",
			"*     dev@kubelab                kubelab   dev                prod\n" +
				"      kubernetes-admin@kubelab   kubelab   kubernetes-admin   \n"},
		{[]string{"config", "set-context", "kubernetes-admin@kubelab", "--namespace", "kube-system"},
			"Context \"kubernetes-admin@kubelab\" modified.\n",
			"*     dev@kubelab                kubelab   dev                prod\n" +
				"      kubernetes-admin@kubelab   kubelab   kubernetes-admin   kube-system\n"},
		{[]string{"config", "set-context", "--current", "--namespace="}, "Context \"dev@kubelab\" modified.\n",
			"*     dev@kubelab                kubelab   dev                \n" +
				"      kubernetes-admin@kubelab   kubelab   kubernetes-admin   kube-system\n"},
		{[]string{"config", "set-context", "cloud", "--cluster=kubelab", "--user=cloud"}, "Context \"cloud\" created.\n",
			"      cloud                      kubelab   cloud              \n" +
				"*     dev@kubelab                kubelab   dev                \n" +
				"      kubernetes-admin@kubelab   kubelab   kubernetes-admin   kube-system\n"},
	}
	for _, s := range steps {
		out, errOut, code := kctlEnv(t, path, "", s.args...)
		if code != 0 || errOut != "" || out != s.out {
			t.Fatalf("%q: exit %d, stderr %q, out %q; want %q", s.args, code, errOut, out, s.out)
		}
		out, _, _ = kctlEnv(t, path, "", "config", "get-contexts", "--no-headers")
		if out != s.contexts {
			t.Errorf("after %q, the contexts are\n%s\nwant\n%s", s.args, out, s.contexts)
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("the kubeconfig's mode is %v, want 0600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "command: cloud-login") {
		t.Errorf("the exec plugin is lost:\n%s", data)
	}
}
