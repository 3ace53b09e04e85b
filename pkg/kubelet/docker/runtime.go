package docker

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/client"
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// Defaults of the options New takes.
const (
	DefaultPauseImage = "kubelab/pause:latest"
	DefaultRootDir    = "/var/lib/kubelab/kubelet"
)

// idPrefix starts every container ID this runtime hands out, so that pod
// status names the runtime (containerID: docker://4f1c…) as Kubernetes does.
const idPrefix = "docker://"

// Runtime is a runtime.Runtime over a Docker Engine. It keeps no state of
// its own: Docker's containers and their labels are the state. (It only
// remembers what inspecting them said, so as to ask less often.)
type Runtime struct {
	node       string
	pauseImage string
	rootDir    string
	docker     *client.Client
	log        *zap.Logger

	mu          sync.Mutex
	inspections map[string]inspected // by Docker ID: ListContainers' memory, see there
}

var _ runtime.Runtime = (*Runtime)(nil)

// Option changes a default of New.
type Option func(*Runtime)

// WithPauseImage makes sandboxes run image instead of DefaultPauseImage.
func WithPauseImage(image string) Option { return func(r *Runtime) { r.pauseImage = image } }

// WithRootDir keeps the pods' emptyDir volumes under dir instead of
// DefaultRootDir.
func WithRootDir(dir string) Option { return func(r *Runtime) { r.rootDir = dir } }

// New connects to the Docker Engine named by the environment (DOCKER_HOST,
// else the default socket) for the node nodeName. It fails when the engine
// does not answer, so a kubelet without Docker stops at once with a clear
// message. The API version is negotiated: the client speaks the engine's
// version when that is older than its own.
func New(nodeName string, log *zap.Logger, opts ...Option) (*Runtime, error) {
	c, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		c.Close()
		return nil, fmt.Errorf("connect to docker at %s: %w", c.DaemonHost(), err)
	}
	r := &Runtime{
		node:       nodeName,
		pauseImage: DefaultPauseImage,
		rootDir:    DefaultRootDir,
		docker:     c,
		log:        log,
	}
	for _, o := range opts {
		o(r)
	}
	log.Info("connected to docker", zap.String("host", c.DaemonHost()), zap.String("apiVersion", c.ClientVersion()))
	return r, nil
}

// Close closes the connection to the engine. Containers keep running.
func (r *Runtime) Close() error { return r.docker.Close() }

// Version implements runtime.Runtime: "docker://20.10.24".
func (r *Runtime) Version(ctx context.Context) (string, error) {
	v, err := r.docker.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return "", fmt.Errorf("docker version: %w", err)
	}
	return idPrefix + v.Version, nil
}

// dockerID turns the ID the kubelet holds ("docker://4f1c…") back into
// Docker's. A bare Docker ID or name passes unchanged.
func dockerID(id string) string { return strings.TrimPrefix(id, idPrefix) }

// containerName is the Docker name of container name (runtime.SandboxName
// for the sandbox) of pod, readable in `docker ps` and unique on the
// engine: the node tells simulated nodes apart, the attempt tells restarts
// apart, and a piece of the pod's UID tells a pod from an earlier pod of
// the same name.
func containerName(node string, pod *api.Pod, name string, attempt int) string {
	uid := pod.UID
	if len(uid) > 8 {
		uid = uid[:8]
	}
	return strings.Join([]string{"klab", node, pod.Namespace, pod.Name, name, strconv.Itoa(attempt), uid}, "_")
}
