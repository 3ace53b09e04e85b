package kubelet

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// Volumes that are paths of the node: hostPath volumes, and the
// PersistentVolumes that persistentVolumeClaim volumes lead to (kubelab's
// volumes are all directories of a node: hostPath or local, such as the
// local-path provisioner makes). Before a pod's containers start, the
// kubelet follows each claim to its volume,
//
//	claim default/data ── Bound, volumeName ──▶ PV pvc-7f3c… ── hostPath ──▶ /var/lib/kubelab/local-path/pvc-7f3c…_default_data
//
// checks (or makes) every such path as its hostPath type says, and hands
// the runtime the claim volumes' paths in ContainerConfig.VolumeDirs,
// which bind-mounts them (read-only if the pod's volume or the mount
// says so). A claim that is missing or not bound yet keeps the pod in
// ContainerCreating, with a FailedMount event in Kubernetes' words, and
// the kubelet tries again with a back-off:
//
//	Unable to attach or mount volumes: unmounted volumes=[data]: error processing PVC default/data: PVC is not bound
//
// A claim is followed once per pod: its volume does not change under a
// running pod. Nothing here ever removes a volume's directory: its data
// outlives the pod, and only the volume's own deletion removes it
// (localpath.go).
//
// On the fake runtime (simulated nodes) claims are followed all the same,
// so a pod waits for its claim as on a real node, but no path is checked
// or made: its containers mount nothing, and a simulated node's volumes
// exist only as API objects.

// claimAPI is what the kubelet reads to follow a claim. The node
// authorizer lets it get the claims of its pods and the volumes.
type claimAPI interface {
	GetPersistentVolumeClaim(ctx context.Context, namespace, name string) (*api.PersistentVolumeClaim, error)
	GetPersistentVolume(ctx context.Context, name string) (*api.PersistentVolume, error)
}

// Directory modes: a hostPath DirectoryOrCreate as Kubernetes makes it; a
// PersistentVolume's directory writable by anyone, as k3s' local-path does.
const (
	hostPathDirMode fs.FileMode = 0o755
	claimDirMode    fs.FileMode = 0o777
)

// hostVolumes sets up the hostPath and persistentVolumeClaim volumes of
// this node's pods.
type hostVolumes struct {
	api     claimAPI
	prepare func(path, typ string, perm fs.FileMode) error // runtime.PrepareHostPath; nil on the fake runtime
	events  eventRecorder
	now     func() time.Time

	failures *backoff // by "uid/", while a pod's volumes cannot be set up

	mu    sync.Mutex
	ready map[string]map[string]string // pod UID → claim volume name → the path to mount
}

func newHostVolumes(a claimAPI, prepare func(string, string, fs.FileMode) error, events eventRecorder, now func() time.Time) *hostVolumes {
	return &hostVolumes{api: a, prepare: prepare, events: events, now: now,
		failures: newBackoff(mountRetryInitial, mountRetryMax), ready: map[string]map[string]string{}}
}

// setUpVolumes sets up every volume of pod that needs it before its
// containers start: the error says why they may not start yet, and retry
// when to try again; without an error, retry is when a projected volume
// is due again (0: none).
func (w *podWorkers) setUpVolumes(ctx context.Context, pod *api.Pod) (retry time.Duration, err error) {
	if w.volumes != nil {
		if retry, err = w.volumes.setUp(ctx, pod); err != nil {
			return retry, err
		}
	}
	if w.hostVolumes != nil {
		if wait, err := w.hostVolumes.setUp(ctx, pod); err != nil {
			return wait, err
		}
	}
	return retry, nil
}

// setUp follows pod's claims and checks its paths, once per pod.
func (v *hostVolumes) setUp(ctx context.Context, pod *api.Pod) (time.Duration, error) {
	v.mu.Lock()
	_, done := v.ready[pod.UID]
	v.mu.Unlock()
	if done {
		return 0, nil
	}
	paths := map[string]string{}
	for i := range pod.Spec.Volumes {
		if err := v.setUpVolume(ctx, pod, &pod.Spec.Volumes[i], paths); err != nil {
			v.events.Eventf(pod, api.EventWarning, "FailedMount", "%v", err)
			key := pod.UID + "/"
			v.failures.next(key, v.now())
			return v.failures.delay(key), err
		}
	}
	v.failures.forget(pod.UID + "/")
	v.mu.Lock()
	v.ready[pod.UID] = paths
	v.mu.Unlock()
	return 0, nil
}

