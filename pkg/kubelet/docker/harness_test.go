package docker

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"go.uber.org/zap/zaptest"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// The tests below run against the real Docker Engine. Each test is a node
// of its own ("test-<random>"), so they run in parallel and their sweep
// removes only their own containers. They send no traffic beyond the
// containers they make: sandboxes have network mode none.

const (
	kubiaImage   = "kubelab/kubia:latest"
	toolboxImage = "kubelab/toolbox:latest"
)

// testRuntime returns a Runtime for a fresh node, or skips the test when
// Docker or root is missing. Every container of the node goes when the
// test ends, passed or failed.
func testRuntime(t *testing.T) *Runtime {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("docker not reachable: these tests need root")
	}
	r, err := New("test-"+randHex(4), zaptest.NewLogger(t), WithRootDir(t.TempDir()))
	if err != nil {
		t.Skip("docker not reachable: " + err.Error())
	}
	t.Cleanup(func() { sweep(t, r) })
	for _, image := range []string{DefaultPauseImage, kubiaImage, toolboxImage} {
		if ok, err := r.ImagePresent(t.Context(), image); err != nil || !ok {
			t.Skipf("image %s is not built: run images/build.sh", image)
		}
	}
	t.Parallel()
	return r
}

// sweep removes every container of r's node and the pods' directories. It
// runs after the test's context is gone, so it has its own.
func sweep(t *testing.T, r *Runtime) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := r.docker.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", runtime.LabelNode+"="+r.node),
	})
	if err != nil {
		t.Errorf("sweep: %v", err)
	}
	for _, c := range list.Items {
		if err := r.RemoveContainer(ctx, c.ID); err != nil {
			t.Errorf("sweep: %v", err)
		}
	}
	pods, _ := os.ReadDir(filepath.Join(r.rootDir, "pods"))
	for _, p := range pods {
		if err := r.RemovePodDirs(p.Name()); err != nil {
			t.Errorf("sweep: %v", err)
		}
	}
	r.Close()
}

// newPod returns a pod with a fresh UID.
func newPod(name string, volumes ...api.Volume) *api.Pod {
	return &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: randHex(16)},
		Spec:       api.PodSpec{Volumes: volumes},
	}
}

// runSandbox starts pod's sandbox with a made-up IP.
func runSandbox(t *testing.T, r *Runtime, pod *api.Pod) string {
	t.Helper()
	id, err := r.RunSandbox(t.Context(), pod, "10.244.99.7")
	if err != nil {
		t.Fatalf("RunSandbox: %v", err)
	}
	return id
}

// start starts container c in pod's sandbox and fails the test if it does
// not start.
func start(t *testing.T, r *Runtime, pod *api.Pod, sandbox string, c api.Container) string {
	t.Helper()
	id, err := r.StartContainer(t.Context(), runtime.ContainerConfig{Pod: pod, SandboxID: sandbox, Container: &c})
	if err != nil {
		t.Fatalf("StartContainer %s: %v", c.Name, err)
	}
	return id
}

// toolbox is a busybox container running script with sh.
func toolbox(name, script string) api.Container {
	return api.Container{Name: name, Image: toolboxImage, Command: []string{"sh", "-c", script}}
}

// find returns the container with id from ListContainers.
func find(t *testing.T, r *Runtime, id string) (runtime.Container, bool) {
	t.Helper()
	cs, err := r.ListContainers(t.Context())
	if err != nil {
		t.Fatalf("ListContainers: %v", err)
	}
	for _, c := range cs {
		if c.ID == id {
			return c, true
		}
	}
	return runtime.Container{}, false
}

// waitExited polls ListContainers until the container exited.
func waitExited(t *testing.T, r *Runtime, id string) runtime.Container {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, ok := find(t, r, id)
		if !ok {
			t.Fatalf("container %s is not listed", id)
		}
		if c.State == runtime.ContainerExited {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s (%s) still running after 15s", c.Name, id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logs returns everything the container printed.
func logs(t *testing.T, r *Runtime, id string) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.Logs(t.Context(), id, false, -1, &b); err != nil {
		t.Fatalf("Logs: %v", err)
	}
	return b.String()
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
