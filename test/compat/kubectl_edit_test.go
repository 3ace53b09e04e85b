package compat

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// kubectl edit through a scripted editor, and kubectl get -w seeing the
// change as a new row of the server's table.
func TestKubectlEditAndWatch(t *testing.T) {
	mustKubectl(t, "create", "namespace", "edit")
	defer kubectl(t, "", "delete", "namespace", "edit", "--wait=false")
	mustKubectl(t, "-n", "edit", "create", "configmap", "settings", "--from-literal=color=blue")

	var mu sync.Mutex
	var watched string
	done := make(chan struct{})
	go func() {
		defer close(done)
		out, _, _ := kubectl(t, "", "-n", "edit", "get", "configmap", "settings", "-w", "--request-timeout=6s")
		mu.Lock()
		watched = out
		mu.Unlock()
	}()
	time.Sleep(time.Second) // the watch is open

	editor := []string{"KUBE_EDITOR=sed -i -e 's/color: blue/color: green/' -e 's/^data:/data:\\n  size: large/'"}
	out, errOut, err := kubectlEnv(t, editor, "", "-n", "edit", "edit", "configmap", "settings")
	if err != nil || !strings.Contains(out, "configmap/settings edited") {
		t.Fatalf("kubectl edit: %v\n%s%s", err, out, errOut)
	}
	if got := mustKubectl(t, "-n", "edit", "get", "configmap", "settings", "-o", "jsonpath={.data.color} {.data.size}"); got != "green large" {
		t.Errorf("after edit: %q", got)
	}
	<-done
	mu.Lock()
	defer mu.Unlock()
	lines := strings.Split(strings.TrimSpace(watched), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "NAME       DATA   AGE") || !strings.HasPrefix(lines[1], "settings   1") ||
		!strings.HasPrefix(lines[len(lines)-1], "settings   2") {
		t.Errorf("kubectl get -w:\n%s", watched)
	}
}
