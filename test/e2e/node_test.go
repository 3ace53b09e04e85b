package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kctl"
	"kubelab/pkg/kubelet/network"
	"kubelab/pkg/pki"
)

// TestNode runs pods on a real node and checks what issue 4 asks of it,
// one step after another on one cluster (starting one takes seconds;
// each step takes a few).
func TestNode(t *testing.T) {
	c := startCluster(t)
	// run runs a step as a subtest, whose t the cluster's helpers fail.
	run := c.stepper(t)

	// Every pod at once, so their starts overlap.
	web := newPod("web",
		kubia(),
		toolbox("writer", `echo hello > /data/msg; i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 1; done`),
		toolbox("reader", `while true; do sleep 1; done`),
	)
	web.Spec.Volumes = []api.Volume{{Name: "data", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}}}
	web.Spec.Containers[1].VolumeMounts = []api.VolumeMount{{Name: "data", MountPath: "/data"}}
	web.Spec.Containers[2].VolumeMounts = []api.VolumeMount{{Name: "data", MountPath: "/data", ReadOnly: true}}
	web.Spec.Containers[2].ReadinessProbe = &api.Probe{ // ready once the writer wrote
		ProbeHandler:  api.ProbeHandler{Exec: &api.ExecAction{Command: []string{"cat", "/data/msg"}}},
		PeriodSeconds: 1,
	}
	c.createPod(web)

	probed := newPod("probed", kubia())
	probed.Spec.Containers[0].StartupProbe = &api.Probe{
		ProbeHandler:  api.ProbeHandler{TCPSocket: &api.TCPSocketAction{Port: api.FromInt(8080)}},
		PeriodSeconds: 1, FailureThreshold: 10,
	}
	probed.Spec.Containers[0].ReadinessProbe = httpProbe("/ready", api.FromString("http"), 1)
	probed.Spec.Containers[0].LivenessProbe = httpProbe("/healthy", api.FromInt(8080), 2)
	c.createPod(probed)

	never := newPod("never", api.Container{Name: "app", Image: "kubelab/absent:e2e", ImagePullPolicy: api.PullNever})
	c.createPod(never)
	// A registry inside the guarded service range: the pull fails at once
	// and never leaves the machine.
	pull := newPod("pull", api.Container{Name: "app", Image: "10.198.255.254:5000/absent:e2e", ImagePullPolicy: api.PullIfNotPresent})
	c.createPod(pull)

	run("a missing image is a waiting status within seconds", func(t *testing.T) {
		p := c.waitPod("never", 10*time.Second, "to wait with ErrImageNeverPull", waitingFor("ErrImageNeverPull"))
		t.Logf("never: %s", containerStates(p))
		p = c.waitPod("pull", 15*time.Second, "to wait with ErrImagePull or ImagePullBackOff", waitingFor("ErrImagePull", "ImagePullBackOff"))
		t.Logf("pull: %s", containerStates(p))
		if msg := containerStatus(p, "app").State.Waiting.Message; !strings.Contains(msg, "10.198.255.254") {
			t.Errorf("the waiting message should carry the engine's: %q", msg)
		}
	})

	var podIP string
	run("two containers share localhost and an emptyDir", func(t *testing.T) {
		p := c.waitPod("web", 20*time.Second, "to be Ready", ready(true))
		podIP = p.Status.PodIP
		if got := c.mustKctl("exec", "web", "-c", "reader", "--", "cat", "/data/msg"); got != "hello\n" {
			t.Errorf("reader sees %q in the emptyDir, want the writer's hello", got)
		}
		got := c.mustKctl("exec", "web", "-c", "reader", "--", "wget", "-qO-", "http://127.0.0.1:8080/")
		if want := fmt.Sprintf("You've hit web (%s)", podIP); !strings.HasPrefix(got, want) {
			t.Errorf("reader reached %q on localhost, want %q…", got, want)
		}
	})

	run("the pod IP answers from the node", func(t *testing.T) {
		got, err := httpGet("http://" + podIP + ":8080/")
		if err != nil || !strings.HasPrefix(got, fmt.Sprintf("You've hit web (%s)", podIP)) {
			t.Fatalf("GET %s:8080 from the node: %q, %v", podIP, got, err)
		}
	})

	run("kctl logs and exec go through the apiserver", func(t *testing.T) {
		if got := c.mustKctl("logs", "web", "-c", "kubia"); !strings.Contains(got, "kubia web ("+podIP+") listening on :8080") {
			t.Errorf("kctl logs -c kubia: %q", got)
		}
		if got := c.mustKctl("logs", "web", "-c", "writer", "--tail", "1"); !strings.HasPrefix(got, "tick ") || strings.Count(got, "\n") != 1 {
			t.Errorf("kctl logs --tail 1: %q", got)
		}
		_, errOut, code := c.kctl("logs", "web")
		if want := "Error from server (BadRequest): a container name must be specified for pod web, choose one of: [kubia writer reader]\n"; code != 1 || errOut != want {
			t.Errorf("kctl logs of a pod of three: exit %d, %q; want %q", code, errOut, want)
		}
		_, errOut, code = c.kctl("logs", "nosuchpod")
		if code != 1 || !strings.Contains(errOut, "NotFound") {
			t.Errorf("kctl logs of no pod: exit %d, %q", code, errOut)
		}
		// stdout and stderr are two streams, kept apart as kubectl keeps them.
		out, errOut, code := c.kctl("exec", "web", "-c", "reader", "--", "sh", "-c", "echo out; echo err >&2; exit 3")
		if code != 3 || out != "out\n" || errOut != "err\ncommand terminated with exit code 3\n" {
			t.Errorf("kctl exec of a failing command: exit %d, out %q, err %q", code, out, errOut)
		}
		followLogs(t, c)
	})

	run("readiness flips Ready", func(t *testing.T) {
		p := c.waitPod("probed", 20*time.Second, "to be Ready", ready(true))
		if cs := containerStatus(p, "kubia"); cs.Started == nil || !*cs.Started || !cs.Ready {
			t.Fatalf("kubia: started %v ready %t", cs.Started, cs.Ready)
		}
		ip := p.Status.PodIP
		if _, err := httpGet("http://" + ip + ":8080/set?ready=false"); err != nil {
			t.Fatal(err)
		}
		p = c.waitPod("probed", 10*time.Second, "to turn not Ready", ready(false))
		if containerStatus(p, "kubia").Ready || condition(p, api.ContainersReady) != api.ConditionFalse {
			t.Errorf("not ready, yet: %s, ContainersReady=%s", containerStates(p), condition(p, api.ContainersReady))
		}
		c.eventually(5*time.Second, "an Unhealthy event", func() error {
			return c.hasEvent("probed", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503")
		})
		if _, err := httpGet("http://" + ip + ":8080/set?ready=true"); err != nil {
			t.Fatal(err)
		}
		c.waitPod("probed", 10*time.Second, "to be Ready again", ready(true))
	})

	run("a failing liveness probe restarts the container", func(t *testing.T) {
		p, err := c.getPod("probed")
		if err != nil {
			t.Fatal(err)
		}
		before := containerStatus(p, "kubia")
		if _, err := httpGet("http://" + p.Status.PodIP + ":8080/set?healthy=false"); err != nil {
			t.Fatal(err)
		}
		p = c.waitPod("probed", 20*time.Second, "to restart kubia and be Ready", func(p *api.Pod) error {
			if cs := containerStatus(p, "kubia"); cs.RestartCount != before.RestartCount+1 {
				return fmt.Errorf("restarts %d", cs.RestartCount)
			}
			return ready(true)(p)
		})
		after := containerStatus(p, "kubia")
		if after.ContainerID == before.ContainerID || after.LastTerminationState.Terminated == nil {
			t.Errorf("after the restart: %+v", after)
		}
		for _, e := range []struct{ reason, text string }{
			{"Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500"},
			{"Killing", "Container kubia failed liveness probe, will be restarted"},
		} {
			if err := c.hasEvent("probed", e.reason, e.text); err != nil {
				t.Error(err)
			}
		}
		if got := c.mustKctl("logs", "probed", "--previous"); !strings.Contains(got, "listening on :8080") {
			t.Errorf("kctl logs --previous: %q", got)
		}
	})

	run("a restarted kubelet adopts running pods", func(t *testing.T) {
		before := map[string]*api.Pod{}
		for _, name := range []string{"web", "probed"} {
			p, err := c.getPod(name)
			if err != nil {
				t.Fatal(err)
			}
			before[name] = p
		}
		c.stopKubelet()
		c.startKubelet()
		time.Sleep(3 * time.Second) // a few relists and syncs of the new kubelet
		for name, old := range before {
			p := c.waitPod(name, 5*time.Second, "to stay Ready", ready(true))
			for _, cs := range old.Status.ContainerStatuses {
				now := containerStatus(p, cs.Name)
				if now.ContainerID != cs.ContainerID || now.RestartCount != cs.RestartCount {
					t.Errorf("%s/%s: container %s restarts %d, was %s restarts %d", name, cs.Name,
						now.ContainerID, now.RestartCount, cs.ContainerID, cs.RestartCount)
				}
			}
			if p.Status.PodIP != old.Status.PodIP {
				t.Errorf("%s: pod IP %s, was %s", name, p.Status.PodIP, old.Status.PodIP)
			}
		}
		// The new kubelet serves exec, and the pod network still works.
		if got := c.mustKctl("exec", "web", "-c", "reader", "--", "cat", "/data/msg"); got != "hello\n" {
			t.Errorf("exec after the restart: %q", got)
		}
		if _, err := httpGet("http://" + podIP + ":8080/"); err != nil {
			t.Errorf("the pod IP after the restart: %v", err)
		}
	})

	run("deleting a pod leaves no container, veth or IP behind", func(t *testing.T) {
		p, err := c.getPod("web")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(c.rootDir, "ipam", p.Status.PodIP)); err != nil {
			t.Fatalf("the IP's file before the delete: %v", err)
		}
		if err := c.client.Resource(resource("pods")).Namespace("default").Delete(context.Background(), "web", nil); err != nil {
			t.Fatal(err)
		}
		c.eventually(20*time.Second, "pod web to be gone", func() error {
			if _, err := c.getPod("web"); !client.IsNotFound(err) {
				return fmt.Errorf("still there (%v)", err)
			}
			return nil
		})
		cs, err := c.rt.ListContainers(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, ctr := range cs {
			if ctr.PodUID == p.UID {
				t.Errorf("container %s (%s) is left", ctr.ID, ctr.Name)
			}
		}
		if _, err := netlink.LinkByName(network.HostVethName(p.UID)); err == nil {
			t.Errorf("veth %s is left", network.HostVethName(p.UID))
		}
		for _, path := range []string{filepath.Join(c.rootDir, "ipam", p.Status.PodIP), c.podDir(p.UID)} {
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s is left (%v)", path, err)
			}
		}
		if _, err := httpGet("http://" + podIP + ":8080/"); err == nil {
			t.Errorf("%s still answers", podIP)
		}
	})
}

