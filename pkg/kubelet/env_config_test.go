package kubelet

import (
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// A container whose Secret is missing waits in CreateContainerConfigError
// with Kubernetes' message, looked at again with a back-off (1 s doubling
// to 10 s); once the Secret is there it starts, with no one touching the
// pod. The Secret's value is in the container's environment and in no
// event.
func TestMissingSecretInEnv(t *testing.T) {
	p := testPod("web", api.RestartAlways, "kubia")
	p.Spec.Containers[0].Env = []api.EnvVar{
		{Name: "PASSWORD", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "db", Key: "password"}}},
	}
	p.Spec.Containers[0].Args = []string{"--password=$(PASSWORD)", "--price=$$5"}
	h := newHarness(t, p)
	fake := newFakeVolumeAPI(h.clock.Now)
	h.w.config = fake
	const why = `secret "db" not found`
	for _, wantRetry := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		h.sync("default/web")
		st := h.api.lastStatus(t)
		if got := state(st.ContainerStatuses[0]); got != "waiting CreateContainerConfigError: "+why || st.Phase != api.PodPending {
			t.Fatalf("status %s %s", st.Phase, got)
		}
		wantStrings(t, "warnings", warningsOf(h.events.take()), []string{"Warning Failed Error: " + why})
		if h.requeued["default/web"] != wantRetry {
			t.Fatalf("requeued after %s, want %s", h.requeued["default/web"], wantRetry)
		}
		h.clock.Step(wantRetry)
	}

	fake.addSecret("default", "db", map[string][]byte{"password": []byte("s3cret")})
	h.sync("default/web")
	if got := state(h.api.lastStatus(t).ContainerStatuses[0]); got != "running" {
		t.Fatalf("status %s", got)
	}
	cfg, _ := h.rt.LastConfig("uid-web", "c0")
	wantStrings(t, "env", cfg.Env, []string{"PASSWORD=s3cret"})
	wantStrings(t, "args, expanded", cfg.Container.Args, []string{"--password=s3cret", "--price=$5"})
	wantStrings(t, "the pod's own args", p.Spec.Containers[0].Args, []string{"--password=$(PASSWORD)", "--price=$$5"})
	for _, e := range h.events.take() {
		if strings.Contains(e, "s3cret") {
			t.Errorf("an event shows the Secret: %s", e)
		}
	}

	// A missing key, once the Secret is there: Kubernetes' message.
	p2 := testPod("db", api.RestartAlways, "kubia")
	p2.Spec.Containers[0].Env = []api.EnvVar{
		{Name: "USER", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "db", Key: "user"}}},
	}
	h.pods.put(p2)
	h.sync("default/db")
	if got := state(h.api.lastStatus(t).ContainerStatuses[0]); got != "waiting CreateContainerConfigError: couldn't find key user in Secret default/db" {
		t.Errorf("status %s", got)
	}
}
