package integration

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// Every component can be killed at any moment and restarted: killed with
// SIGKILL in the middle of a scale-up, the scheduler and a kubelet come
// back and the ReplicaSet ends with exactly the desired pods, all running.
func TestComponentsKilledMidScaleUp(t *testing.T) {
	cl := startCluster(t, "n1", "n2", "n3")
	cl.create(replicaSet("web", 2))
	cl.converged("app=web", 2)

	cl.scale("web", 20)
	time.Sleep(150 * time.Millisecond)
	cl.scheduler.kill()
	cl.startScheduler()
	cl.converged("app=web", 20)

	cl.scale("web", 40)
	time.Sleep(150 * time.Millisecond)
	cl.kubelets["n2"].kill()
	cl.startKubelet("n2")
	cl.converged("app=web", 40)

	cl.scale("web", 60)
	time.Sleep(150 * time.Millisecond)
	cl.apiserver.kill()
	cl.startAPIServer()
	cl.converged("app=web", 60)
}

// `kctl get -w` goes on across an apiserver restart: it reconnects and
// shows what changed after it.
func TestGetWatchSurvivesApiserverRestart(t *testing.T) {
	cl := startCluster(t)
	watch := kctlCommand(t, componentKubeconfig(t, "kctl"), cl.addr, "get", "configmaps", "-w")
	stdout, _ := watch.StdoutPipe()
	var stderr bytes.Buffer
	watch.Stderr = &stderr
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		watch.Process.Kill()
		watch.Wait()
		if t.Failed() {
			t.Logf("kctl get -w, stderr:\n%s", stderr.String())
		}
	}()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	cl.create(&api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "before", Namespace: "default"}})
	waitFor(t, lines, "before")

	cl.apiserver.kill()
	cl.startAPIServer()
	cl.create(&api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "after", Namespace: "default"}})
	waitFor(t, lines, "after")
}

// waitFor waits up to 20 s for a line that starts with name.
func waitFor(t *testing.T, lines <-chan string, name string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the watch ended before showing %q", name)
			}
			if strings.HasPrefix(l, name+" ") {
				return
			}
		case <-deadline:
			t.Fatalf("the watch did not show %q within 20s", name)
		}
	}
}
