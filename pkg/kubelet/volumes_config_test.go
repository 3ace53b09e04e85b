package kubelet

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// configPod is a pod with a configMap, a secret and a downwardAPI volume,
// its container mounting all three and one key of the ConfigMap alone
// (subPath).
func configPod() *api.Pod {
	p := testPod("web", api.RestartAlways, "kubia")
	p.Labels = map[string]string{"app": "web"}
	p.Spec.Containers[0].Resources.Limits = api.ResourceList{"memory": api.MustParse("64Mi")}
	p.Spec.Volumes = []api.Volume{
		{Name: "config", VolumeSource: api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{Name: "settings", DefaultMode: api.Int32(0o444),
			Items: []api.KeyToPath{{Key: "color", Path: "color"}, {Key: "size", Path: "sub/size", Mode: api.Int32(0o600)}}}}},
		{Name: "creds", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "db", DefaultMode: api.Int32(0o400)}}},
		{Name: "info", VolumeSource: api.VolumeSource{DownwardAPI: &api.DownwardAPIVolumeSource{DefaultMode: api.Int32(0o644), Items: []api.DownwardAPIVolumeFile{
			{Path: "labels", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.labels"}},
			{Path: "mem", ResourceFieldRef: &api.ResourceFieldSelector{ContainerName: "c0", Resource: "limits.memory", Divisor: api.MustParse("1Mi")}},
			{Path: "cpu", ResourceFieldRef: &api.ResourceFieldSelector{ContainerName: "c0", Resource: "limits.cpu", Divisor: api.MustParse("1m")}},
		}}}},
	}
	p.Spec.Containers[0].VolumeMounts = []api.VolumeMount{
		{Name: "config", MountPath: "/etc/config"}, {Name: "creds", MountPath: "/etc/creds"},
		{Name: "info", MountPath: "/etc/info"}, {Name: "config", MountPath: "/etc/color", SubPath: "color"},
	}
	return p
}

// configMap, secret and downwardAPI volumes are written as the projection
// each stands for, in Kubernetes' directories, with their modes, before
// the container starts; they go with the pod.
func TestConfigVolumeFiles(t *testing.T) {
	h := newHarness(t, configPod())
	fake, podsDir := withVolumes(h)
	h.w.volumes.allocatable = api.ResourceList{"cpu": api.MustParse("2")}
	fake.addConfigMap("default", "settings", map[string]string{"color": "blue", "size": "L", "unused": "x"})
	fake.addSecret("default", "db", map[string][]byte{"password": []byte("s3cret"), "user": []byte("admin")})
	h.sync("default/web")

	wantStrings(t, "runtime calls", h.rt.Calls(), []string{"runSandbox default/web ip=10.244.1.2", "start default/web/c0 attempt=0"})
	vols := filepath.Join(podsDir, "uid-web", "volumes")
	dirs := map[string]string{
		"config": filepath.Join(vols, "kubernetes.io~configmap", "config"),
		"creds":  filepath.Join(vols, "kubernetes.io~secret", "creds"),
		"info":   filepath.Join(vols, "kubernetes.io~downward-api", "info"),
	}
	wantStrings(t, "configMap volume", readVolume(t, dirs["config"]), []string{"color=blue (0444)", "sub/size=L (0600)"})
	wantStrings(t, "secret volume", readVolume(t, dirs["creds"]), []string{"password=s3cret (0400)", "user=admin (0400)"})
	wantStrings(t, "downwardAPI volume", readVolume(t, dirs["info"]), []string{
		"cpu=2000 (0644)", // no limit: the node's allocatable
		`labels=app="web" (0644)`,
		"mem=64 (0644)",
	})
	cfg, _ := h.rt.LastConfig("uid-web", "c0")
	for name, dir := range dirs {
		if cfg.VolumeDirs[name] != dir {
			t.Errorf("the runtime was given %s for volume %s, want %s", cfg.VolumeDirs[name], name, dir)
		}
	}
	if warnings := warningsOf(h.events.take()); len(warnings) > 0 {
		t.Errorf("warnings %q", warnings)
	}

	if err := h.w.volumes.tearDown("uid-web"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(vols); !os.IsNotExist(err) {
		t.Errorf("the pod's volumes are still there: %v", err)
	}
}

// The files follow the ConfigMap and the Secret within --sync-frequency:
// the pod is looked at again by then, whatever else happens.
func TestConfigVolumesFollowChanges(t *testing.T) {
	h := newHarness(t, configPod())
	fake, podsDir := withVolumes(h)
	h.w.volumes.reread = 5 * time.Second
	fake.addConfigMap("default", "settings", map[string]string{"color": "blue", "size": "L"})
	fake.addSecret("default", "db", map[string][]byte{"password": []byte("s3cret")})
	h.sync("default/web")
	if got := h.requeued["default/web"]; got != 5*time.Second {
		t.Fatalf("requeued after %s, want the sync frequency, 5s", got)
	}
	config := filepath.Join(podsDir, "uid-web", "volumes", "kubernetes.io~configmap", "config")
	creds := filepath.Join(podsDir, "uid-web", "volumes", "kubernetes.io~secret", "creds")

	fake.addConfigMap("default", "settings", map[string]string{"color": "green", "size": "L"})
	fake.addSecret("default", "db", map[string][]byte{"password": []byte("rotated")})
	h.clock.Step(4 * time.Second)
	h.sync("default/web")
	wantStrings(t, "before the sync frequency", readVolume(t, config), []string{"color=blue (0444)", "sub/size=L (0600)"})
	if got := h.requeued["default/web"]; got != time.Second {
		t.Fatalf("requeued after %s, want 1s, when the volumes are due", got)
	}
	h.clock.Step(time.Second)
	h.sync("default/web")
	wantStrings(t, "configMap volume", readVolume(t, config), []string{"color=green (0444)", "sub/size=L (0600)"})
	wantStrings(t, "secret volume", readVolume(t, creds), []string{"password=rotated (0400)"})
	wantStrings(t, "runtime calls", h.rt.Calls(), []string{"runSandbox default/web ip=10.244.1.2", "start default/web/c0 attempt=0"})
}

// A missing Secret keeps the pod ContainerCreating with a FailedMount
// event, as a projected volume's source does, never showing what a Secret
// holds; an optional one is an empty volume.
func TestMissingSecretVolume(t *testing.T) {
	tests := []struct {
		name      string
		optional  bool
		wantState string
		wantEvent []string
	}{
		{name: "required", wantState: `waiting ContainerCreating: MountVolume.SetUp failed for volume "creds" : secret "db" not found`,
			wantEvent: []string{`Warning FailedMount MountVolume.SetUp failed for volume "creds" : secret "db" not found`}},
		{name: "optional", optional: true, wantState: "running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := configPod()
			p.Spec.Volumes[1].Secret.Optional = api.Bool(tt.optional)
			h := newHarness(t, p)
			fake, podsDir := withVolumes(h)
			fake.addConfigMap("default", "settings", map[string]string{"color": "blue", "size": "L"})
			h.sync("default/web")
			if got := state(h.api.lastStatus(t).ContainerStatuses[0]); got != tt.wantState {
				t.Errorf("state %s, want %s", got, tt.wantState)
			}
			wantStrings(t, "warnings", warningsOf(h.events.take()), tt.wantEvent)
			if tt.optional {
				wantStrings(t, "the empty volume", readVolume(t, filepath.Join(podsDir, "uid-web", "volumes", "kubernetes.io~secret", "creds")), nil)
			}
		})
	}
}