// waitingFor is a check that the pod's container app waits with one of
// reasons.
func waitingFor(reasons ...string) func(*api.Pod) error {
	return func(p *api.Pod) error {
		w := containerStatus(p, "app").State.Waiting
		for _, r := range reasons {
			if w != nil && w.Reason == r {
				return nil
			}
		}
		return fmt.Errorf("%s", containerStates(p))
	}
}

// followLogs checks that kctl logs -f streams lines as the container
// prints them, through the apiserver's proxy.
func followLogs(t *testing.T, c *cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, w := io.Pipe()
	cmd := kctl.NewRootCommand(strings.NewReader(""), w, io.Discard)
	cmd.SetArgs([]string{"--kubeconfig", c.file(pki.AdminKubeconfig), "logs", "-f", "--tail", "0", "web", "-c", "writer"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx); w.Close() }()
	buf := make([]byte, 0, 256)
	start := time.Now()
	for strings.Count(string(buf), "\n") < 2 {
		chunk := make([]byte, 64)
		n, err := r.Read(chunk)
		if err != nil {
			t.Fatalf("kctl logs -f ended after %q: %v", buf, err)
		}
		buf = append(buf, chunk[:n]...)
	}
	if !strings.HasPrefix(string(buf), "tick ") {
		t.Errorf("kctl logs -f: %q", buf)
	}
	t.Logf("kctl logs -f streamed 2 lines in %s", time.Since(start).Round(time.Millisecond))
	cancel()
	go io.Copy(io.Discard, r)
	if err := <-done; err != nil {
		t.Errorf("kctl logs -f: %v", err)
	}
}
