package runtime

import (
	"time"

	"kubelab/pkg/api"
)

// ContainerState is whether a container is running.
type ContainerState string

// Container states. A runtime reports a container that was created but
// never started as exited.
const (
	ContainerRunning ContainerState = "running"
	ContainerExited  ContainerState = "exited"
)

// SandboxName is the Name of a pod's sandbox container.
const SandboxName = "POD"

// Container is one container as the runtime reports it.
type Container struct {
	// ID is unique on the node and names the runtime: "fake://n1-7",
	// "docker://4f1c…". It is what pod status shows as containerID.
	ID string

	// Whose container it is, from the labels the runtime put on it.
	PodUID       string
	PodNamespace string
	PodName      string
	Name         string // the container's name in the pod spec, or SandboxName
	Attempt      int    // 0 for the first run of this container in this pod, +1 for each restart

	Image   string // as the pod spec names it
	ImageID string // what the runtime resolved it to
	PodIP   string // set on the sandbox

	State     ContainerState
	ExitCode  int32
	Reason    string // the runtime's word for an exit (OOMKilled, StartError); "" for an ordinary one
	Message   string
	CreatedAt time.Time
	// StartedAt and FinishedAt are zero until the container started and
	// exited.
	StartedAt  time.Time
	FinishedAt time.Time
}

// IsSandbox reports whether c is a pod's sandbox.
func (c *Container) IsSandbox() bool { return c.Name == SandboxName }

// PodKey is the key of c's pod in the informer and the queue.
func (c *Container) PodKey() string { return c.PodNamespace + "/" + c.PodName }

// ContainerConfig is everything a runtime needs to start one container: the
// kubelet resolves what needs the API (environment from fields and
// Services, DNS from the node's settings) so that a runtime never talks to
// the apiserver.
type ContainerConfig struct {
	Pod       *api.Pod
	SandboxID string
	Container *api.Container // from the pod spec, with $(VAR) in command and args expanded
	Attempt   int            // restart attempt, recorded as a label
	Env       []string       // resolved, "NAME=value": the kubernetes Service's, then the spec's in its order
	PodIP     string

	// ResolvConf is the text of the container's /etc/resolv.conf, worked
	// out from the pod's dnsPolicy and dnsConfig (see
	// kubelet.ResolvConfFor). A runtime gives every app container exactly
	// this file, even an empty one, and never its own copy of the node's:
	// a pod's name lookups go where its DNS policy says, not to the host's
	// resolver.
	ResolvConf string

	// VolumeDirs are the node's directories the kubelet filled for the
	// pod's volumes from the API (configMap, secret, downwardAPI and
	// projected: ServiceAccount token, ConfigMap and Secret keys, pod
	// fields), by volume name. A runtime bind-mounts each,
	// always read-only, where the container's volumeMounts say. The
	// kubelet updates the files while the container runs (a refreshed
	// token), so a runtime mounts the directory itself, never a copy.
	// For a persistentVolumeClaim volume it is the path of the claim's
	// bound PersistentVolume, checked or made as its type says; that one
	// is read-only only if the volume or the mount says so.
	VolumeDirs map[string]string
}
