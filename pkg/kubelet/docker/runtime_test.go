package docker

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

func TestPodListedWithIdentity(t *testing.T) {
	r := testRuntime(t)
	ctx := t.Context()
	if v, err := r.Version(ctx); err != nil || !strings.HasPrefix(v, "docker://") {
		t.Errorf("Version = %q, %v; want docker://<engine version>", v, err)
	}
	pod := newPod("web")
	sandbox := runSandbox(t, r, pod)
	app := start(t, r, pod, sandbox, api.Container{Name: "app", Image: kubiaImage})

	cs, err := r.ListContainers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].ID != sandbox || cs[1].ID != app {
		t.Fatalf("ListContainers = %+v; want the sandbox %s, then app %s", cs, sandbox, app)
	}
	for _, c := range cs {
		if c.State != runtime.ContainerRunning || c.PodUID != pod.UID || c.PodNamespace != "default" ||
			c.PodName != "web" || c.Attempt != 0 || c.StartedAt.IsZero() || !strings.HasPrefix(c.ImageID, "sha256:") {
			t.Errorf("container %s: %+v", c.Name, c)
		}
	}
	if sb := cs[0]; sb.Name != runtime.SandboxName || !sb.IsSandbox() || sb.PodIP != "10.244.99.7" || sb.Image != DefaultPauseImage {
		t.Errorf("sandbox: %+v", sb)
	}
	if c := cs[1]; c.Name != "app" || c.Image != kubiaImage {
		t.Errorf("app: %+v", c)
	}

	// The kubelet enters the sandbox's network namespace through its PID.
	pid, err := r.SandboxPID(ctx, sandbox)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid), "ns", "net")); err != nil {
		t.Errorf("SandboxPID = %d: %v", pid, err)
	}
	in, err := r.docker.ContainerInspect(ctx, dockerID(app), client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "/" + containerName(r.node, pod, "app", 0); in.Container.Name != want {
		t.Errorf("docker name %q, want %q", in.Container.Name, want)
	}
}

func TestContainersOfAPodShareLocalhost(t *testing.T) {
	r := testRuntime(t)
	pod := newPod("web")
	sandbox := runSandbox(t, r, pod)
	start(t, r, pod, sandbox, api.Container{Name: "kubia", Image: kubiaImage})
	// kubia needs a moment to listen; the client tries for up to 5 s.
	wget := start(t, r, pod, sandbox, toolbox("wget",
		`for i in $(seq 50); do wget -qO- http://127.0.0.1:8080/ && exit 0; sleep 0.1; done; exit 1`))

	c := waitExited(t, r, wget)
	out := logs(t, r, wget)
	if c.ExitCode != 0 || !strings.Contains(out, "You've hit web") {
		t.Errorf("wget exited %d with %q; want 0 and kubia's answer", c.ExitCode, out)
	}
}

func TestLogs(t *testing.T) {
	r := testRuntime(t)
	ctx := t.Context()
	pod := newPod("logs")
	sandbox := runSandbox(t, r, pod)
	id := start(t, r, pod, sandbox, toolbox("talker", `echo one; sleep 0.1; echo two >&2; sleep 0.4; echo three`))

	// follow returns when the container exits, with what it printed meanwhile
	var b bytes.Buffer
	if err := r.Logs(ctx, id, true, -1, &b); err != nil || b.String() != "one\ntwo\nthree\n" {
		t.Errorf("Logs(follow) = %q, %v; want stdout and stderr as they came", b.String(), err)
	}
	b.Reset()
	if err := r.Logs(ctx, id, false, 1, &b); err != nil || b.String() != "three\n" {
		t.Errorf("Logs(tail 1) = %q, %v", b.String(), err)
	}
}

