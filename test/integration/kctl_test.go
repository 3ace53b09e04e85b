package integration

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// kctl runs the kctl binary against addr as the admin and returns its
// combined output.
func kctl(t *testing.T, addr string, args ...string) (string, error) {
	t.Helper()
	return kctlAs(t, componentKubeconfig(t, "kctl"), addr, args...)
}

// kctlAs runs kctl as the user of a kubeconfig.
func kctlAs(t *testing.T, kubeconfigPath, addr string, args ...string) (string, error) {
	t.Helper()
	cmd := kctlCommand(t, kubeconfigPath, addr, args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// kctlCommand is kctl, not started yet, run in the repository (for the
// examples) with flags that name its kubeconfig and the apiserver: a
// .kubelab/admin.conf there is never read.
func kctlCommand(t *testing.T, kubeconfigPath, addr string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary(t, "kctl"), append(connectFlags(kubeconfigPath, addr), args...)...)
	cmd.Dir = repoRoot()
	return cmd
}

func mustKctl(t *testing.T, addr string, args ...string) string {
	t.Helper()
	out, err := kctl(t, addr, args...)
	if err != nil {
		t.Fatalf("kctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// The README's walkthrough, with the real binaries: apply a multi-document
// manifest, see it with get and describe, watch a change, delete it all.
func TestKctlWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the apiserver and kctl")
	}
	addr := freeAddr(t)
	start(t, "apiserver", append([]string{"--listen", addr, "--data-dir", t.TempDir(), "--log-level", "warn"},
		apiserverTLSFlags(t)...)...)
	waitHealthy(t, "https://"+addr)

	out := mustKctl(t, addr, "apply", "-f", "examples/all-in-one.yaml")
	for _, want := range []string{"namespace/kubia-demo created", "replicaset.apps/kubia created", "service/kubia created"} {
		if !strings.Contains(out, want) {
			t.Fatalf("apply output lacks %q:\n%s", want, out)
		}
	}
	if out := mustKctl(t, addr, "apply", "-f", "examples/all-in-one.yaml"); !strings.Contains(out, "replicaset.apps/kubia unchanged") {
		t.Fatalf("second apply:\n%s", out)
	}

	out = mustKctl(t, addr, "get", "rs,svc", "-n", "kubia-demo")
	for _, want := range []string{"DESIRED", "kubia", "NodePort", "80:30080/TCP"} {
		if !strings.Contains(out, want) {
			t.Fatalf("get lacks %q:\n%s", want, out)
		}
	}
	out = mustKctl(t, addr, "describe", "svc", "kubia", "-n", "kubia-demo")
	for _, want := range []string{"Name:", "kubia", "Type:", "NodePort", "Events:"} {
		if !strings.Contains(out, want) {
			t.Fatalf("describe lacks %q:\n%s", want, out)
		}
	}
	out = mustKctl(t, addr, "get", "svc", "kubia", "-n", "kubia-demo", "-o", "jsonpath={.spec.ports[0].nodePort}")
	if strings.TrimSpace(out) != "30080" {
		t.Fatalf("jsonpath nodePort = %q", out)
	}

	// get -w sees a scale made by another client.
	watch := kctlCommand(t, componentKubeconfig(t, "kctl"), addr, "get", "rs", "-n", "kubia-demo", "-w")
	stdout, _ := watch.StdoutPipe()
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { watch.Process.Kill(); watch.Wait() }()
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine(t, lines, "kubia   2")
	patch := kctlCommand(t, componentKubeconfig(t, "kctl"), addr, "apply", "-f", "-")
	patch.Stdin = bytes.NewBufferString(strings.ReplaceAll(rsManifest, "REPLICAS", "5"))
	if out, err := patch.CombinedOutput(); err != nil || !strings.Contains(string(out), "configured") {
		t.Fatalf("apply of a scaled rs: %v\n%s", err, out)
	}
	waitLine(t, lines, "kubia   5")

	out = mustKctl(t, addr, "delete", "-f", "examples/all-in-one.yaml")
	if !strings.Contains(out, `replicaset.apps "kubia" deleted`) {
		t.Fatalf("delete output:\n%s", out)
	}
	if out, err := kctl(t, addr, "get", "rs", "kubia", "-n", "kubia-demo"); err == nil ||
		!strings.Contains(out, "NotFound") {
		t.Fatalf("rs after delete: %v\n%s", err, out)
	}
}

const rsManifest = `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: kubia
  namespace: kubia-demo
spec:
  replicas: REPLICAS
  selector:
    matchLabels:
      app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: kubelab/kubia:latest
        imagePullPolicy: Never
`

// waitLine waits for a line that starts with prefix, once spaces are
// squeezed to three as a tabwriter pads them.
func waitLine(t *testing.T, lines <-chan string, prefix string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("watch ended before a line %q", prefix)
			}
			if strings.HasPrefix(strings.Join(strings.Fields(l), "   "), prefix) {
				return
			}
		case <-deadline:
			t.Fatalf("no line %q within 10s", prefix)
		}
	}
}
