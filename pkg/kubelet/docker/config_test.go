package docker

import (
	"slices"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// These tests need no Docker: they check the translation between the
// kubelet's words and Docker's.

func fixturePod() *api.Pod {
	return &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", UID: "3f2a9c1e-77aa-4b2c-9d1e-0123456789ab"},
	}
}

func TestContainerName(t *testing.T) {
	pod := fixturePod()
	tests := []struct {
		name    string
		cname   string
		attempt int
		want    string
	}{
		{"sandbox", runtime.SandboxName, 0, "klab_n1_default_web_POD_0_3f2a9c1e"},
		{"app after two restarts", "app", 2, "klab_n1_default_web_app_2_3f2a9c1e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := containerName("n1", pod, tt.cname, tt.attempt); got != tt.want {
				t.Errorf("containerName = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSandboxConfig(t *testing.T) {
	pod := fixturePod()
	cfg, host := sandboxConfig("n1", "kubelab/pause:latest", pod, "10.244.1.5")
	if cfg.Hostname != "web" || host.NetworkMode != "none" || host.IpcMode != container.IPCModeShareable {
		t.Errorf("hostname %q, network %q, ipc %q; want web, none, shareable", cfg.Hostname, host.NetworkMode, host.IpcMode)
	}
	if cfg.Labels[runtime.LabelPodIP] != "10.244.1.5" || cfg.Labels[runtime.LabelContainerName] != runtime.SandboxName {
		t.Errorf("labels = %v", cfg.Labels)
	}

	pod.Spec.HostNetwork = true
	cfg, host = sandboxConfig("n1", "kubelab/pause:latest", pod, "192.168.1.10")
	if cfg.Hostname != "" || host.NetworkMode != "host" {
		t.Errorf("hostNetwork: hostname %q, network %q; want none set, host", cfg.Hostname, host.NetworkMode)
	}
}

func TestAppConfig(t *testing.T) {
	pod := fixturePod()
	spec := &api.Container{
		Name:       "app",
		Image:      "kubelab/toolbox:latest",
		Command:    []string{"sh", "-c"},
		Args:       []string{"echo $GREETING"},
		WorkingDir: "/tmp",
		Resources: api.ResourceRequirements{Limits: api.ResourceList{
			"memory": api.MustParse("64Mi"),
			"cpu":    api.MustParse("250m"),
		}},
	}
	mounts := []mount.Mount{{Type: mount.TypeBind, Source: "/src", Target: "/data"}}
	cfg, host := appConfig("n1", runtime.ContainerConfig{
		Pod: pod, SandboxID: "docker://abc123", Container: spec, Attempt: 3, Env: []string{"GREETING=hi"},
	}, mounts)

	if !slices.Equal(cfg.Entrypoint, spec.Command) || !slices.Equal(cfg.Cmd, spec.Args) {
		t.Errorf("entrypoint %q cmd %q; want command %q args %q", cfg.Entrypoint, cfg.Cmd, spec.Command, spec.Args)
	}
	if cfg.WorkingDir != "/tmp" || !slices.Equal(cfg.Env, []string{"GREETING=hi"}) {
		t.Errorf("workingDir %q env %q", cfg.WorkingDir, cfg.Env)
	}
	if cfg.Labels[runtime.LabelAttempt] != "3" || cfg.Labels[runtime.LabelNode] != "n1" {
		t.Errorf("labels = %v", cfg.Labels)
	}
	if host.NetworkMode != "container:abc123" || host.IpcMode != "container:abc123" || host.PidMode != "" {
		t.Errorf("namespaces: network %q ipc %q pid %q; want the sandbox's network and ipc, a pid of its own",
			host.NetworkMode, host.IpcMode, host.PidMode)
	}
	if host.Memory != 64<<20 || host.MemorySwap != 64<<20 || host.NanoCPUs != 250_000_000 {
		t.Errorf("memory %d swap %d nanoCPUs %d", host.Memory, host.MemorySwap, host.NanoCPUs)
	}
	if host.LogConfig.Type != "json-file" || len(host.Mounts) != 1 {
		t.Errorf("log %q mounts %v", host.LogConfig.Type, host.Mounts)
	}
}

func TestFromInspect(t *testing.T) {
	const created, started, finished = "2026-01-02T03:04:05.5Z", "2026-01-02T03:04:06Z", "2026-01-02T03:04:09Z"
	labels := runtime.ContainerLabels("n1", fixturePod(), "app", 1, "")
	inspect := func(st container.State, l map[string]string) container.InspectResponse {
		return container.InspectResponse{
			ID: "abc", Created: created, Image: "sha256:feed", State: &st,
			Config: &container.Config{Image: "kubelab/kubia:latest", Labels: l},
		}
	}
	at := func(s string) time.Time { return parseTime(s) }
	const zero = "0001-01-01T00:00:00Z"
	tests := []struct {
		name   string
		in     container.InspectResponse
		wantOK bool
		want   runtime.Container // the fields that vary
	}{
		{
			name:   "running",
			in:     inspect(container.State{Running: true, StartedAt: started, FinishedAt: zero}, labels),
			wantOK: true,
			want:   runtime.Container{State: runtime.ContainerRunning, StartedAt: at(started)},
		},
		{
			name:   "exited",
			in:     inspect(container.State{ExitCode: 2, StartedAt: started, FinishedAt: finished}, labels),
			wantOK: true,
			want:   runtime.Container{State: runtime.ContainerExited, ExitCode: 2, StartedAt: at(started), FinishedAt: at(finished)},
		},
		{
			name:   "OOM killed",
			in:     inspect(container.State{ExitCode: 137, OOMKilled: true, StartedAt: started, FinishedAt: finished}, labels),
			wantOK: true,
			want: runtime.Container{State: runtime.ContainerExited, ExitCode: 137, Reason: "OOMKilled",
				StartedAt: at(started), FinishedAt: at(finished)},
		},
		{
			name:   "never started",
			in:     inspect(container.State{Status: "created", ExitCode: 127, Error: "exec: no such file", StartedAt: zero, FinishedAt: zero}, labels),
			wantOK: true,
			want: runtime.Container{State: runtime.ContainerExited, ExitCode: 128, Reason: "StartError",
				Message: "exec: no such file", FinishedAt: at(created)},
		},
		{
			name: "another node's",
			in:   inspect(container.State{Running: true}, runtime.ContainerLabels("n2", fixturePod(), "app", 1, "")),
		},
		{
			name: "not the kubelet's",
			in:   inspect(container.State{Running: true}, map[string]string{"maintainer": "someone"}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := fromInspect("n1", tt.in)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				return
			}
			want := tt.want
			want.ID, want.PodUID, want.PodNamespace, want.PodName, want.Name, want.Attempt =
				"docker://abc", fixturePod().UID, "default", "web", "app", 1
			want.Image, want.ImageID, want.CreatedAt = "kubelab/kubia:latest", "sha256:feed", at(created)
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestPodHostname(t *testing.T) {
	long := "a-very-long-pod-name-made-by-a-replicaset-of-a-deployment-with-a-long-name-x7k2p"
	tests := []struct {
		name      string
		pod, spec string
		want      string
	}{
		{"the pod's name", "web", "", "web"},
		{"spec.hostname wins", "web", "db-0", "db-0"},
		{"cut to 63 without a trailing dash", long, "", "a-very-long-pod-name-made-by-a-replicaset-of-a-deployment-with"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: tt.pod}, Spec: api.PodSpec{Hostname: tt.spec}}
			if got := podHostname(pod); got != tt.want {
				t.Errorf("podHostname = %q, want %q", got, tt.want)
			}
		})
	}
}