func TestExec(t *testing.T) {
	r := testRuntime(t)
	ctx := t.Context()
	pod := newPod("shell")
	sandbox := runSandbox(t, r, pod)
	id := start(t, r, pod, sandbox, api.Container{Name: "sh", Image: toolboxImage, Command: []string{"sleep", "3600"}})

	tests := []struct {
		name             string
		cmd              []string
		stdin            string
		wantCode         int
		wantOut, wantErr string
	}{
		{name: "echo", cmd: []string{"echo", "hi"}, wantOut: "hi\n"},
		{name: "stdin", cmd: []string{"cat"}, stdin: "from stdin\n", wantOut: "from stdin\n"},
		{name: "stderr and exit code", cmd: []string{"sh", "-c", "echo oops >&2; exit 3"}, wantCode: 3, wantErr: "oops\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			var stdin io.Reader // nil: no stdin
			if tt.stdin != "" {
				stdin = strings.NewReader(tt.stdin)
			}
			code, err := r.Exec(ctx, id, tt.cmd, stdin, &stdout, &stderr)
			if err != nil || code != tt.wantCode || stdout.String() != tt.wantOut || stderr.String() != tt.wantErr {
				t.Errorf("Exec = %d, %v, stdout %q, stderr %q; want %d, stdout %q, stderr %q",
					code, err, stdout.String(), stderr.String(), tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
}

func TestStopContainer(t *testing.T) {
	r := testRuntime(t)
	ctx := t.Context()
	pod := newPod("stop")
	sandbox := runSandbox(t, r, pod)
	kubia := start(t, r, pod, sandbox, api.Container{Name: "kubia", Image: kubiaImage})
	// sleep as PID 1 ignores SIGTERM: only the SIGKILL after the grace
	// period ends it.
	sleeper := start(t, r, pod, sandbox, api.Container{Name: "sleeper", Image: toolboxImage, Command: []string{"sleep", "3600"}})

	begin := time.Now()
	if err := r.StopContainer(ctx, kubia, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took > 5*time.Second {
		t.Errorf("kubia took %s to stop; it should leave on SIGTERM", took)
	}
	if c, _ := find(t, r, kubia); c.State != runtime.ContainerExited {
		t.Errorf("kubia after stop: %+v", c)
	}

	begin = time.Now()
	if err := r.StopContainer(ctx, sleeper, time.Second); err != nil {
		t.Fatal(err)
	}
	took := time.Since(begin)
	c, _ := find(t, r, sleeper)
	if c.State != runtime.ContainerExited || c.ExitCode != 137 || took < time.Second || took > 5*time.Second {
		t.Errorf("sleeper stopped in %s as %+v; want killed (137) after the 1s grace", took, c)
	}
	if err := r.StopContainer(ctx, sleeper, time.Second); err != nil {
		t.Errorf("stopping a stopped container: %v", err)
	}
}

func TestStartError(t *testing.T) {
	r := testRuntime(t)
	pod := newPod("bad")
	sandbox := runSandbox(t, r, pod)
	id, err := r.StartContainer(t.Context(), runtime.ContainerConfig{
		Pod: pod, SandboxID: sandbox, Container: &api.Container{Name: "bad", Image: toolboxImage, Command: []string{"/no/such/command"}},
	})
	if err == nil || id == "" {
		t.Fatalf("StartContainer = %q, %v; want the container's ID and an error", id, err)
	}
	c, ok := find(t, r, id)
	if !ok || c.State != runtime.ContainerExited || c.ExitCode != 128 || c.Reason != "StartError" ||
		!strings.Contains(c.Message, "/no/such/command") || c.FinishedAt.IsZero() {
		t.Errorf("listed as %+v; want exited, 128, StartError with the engine's message", c)
	}
}

func TestMissingImage(t *testing.T) {
	r := testRuntime(t)
	ctx := t.Context()
	// A registry on a closed local port: the pull fails at once and no
	// packet leaves the host.
	const missing = "127.0.0.1:1/kubelab/missing:latest"
	if ok, err := r.ImagePresent(ctx, missing); ok || err != nil {
		t.Errorf("ImagePresent(%s) = %v, %v; want false", missing, ok, err)
	}
	if err := r.PullImage(ctx, missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("PullImage = %v; want an error naming %s", err, missing)
	}
	pod := newPod("missing")
	sandbox := runSandbox(t, r, pod)
	id, err := r.StartContainer(ctx, runtime.ContainerConfig{
		Pod: pod, SandboxID: sandbox, Container: &api.Container{Name: "app", Image: missing},
	})
	if err == nil || id != "" {
		t.Errorf("StartContainer = %q, %v; want no container and an error", id, err)
	}
	if cs, _ := r.ListContainers(ctx); len(cs) != 1 {
		t.Errorf("after a failed create: %+v; want the sandbox alone", cs)
	}
}

func TestVolumes(t *testing.T) {
	r := testRuntime(t)
	hostDir := t.TempDir()
	pod := newPod("vols",
		api.Volume{Name: "data", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}},
		api.Volume{Name: "mem", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{Medium: "Memory"}}},
		api.Volume{Name: "host", VolumeSource: api.VolumeSource{HostPath: &api.HostPathVolumeSource{Path: hostDir}}},
	)
	sandbox := runSandbox(t, r, pod)

	writer := toolbox("writer", `echo disk > /data/msg && echo ram > /mem/msg && echo sub > /sub/msg && echo host > /host/msg`)
	writer.VolumeMounts = []api.VolumeMount{
		{Name: "data", MountPath: "/data"}, {Name: "mem", MountPath: "/mem"},
		{Name: "data", MountPath: "/sub", SubPath: "deeper/dir"}, {Name: "host", MountPath: "/host"},
	}
	if c := waitExited(t, r, start(t, r, pod, sandbox, writer)); c.ExitCode != 0 {
		t.Fatalf("writer exited %d", c.ExitCode)
	}

	reader := toolbox("reader", `cat /data/msg /mem/msg /data/deeper/dir/msg; grep -q " /mem tmpfs" /proc/mounts && echo tmpfs; touch /data/x 2>/dev/null || echo read-only`)
	reader.VolumeMounts = []api.VolumeMount{{Name: "data", MountPath: "/data", ReadOnly: true}, {Name: "mem", MountPath: "/mem"}}
	id := start(t, r, pod, sandbox, reader)
	waitExited(t, r, id)
	if got, want := logs(t, r, id), "disk\nram\nsub\ntmpfs\nread-only\n"; got != want {
		t.Errorf("reader printed %q, want %q", got, want)
	}
	if b, err := os.ReadFile(filepath.Join(hostDir, "msg")); err != nil || string(b) != "host\n" {
		t.Errorf("hostPath file: %q, %v", b, err)
	}

	// Once the containers are gone, the pod's directory goes, tmpfs and all.
	for _, c := range mustList(t, r) {
		if err := r.RemoveContainer(t.Context(), c.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.RemovePodDirs(pod.UID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.podDir(pod.UID)); !os.IsNotExist(err) {
		t.Errorf("pod dir after RemovePodDirs: %v", err)
	}
}

func TestLimitsEnvAndArgs(t *testing.T) {
	r := testRuntime(t)
	ctx := t.Context()
	pod := newPod("limits")
	sandbox := runSandbox(t, r, pod)
	c := api.Container{
		Name: "app", Image: toolboxImage,
		Command: []string{"sh", "-c"}, Args: []string{`echo "$GREETING from $(pwd)"`},
		WorkingDir: "/tmp",
		Resources: api.ResourceRequirements{Limits: api.ResourceList{
			"memory": api.MustParse("64Mi"), "cpu": api.MustParse("500m"),
		}},
	}
	id, err := r.StartContainer(ctx, runtime.ContainerConfig{Pod: pod, SandboxID: sandbox, Container: &c, Env: []string{"GREETING=hello"}})
	if err != nil {
		t.Fatal(err)
	}
	waitExited(t, r, id)
	if got := logs(t, r, id); got != "hello from /tmp\n" {
		t.Errorf("printed %q; want command, args, env and workingDir applied", got)
	}
	in, err := r.docker.ContainerInspect(ctx, dockerID(id), client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := in.Container.HostConfig; h.Memory != 64<<20 || h.NanoCPUs != 500_000_000 || h.CPUShares != 512 {
		t.Errorf("HostConfig memory %d nanoCPUs %d shares %d; want 64Mi, half a CPU and 512 shares", h.Memory, h.NanoCPUs, h.CPUShares)
	}
}

func TestRemoveMissingContainer(t *testing.T) {
	r := testRuntime(t)
	const gone = "docker://0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if err := r.RemoveContainer(t.Context(), gone); err != nil {
		t.Errorf("RemoveContainer of a missing container: %v", err)
	}
	if err := r.StopContainer(t.Context(), gone, time.Second); err != nil {
		t.Errorf("StopContainer of a missing container: %v", err)
	}
}

func mustList(t *testing.T, r *Runtime) []runtime.Container {
	t.Helper()
	cs, err := r.ListContainers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return cs
}
