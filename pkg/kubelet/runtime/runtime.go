package runtime

import (
	"context"
	"io"
	"time"

	"kubelab/pkg/api"
)

// Runtime runs the containers of this node's pods. It is the kubelet's one
// door to the outside world of processes: the fake runtime keeps containers
// in memory for simulated nodes, the Docker runtime drives dockerd. The
// pod workers never reach around it.
//
// Every method is about containers, never about pods: what a pod should
// look like is the kubelet's business, worked out from the API object and
// what ListContainers reports. That keeps a runtime a thin translation of
// these eight calls, and lets the kubelet forget everything on a restart and
// learn it again from ListContainers.
type Runtime interface {
	// Version names the runtime for the Node's
	// nodeInfo.containerRuntimeVersion ("fake://1", "docker://27.1.1"). The
	// kubelet also calls it once at start-up to fail early when the runtime
	// is not there.
	Version(ctx context.Context) (string, error)

	// ListContainers returns every container the kubelet made on this node,
	// sandboxes included, running or exited. It is the kubelet's only view
	// of actual state: pod status, restarts, clean-up after a restart and
	// the periodic relist all read it. A runtime finds its containers by
	// the labels it put on them (see the Label constants), so containers of
	// other programs, and of other simulated nodes sharing one Docker
	// engine, are left out.
	ListContainers(ctx context.Context) ([]Container, error)

	// ImagePresent says whether image is on the node, so the kubelet can
	// honour imagePullPolicy (Never: fail with ErrImageNeverPull rather
	// than wait for an image that will not come).
	ImagePresent(ctx context.Context, image string) (bool, error)

	// PullImage fetches image. It blocks until done; its error is shown to
	// the user as ErrImagePull, so it should say why.
	PullImage(ctx context.Context, image string) error

	// RunSandbox starts the pod's sandbox: the container that holds the
	// network namespace (and IPC) the pod's containers share. podIP is the
	// address the kubelet allocated; the runtime records it on the sandbox
	// (the Docker runtime as a label, with network mode none: the kubelet
	// wires eth0 itself afterwards).
	RunSandbox(ctx context.Context, pod *api.Pod, podIP string) (id string, err error)

	// StartContainer creates and starts one container of a pod in the
	// sandbox's namespaces. If it was created but could not start (no such
	// command, say), it stays listed as exited, with exit code 128 and
	// reason StartError, and an error is returned: restart policy and
	// back-off then apply to it as to any container that died. If nothing
	// was created, nothing is left behind.
	StartContainer(ctx context.Context, cfg ContainerConfig) (id string, err error)

	// StopContainer asks a container to stop (SIGTERM), waits up to grace,
	// then kills it (SIGKILL). Stopping a stopped container does nothing.
	StopContainer(ctx context.Context, id string, grace time.Duration) error

	// RemoveContainer deletes a stopped container and what it holds (its
	// log, its writable layer). Removing a container that is not there is
	// not an error.
	RemoveContainer(ctx context.Context, id string) error
}

// A runtime that runs real processes can do more than Runtime says. The
// kubelet asks for these optional capabilities by type assertion, as
// net/http asks a ResponseWriter whether it is an http.Flusher: the Docker
// runtime has them all, the FakeRuntime none (its pods have no processes
// to log, to exec in or to wire a network into).

// SandboxPIDer gives the host PID of a running sandbox's process, whose
// network namespace (/proc/<pid>/ns/net) the pod network wires eth0 into.
// A kubelet with a PodNetwork needs it.
type SandboxPIDer interface {
	SandboxPID(ctx context.Context, sandboxID string) (int, error)
}

// LogsExecer streams a container's output and runs commands in it: the
// kubelet's /pods/{ns}/{name}/log and /exec endpoints (`kctl logs`,
// `kctl exec`) and exec probes.
type LogsExecer interface {
	// Logs writes what the container printed, stdout and stderr
	// interleaved, to w: the last tail lines (tail < 0: all), and with
	// follow what it prints next, until it exits or ctx ends.
	Logs(ctx context.Context, containerID string, follow bool, tail int, w io.Writer) error
	// Exec runs cmd in the running container and returns its exit code.
	// stdin may be nil; stdout and stderr may be one writer.
	Exec(ctx context.Context, containerID string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) (int, error)
}

// PodDirRemover deletes what a runtime keeps on disk for a pod (its
// emptyDir volumes, its resolv.conf). The kubelet calls it once every
// container of the pod is removed: an emptyDir lives exactly as long as
// its pod.
type PodDirRemover interface {
	RemovePodDirs(podUID string) error
}

// TmpfsMounter puts a memory-backed filesystem on a directory of the
// node, where the kubelet writes a pod's Secret volumes, so that a
// Secret never reaches the node's disk (as in Kubernetes). A runtime
// whose containers see the host's mounts brings it; without one the
// files are written to the disk.
type TmpfsMounter interface {
	MountTmpfs(dir string) error
	UnmountTmpfs(dir string) error
}
