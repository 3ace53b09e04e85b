package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet"
)

// syncFrequency is the test kubelet's --sync-frequency: how soon a
// volume follows its ConfigMap.
const syncFrequency = 3 * time.Second

// TestConfigMapsAndSecrets: a pod reads a ConfigMap through env and
// through files that follow its changes (but not a subPath file), a
// Secret's files have the mode asked for and live on a tmpfs, and a pod
// whose Secret is missing waits in CreateContainerConfigError and starts
// on its own once the Secret is there (kubelab issue 13). The pods only
// read files and print; they send nothing anywhere.
func TestConfigMapsAndSecrets(t *testing.T) {
	c := startCluster(t)
	run := c.stepper(t)
	c.stopKubelet() // for one whose volumes follow their sources in seconds
	c.startKubelet(func(o *kubelet.Options) { o.SyncFrequency = syncFrequency })

	c.createObject("configmaps", &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "app-config"},
		Data: map[string]string{"greeting": "hello", "color": "blue", "1st": "x"}})
	c.createObject("secrets", &api.Secret{ObjectMeta: api.ObjectMeta{Name: "app-creds"},
		Data: map[string][]byte{"password": []byte("s3cr3t-e2e")}})

	reader := toolbox("app", "while true; do sleep 1; done")
	reader.Env = []api.EnvVar{
		{Name: "GREETING", ValueFrom: &api.EnvVarSource{ConfigMapKeyRef: &api.KeySelector{Name: "app-config", Key: "greeting"}}},
		{Name: "MESSAGE", Value: "$(GREETING), $(CFG_color) world"},
	}
	reader.EnvFrom = []api.EnvFromSource{
		{Prefix: "CFG_", ConfigMapRef: &api.ConfigMapEnvSource{Name: "app-config"}},
		{ConfigMapRef: &api.ConfigMapEnvSource{Name: "app-config"}}, // 1st is no variable name
	}
	reader.VolumeMounts = []api.VolumeMount{
		{Name: "config", MountPath: "/etc/config"},
		{Name: "config", MountPath: "/etc/greeting", SubPath: "greeting"},
		{Name: "creds", MountPath: "/etc/creds"},
	}
	pod := newPod("config-reader", reader)
	pod.Spec.Volumes = []api.Volume{
		{Name: "config", VolumeSource: api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{Name: "app-config"}}},
		{Name: "creds", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "app-creds", DefaultMode: api.Int32(0o400)}}},
	}
	c.createPod(pod)

	waiter := toolbox("app", "while true; do sleep 1; done")
	waiter.Env = []api.EnvVar{{Name: "TOKEN", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "later", Key: "token"}}}}
	c.createPod(newPod("secret-waiter", waiter))

	run("a ConfigMap key through env, envFrom and $(VAR)", func(t *testing.T) {
		c.waitPod("config-reader", 30*time.Second, "to be Ready", ready(true))
		env := c.mustKctl("exec", "config-reader", "--", "env")
		for _, want := range []string{"GREETING=hello", "CFG_greeting=hello", "CFG_color=blue", "CFG_1st=x", "color=blue", "MESSAGE=hello, blue world"} {
			if !strings.Contains(env, want+"\n") {
				t.Errorf("the container's environment lacks %s:\n%s", want, env)
			}
		}
		if strings.Contains(env, "\n1st=") {
			t.Errorf("a key that is no variable name reached the environment:\n%s", env)
		}
		c.eventually(10*time.Second, "the skipped key's event", func() error {
			return c.hasEvent("config-reader", "InvalidEnvironmentVariableNames", "Keys [1st] from the EnvFrom configMap default/app-config were skipped")
		})
	})

	run("a ConfigMap's files follow it within the sync frequency, a subPath file does not", func(t *testing.T) {
		if got := c.mustKctl("exec", "config-reader", "--", "cat", "/etc/config/greeting"); got != "hello" {
			t.Fatalf("/etc/config/greeting = %q, want hello", got)
		}
		cm := c.getObject("configmaps", "app-config").(*api.ConfigMap)
		cm.Data["greeting"] = "bonjour"
		changed := time.Now()
		c.updateObject("configmaps", cm)
		c.eventually(syncFrequency+10*time.Second, "the file to follow the ConfigMap", func() error {
			if got, _, _ := c.kctl("exec", "config-reader", "--", "cat", "/etc/config/greeting"); got != "bonjour" {
				return fmt.Errorf("/etc/config/greeting = %q", got)
			}
			return nil
		})
		t.Logf("the file followed the ConfigMap after %s", time.Since(changed).Round(100*time.Millisecond))
		if got := c.mustKctl("exec", "config-reader", "--", "cat", "/etc/greeting"); got != "hello" {
			t.Errorf("the subPath file /etc/greeting = %q, want hello still, as in Kubernetes", got)
		}
	})

	run("a Secret mounted with defaultMode 0400, on a tmpfs", func(t *testing.T) {
		if got := c.mustKctl("exec", "config-reader", "--", "stat", "-L", "-c", "%a", "/etc/creds/password"); got != "400\n" {
			t.Errorf("/etc/creds/password has mode %q, want 400", got)
		}
		if got := c.mustKctl("exec", "config-reader", "--", "cat", "/etc/creds/password"); got != "s3cr3t-e2e" {
			t.Errorf("/etc/creds/password = %q", got)
		}
		mounts := c.mustKctl("exec", "config-reader", "--", "cat", "/proc/mounts")
		if !strings.Contains(mounts, "tmpfs /etc/creds tmpfs ro") {
			t.Errorf("/etc/creds is not a read-only tmpfs:\n%s", mounts)
		}
	})

	run("a missing Secret: CreateContainerConfigError, then running once it exists", func(t *testing.T) {
		c.waitPod("secret-waiter", 20*time.Second, "to wait for its Secret", func(p *api.Pod) error {
			w := containerStatus(p, "app").State.Waiting
			if w == nil || w.Reason != "CreateContainerConfigError" || w.Message != `secret "later" not found` {
				return fmt.Errorf("%s", containerStates(p))
			}
			return nil
		})
		c.createObject("secrets", &api.Secret{ObjectMeta: api.ObjectMeta{Name: "later"}, Data: map[string][]byte{"token": []byte("t0k3n")}})
		c.waitPod("secret-waiter", 30*time.Second, "to run once its Secret exists", ready(true))
		if env := c.mustKctl("exec", "secret-waiter", "--", "env"); !strings.Contains(env, "TOKEN=t0k3n\n") {
			t.Errorf("no TOKEN=t0k3n in the container's environment:\n%s", env)
		}
	})

	run("no Secret in events", func(t *testing.T) {
		for _, pod := range []string{"config-reader", "secret-waiter"} {
			for _, e := range c.events(pod) {
				if strings.Contains(e, "s3cr3t-e2e") || strings.Contains(e, "t0k3n") {
					t.Errorf("an event shows a Secret: %s", e)
				}
			}
		}
		if strings.Contains(c.logs.String(), "s3cr3t-e2e") || strings.Contains(c.logs.String(), "t0k3n") {
			t.Error("the kubelet's log shows a Secret")
		}
	})
}

// createObject creates obj, a ConfigMap or a Secret, in namespace default.
func (c *cluster) createObject(resourceName string, obj api.Object) {
	c.t.Helper()
	if _, err := c.client.Resource(resource(resourceName)).Namespace("default").Create(context.Background(), obj); err != nil {
		c.t.Fatalf("create %s: %v", resourceName, err)
	}
}

func (c *cluster) getObject(resourceName, name string) api.Object {
	c.t.Helper()
	obj, err := c.client.Resource(resource(resourceName)).Namespace("default").Get(context.Background(), name)
	if err != nil {
		c.t.Fatalf("get %s %s: %v", resourceName, name, err)
	}
	return obj
}

func (c *cluster) updateObject(resourceName string, obj api.Object) {
	c.t.Helper()
	if _, err := c.client.Resource(resource(resourceName)).Namespace("default").Update(context.Background(), obj); err != nil {
		c.t.Fatalf("update %s: %v", resourceName, err)
	}
}