// warningsOf keeps the Warning events of a list.
func warningsOf(events []string) []string {
	return slices.DeleteFunc(events, func(e string) bool { return !strings.HasPrefix(e, "Warning ") })
}

// fakeTmpfs records the tmpfs mounts asked of a runtime, by the volume's
// path under the pods directory.
type fakeTmpfs struct {
	podsDir string
	calls   []string
}

var _ runtime.TmpfsMounter = (*fakeTmpfs)(nil)

func (f *fakeTmpfs) MountTmpfs(dir string) error {
	rel, _ := filepath.Rel(f.podsDir, dir)
	f.calls = append(f.calls, "mount "+rel)
	return nil
}

func (f *fakeTmpfs) UnmountTmpfs(dir string) error {
	rel, _ := filepath.Rel(f.podsDir, dir)
	f.calls = append(f.calls, "unmount "+rel)
	return nil
}

// A Secret volume is put on a tmpfs before its files are written, and
// the tmpfs taken down before the directory goes; no other volume is.
func TestSecretVolumeOnTmpfs(t *testing.T) {
	h := newHarness(t, configPod())
	fake, podsDir := withVolumes(h)
	tmpfs := &fakeTmpfs{podsDir: podsDir}
	h.w.volumes.tmpfs = tmpfs
	fake.addConfigMap("default", "settings", map[string]string{"color": "blue", "size": "L"})
	fake.addSecret("default", "db", map[string][]byte{"password": []byte("s3cret")})
	h.sync("default/web")
	wantStrings(t, "tmpfs calls", tmpfs.calls, []string{"mount uid-web/volumes/kubernetes.io~secret/creds"})

	h.pods.remove("default/web")
	h.sync("default/web")
	wantStrings(t, "tmpfs calls after the pod went", tmpfs.calls, []string{
		"mount uid-web/volumes/kubernetes.io~secret/creds", "unmount uid-web/volumes/kubernetes.io~secret/creds",
	})
	if _, err := os.Stat(filepath.Join(podsDir, "uid-web")); !os.IsNotExist(err) {
		t.Errorf("the pod's directory is still there: %v", err)
	}
}
