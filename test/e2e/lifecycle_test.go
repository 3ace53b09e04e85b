package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// TestLifecycleHooks runs a container's postStart and preStop hooks in a
// real container: each appends a line to a file of a hostPath volume,
// and so does the container's own SIGTERM trap. The file must read
// poststart, then prestop, then term: the preStop hook ran before the
// signal. A postStart hook that fails kills its container, with the
// FailedPostStartHook event.
func TestLifecycleHooks(t *testing.T) {
	c := startCluster(t)
	run := c.stepper(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	// The hooks write to a hostPath volume, which only the privileged
	// Pod Security level allows.
	patch := `{"metadata":{"labels":{"` + api.PodSecurityEnforceLabel + `":"privileged"}}}`
	if _, err := c.client.Resource(resource("namespaces")).Patch(context.Background(), "default", client.MergePatch, []byte(patch), ""); err != nil {
		t.Fatal(err)
	}

	run("postStart and preStop run, preStop before SIGTERM", func(t *testing.T) {
		box := toolbox("box", "while true; do sleep 0.2; done")
		box.Command = []string{"sh", "-c", "trap 'echo term >> /hooks/log; exit 0' TERM; while true; do sleep 0.2; done"}
		box.VolumeMounts = []api.VolumeMount{{Name: "hooks", MountPath: "/hooks"}}
		box.Lifecycle = &api.Lifecycle{
			PostStart: &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"sh", "-c", "echo poststart >> /hooks/log"}}},
			PreStop:   &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"sh", "-c", "echo prestop >> /hooks/log"}}},
		}
		pod := newPod("hooks", box)
		pod.Spec.Volumes = []api.Volume{{Name: "hooks", VolumeSource: api.VolumeSource{HostPath: &api.HostPathVolumeSource{Path: dir}}}}
		c.createPod(pod)
		c.waitPod("hooks", 30*time.Second, "to run", func(p *api.Pod) error {
			if p.Status.Phase != api.PodRunning {
				return fmt.Errorf("phase %s", p.Status.Phase)
			}
			return nil
		})
		if err := c.client.Resource(resource("pods")).Namespace("default").Delete(context.Background(), "hooks", nil); err != nil {
			t.Fatal(err)
		}
		c.eventually(30*time.Second, "the pod gone", func() error {
			if _, err := c.getPod("hooks"); !client.IsNotFound(err) {
				return fmt.Errorf("still there (%v)", err)
			}
			return nil
		})
		b, err := os.ReadFile(log)
		if got := strings.Fields(string(b)); err != nil || strings.Join(got, " ") != "poststart prestop term" {
			t.Errorf("%s: %q, %v; want poststart, prestop, term", log, got, err)
		}
	})

	run("a failed postStart hook kills the container", func(t *testing.T) {
		box := toolbox("box", "while true; do sleep 0.2; done")
		box.Lifecycle = &api.Lifecycle{PostStart: &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"sh", "-c", "echo no cache; exit 3"}}}}
		pod := newPod("bad-hook", box)
		pod.Spec.RestartPolicy = api.RestartNever
		c.createPod(pod)
		c.eventually(30*time.Second, "FailedPostStartHook", func() error {
			return c.hasEvent("bad-hook", "FailedPostStartHook", `Exec lifecycle hook ([sh -c echo no cache; exit 3]) for Container "box" in Pod "bad-hook_default`)
		})
		// Killed, its SIGTERM trap exits 0: the pod is done, and not
		// started again (restartPolicy Never).
		c.waitPod("bad-hook", 30*time.Second, "to end", func(p *api.Pod) error {
			if p.Status.Phase != api.PodSucceeded {
				return fmt.Errorf("phase %s, containers %s", p.Status.Phase, containerStates(p))
			}
			return nil
		})
	})
}
