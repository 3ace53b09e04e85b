package kubelet

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/docker"
	"kubelab/pkg/kubelet/runtime"
)

// On a Docker node, a pod's container finds its ServiceAccount volume where
// client-go's rest.InClusterConfig looks, cannot write it, and sees a
// refreshed token without a restart. The node is one of its own
// ("test-<random>"); its sandbox has network mode none and nothing is
// sent anywhere. Everything it made goes when the test ends, passed or
// failed.
func TestProjectedVolumeOnDocker(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("docker not reachable: this test needs root")
	}
	root := t.TempDir()
	b := make([]byte, 4)
	rand.Read(b)
	rt, err := docker.New("test-"+hex.EncodeToString(b), zaptest.NewLogger(t), docker.WithRootDir(root))
	if err != nil {
		t.Skip("docker not reachable: " + err.Error())
	}
	t.Cleanup(func() { removeDockerPods(t, rt) })
	const toolbox = "kubelab/toolbox:latest"
	for _, image := range []string{docker.DefaultPauseImage, toolbox} {
		if ok, err := rt.ImagePresent(t.Context(), image); err != nil || !ok {
			t.Skipf("image %s is not built: run images/build.sh", image)
		}
	}

	pod := serviceAccountVolume(testPod("sa", api.RestartAlways, toolbox))
	pod.UID = hex.EncodeToString(b) + "-uid"
	pod.Spec.Containers[0].Command = []string{"sleep", "3600"}
	clock := &fakeClock{t: time.Now()}
	pods := &fakeLister{pods: map[string]*api.Pod{}}
	pods.put(pod)
	ipam, err := NewIPAM(filepath.Join(root, "ipam"), "10.244.99.0/24")
	if err != nil {
		t.Fatal(err)
	}
	fake := newFakeVolumeAPI(clock.Now)
	fake.addConfigMap("default", api.RootCAConfigMapName, map[string]string{"ca.crt": "-----BEGIN CERTIFICATE-----"})
	events := &fakeRecorder{}
	w := newPodWorkers(&podWorkers{hostIP: "127.0.0.1", runtime: rt, pods: pods, api: &fakePodAPI{cache: pods}, events: events,
		ipam: ipam, log: zap.NewNop(), now: clock.Now, podDirs: rt,
		volumes: newProjectedVolumes(filepath.Join(root, "pods"), fake, events, clock.Now, 0, zap.NewNop())})
	sync := func() {
		t.Helper()
		if err := w.sync(t.Context(), "default/sa"); err != nil {
			t.Fatalf("sync: %v (events %q)", err, events.take())
		}
	}
	sync()
	app := ""
	cs, _ := rt.ListContainers(t.Context())
	for _, c := range cs {
		if c.Name == "c0" && c.State == runtime.ContainerRunning {
			app = c.ID
		}
	}
	if app == "" {
		t.Fatalf("the container is not running: %v; events %q", summarize(cs), events.take())
	}
	exec := func(script string) (int, string) {
		t.Helper()
		var out bytes.Buffer
		code, err := rt.Exec(t.Context(), app, []string{"sh", "-c", script}, nil, &out, &out)
		if err != nil {
			t.Fatalf("exec %q: %v", script, err)
		}
		return code, out.String()
	}

	const dir = api.ServiceAccountMountPath
	if code, out := exec("cat " + dir + "/namespace; echo; cat " + dir + "/token; echo; cat " + dir + "/ca.crt"); code != 0 ||
		out != "default\ntoken-1\n-----BEGIN CERTIFICATE-----" {
		t.Errorf("reading the volume: exit %d, %q", code, out)
	}
	if code, out := exec("echo stolen > " + dir + "/token"); code == 0 || !strings.Contains(out, "Read-only file system") {
		t.Errorf("writing the token: exit %d, %q; want a read-only file system", code, out)
	}

	// 80% of the token's life later, the running container reads the new
	// token through the same mount.
	clock.Step(49 * time.Minute)
	sync()
	if code, out := exec("cat " + dir + "/token"); code != 0 || out != "token-2" {
		t.Errorf("after the refresh: exit %d, %q", code, out)
	}

	// Deleted: the containers and the pod's directory go.
	p := api.DeepCopy(pod)
	at := api.NewTime(clock.Now())
	p.DeletionTimestamp, p.DeletionGracePeriodSeconds = &at, api.Int64(0)
	pods.put(p)
	sync()
	if _, err := os.Stat(filepath.Join(root, "pods", pod.UID)); !os.IsNotExist(err) {
		t.Errorf("the pod's directory after the delete: %v", err)
	}
}

// removeDockerPods removes every container of rt's node and the pods'
// directories, with a context of its own: the test's is gone.
func removeDockerPods(t *testing.T, rt *docker.Runtime) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := rt.ListContainers(ctx)
	if err != nil {
		t.Errorf("clean up: %v", err)
	}
	uids := map[string]bool{}
	for _, c := range cs {
		uids[c.PodUID] = true
		if err := rt.RemoveContainer(ctx, c.ID); err != nil {
			t.Errorf("clean up: %v", err)
		}
	}
	for uid := range uids {
		if err := rt.RemovePodDirs(uid); err != nil {
			t.Errorf("clean up: %v", err)
		}
	}
	rt.Close()
}