func (v *hostVolumes) setUpVolume(ctx context.Context, pod *api.Pod, vol *api.Volume, paths map[string]string) error {
	var path, typ string
	perm := hostPathDirMode
	switch {
	case vol.HostPath != nil:
		path, typ = vol.HostPath.Path, vol.HostPath.Type
	case vol.PersistentVolumeClaim != nil:
		var err error
		if path, typ, err = v.follow(ctx, pod.Namespace, vol.PersistentVolumeClaim.ClaimName); err != nil {
			return fmt.Errorf("Unable to attach or mount volumes: unmounted volumes=[%s]: error processing PVC %s/%s: %w",
				vol.Name, pod.Namespace, vol.PersistentVolumeClaim.ClaimName, err)
		}
		paths[vol.Name] = path
		perm = claimDirMode
	default:
		return nil
	}
	if v.prepare == nil {
		return nil
	}
	if err := v.prepare(path, typ, perm); err != nil {
		return fmt.Errorf("MountVolume.SetUp failed for volume %q : %w", vol.Name, err)
	}
	return nil
}

// follow finds the path behind a claim: its bound PersistentVolume's
// hostPath (with its type) or local path (a directory that must exist).
func (v *hostVolumes) follow(ctx context.Context, namespace, name string) (path, typ string, err error) {
	claim, err := v.api.GetPersistentVolumeClaim(ctx, namespace, name)
	if err != nil {
		return "", "", fmt.Errorf("failed to fetch PVC from API server: %w", err)
	}
	if claim.Status.Phase != api.ClaimBound {
		return "", "", errors.New("PVC is not bound")
	}
	if claim.Spec.VolumeName == "" {
		return "", "", errors.New("PVC has empty pvc.Spec.VolumeName")
	}
	pv, err := v.api.GetPersistentVolume(ctx, claim.Spec.VolumeName)
	if err != nil {
		return "", "", fmt.Errorf("failed to fetch PV %s from API server: %w", claim.Spec.VolumeName, err)
	}
	if ref := pv.Spec.ClaimRef; ref == nil || ref.Namespace != namespace || ref.Name != name || ref.UID != "" && ref.UID != claim.UID {
		return "", "", fmt.Errorf("PV %s is not bound to this claim", pv.Name)
	}
	switch {
	case pv.Spec.HostPath != nil:
		return pv.Spec.HostPath.Path, pv.Spec.HostPath.Type, nil
	case pv.Spec.Local != nil:
		return pv.Spec.Local.Path, api.HostPathDirectory, nil
	}
	return "", "", fmt.Errorf("PV %s has no hostPath or local source, the only ones kubelab mounts", pv.Name)
}

// claimVolumeDirs adds the paths of pod's claim volumes to dirs, the
// runtime's VolumeDirs, and returns it.
func (w *podWorkers) claimVolumeDirs(pod *api.Pod, dirs map[string]string) map[string]string {
	if w.hostVolumes == nil {
		return dirs
	}
	w.hostVolumes.mu.Lock()
	defer w.hostVolumes.mu.Unlock()
	for name, path := range w.hostVolumes.ready[pod.UID] {
		if dirs == nil {
			dirs = map[string]string{}
		}
		dirs[name] = path
	}
	return dirs
}

// forget drops what was worked out for the pod with uid, once it is gone.
// The volumes' paths stay as they are.
func (v *hostVolumes) forget(uid string) {
	v.mu.Lock()
	delete(v.ready, uid)
	v.mu.Unlock()
	v.failures.forget(uid + "/")
}

// hostPathPreparer is how the kubelet checks paths on a runtime of real
// containers; nil on the fake runtime, which mounts nothing.
func hostPathPreparer(rt runtime.Runtime) func(string, string, fs.FileMode) error {
	if isFake(rt) {
		return nil
	}
	return runtime.PrepareHostPath
}

func (a clientAPI) GetPersistentVolumeClaim(ctx context.Context, namespace, name string) (*api.PersistentVolumeClaim, error) {
	obj, err := a.resource("persistentvolumeclaims").Namespace(namespace).Get(ctx, name)
	if err != nil {
		return nil, err
	}
	return obj.(*api.PersistentVolumeClaim), nil
}

func (a clientAPI) GetPersistentVolume(ctx context.Context, name string) (*api.PersistentVolume, error) {
	obj, err := a.resource("persistentvolumes").Get(ctx, name)
	if err != nil {
		return nil, err
	}
	return obj.(*api.PersistentVolume), nil
}

var _ claimAPI = clientAPI{}
