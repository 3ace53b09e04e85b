package kubelet

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

func TestFakeRuntime(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: t0}
	rt := NewFakeRuntime("n1", clock.Now)
	other := NewFakeRuntime("n2", clock.Now)
	pod := testPod("p", api.RestartAlways, "kubia", "crash/app", "complete/job")

	sb, err := rt.RunSandbox(ctx, pod, "10.244.1.2")
	if err != nil {
		t.Fatal(err)
	}
	for i := range pod.Spec.Containers {
		if _, err := rt.StartContainer(ctx, runtime.ContainerConfig{Pod: pod, SandboxID: sb, Container: &pod.Spec.Containers[i]}); err != nil {
			t.Fatal(err)
		}
	}
	other.RunSandbox(ctx, pod, "10.244.2.2")

	cs, _ := rt.ListContainers(ctx)
	wantStrings(t, "containers", summarize(cs), []string{
		"fake://n1-1 default/p/POD uid-p 0 running 0 ip=10.244.1.2",
		"fake://n1-2 default/p/c0 uid-p 0 running 0",
		"fake://n1-3 default/p/c1 uid-p 0 exited 1",
		"fake://n1-4 default/p/c2 uid-p 0 exited 0",
	})

	t.Run("images", func(t *testing.T) {
		for image, want := range map[string]bool{"kubia": true, "missing/app": false} {
			if got, _ := rt.ImagePresent(ctx, image); got != want {
				t.Errorf("ImagePresent(%s) = %v", image, got)
			}
		}
		if err := rt.PullImage(ctx, "missing/app"); err == nil {
			t.Error("pulled a missing/ image")
		}
		rt.SetImage("kubia", false)
		c := &api.Container{Name: "x", Image: "kubia"}
		if id, err := rt.StartContainer(ctx, runtime.ContainerConfig{Pod: pod, SandboxID: sb, Container: c}); err == nil || id != "" {
			t.Errorf("started from an absent image: %q, %v", id, err)
		}
		if err := rt.PullImage(ctx, "kubia"); err != nil {
			t.Fatal(err)
		}
		if got, _ := rt.ImagePresent(ctx, "kubia"); !got {
			t.Error("a pulled image is not present")
		}
	})

	t.Run("stop and remove", func(t *testing.T) {
		if err := rt.RemoveContainer(ctx, "fake://n1-2"); err == nil {
			t.Error("removed a running container")
		}
		clock.Step(time.Second)
		rt.StopContainer(ctx, "fake://n1-2", 0)
		rt.StopContainer(ctx, "fake://n1-1", 30*time.Second)
		cs, _ := rt.ListContainers(ctx)
		wantStrings(t, "after stop", summarize(cs)[:2], []string{
			"fake://n1-1 default/p/POD uid-p 0 exited 0 ip=10.244.1.2",
			"fake://n1-2 default/p/c0 uid-p 0 exited 137",
		})
		if !cs[1].FinishedAt.Equal(t0.Add(time.Second)) {
			t.Errorf("finishedAt %v", cs[1].FinishedAt)
		}
		if err := rt.RemoveContainer(ctx, "fake://n1-2"); err != nil {
			t.Fatal(err)
		}
		if err := rt.RemoveContainer(ctx, "fake://n1-2"); err != nil {
			t.Errorf("removing twice: %v", err)
		}
		if _, err := rt.StartContainer(ctx, runtime.ContainerConfig{Pod: pod, SandboxID: sb, Container: &pod.Spec.Containers[0]}); err == nil {
			t.Error("started a container in a stopped sandbox")
		}
	})
}

func summarize(cs []runtime.Container) []string {
	var out []string
	for _, c := range cs {
		s := strings.Join([]string{c.ID, c.PodKey() + "/" + c.Name, c.PodUID, strconv.Itoa(c.Attempt), string(c.State), strconv.Itoa(int(c.ExitCode))}, " ")
		if c.PodIP != "" {
			s += " ip=" + c.PodIP
		}
		out = append(out, s)
	}
	return out
}

// The relister queues the pods whose containers changed, and those whose
// containers vanished.
func TestRelist(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, testPod("a", api.RestartAlways, "kubia"), testPod("b", api.RestartAlways, "kubia"))
	h.sync("default/a")
	h.sync("default/b")
	q := &recordingQueue{}
	reg := prometheus.NewRegistry()
	r := &relister{runtime: h.rt, queue: q, metrics: newMetrics(reg), log: h.w.log}

	r.relist(ctx)
	wantStrings(t, "first relist", q.sorted(), []string{"default/a", "default/b"})
	r.relist(ctx)
	wantStrings(t, "nothing changed", q.sorted(), nil)
	h.exit("uid-b", "c0", 1)
	r.relist(ctx)
	wantStrings(t, "b's container exited", q.sorted(), []string{"default/b"})
	h.pods.remove("default/a")
	h.sync("default/a") // removes a's containers
	r.relist(ctx)
	wantStrings(t, "a's containers are gone", q.sorted(), []string{"default/a"})

	srv := httptest.NewServer(handler(reg, &streamServer{node: "n1", runtime: h.rt}))
	defer srv.Close()
	body := get(t, srv.URL+"/metrics")
	for _, want := range []string{"kubelet_running_pods 1", "kubelet_running_containers 0", "kubelet_pod_start_duration_seconds_bucket"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if got := get(t, srv.URL+"/healthz"); got != "ok" {
		t.Errorf("/healthz = %q", got)
	}
}

type recordingQueue struct{ keys []string }

func (q *recordingQueue) Add(key string) { q.keys = append(q.keys, key) }

// sorted returns the keys added since the last call, sorted.
func (q *recordingQueue) sorted() []string {
	out := q.keys
	q.keys = nil
	slices.Sort(out)
	return out
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
