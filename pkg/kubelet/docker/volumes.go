package docker

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/moby/moby/api/types/mount"

	"kubelab/pkg/api"
)

// mounts returns the bind mounts of container c of pod, making the
// directories behind them as needed. Every volume is a directory on the
// node; two containers that mount the same emptyDir share it because they
// are handed the same directory. A volume from the API (configMap,
// secret, downwardAPI, projected) is a directory the kubelet filled
// (filled, by volume name): it is mounted read-only whatever the
// volumeMount says, as Kubernetes mounts its API volumes, since the
// kubelet's files are not the container's to change.
//
// A subPath mounts one file or directory of the volume. Of a volume from
// the API it is one of the kubelet's files, through its link into the
// current version: the bind mount holds that version's file, so the
// container keeps it as it was when it started, as in Kubernetes.
func (r *Runtime) mounts(pod *api.Pod, c *api.Container, filled map[string]string) ([]mount.Mount, error) {
	var out []mount.Mount
	for _, vm := range c.VolumeMounts {
		v := findVolume(pod, vm.Name)
		if v == nil {
			return nil, fmt.Errorf("volume %q is not in the pod's volumes", vm.Name)
		}
		src, err := r.volumePath(pod, v, filled)
		if err != nil {
			return nil, fmt.Errorf("volume %q: %w", vm.Name, err)
		}
		if vm.SubPath != "" {
			if !filepath.IsLocal(vm.SubPath) { // validation says so too; a mount must not escape its volume
				return nil, fmt.Errorf("volume %q: subPath %q must be a relative path inside the volume", vm.Name, vm.SubPath)
			}
			src = filepath.Join(src, vm.SubPath)
			if fromAPI(v) {
				// One of the kubelet's files: it is there, or the container
				// cannot have it.
				if _, err := os.Stat(src); err != nil {
					return nil, fmt.Errorf("volume %q: subPath %q: %w", vm.Name, vm.SubPath, err)
				}
			} else if err := os.MkdirAll(src, 0o755); err != nil {
				return nil, fmt.Errorf("volume %q: %w", vm.Name, err)
			}
		}
		readOnly := vm.ReadOnly || fromAPI(v) || v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ReadOnly
		out = append(out, mount.Mount{Type: mount.TypeBind, Source: src, Target: vm.MountPath, ReadOnly: readOnly})
	}
	return out, nil
}

// fromAPI reports whether v is a volume the kubelet writes from the API.
func fromAPI(v *api.Volume) bool {
	return v.Projected != nil || v.ConfigMap != nil || v.Secret != nil || v.DownwardAPI != nil
}

func findVolume(pod *api.Pod, name string) *api.Volume {
	for i := range pod.Spec.Volumes {
		if pod.Spec.Volumes[i].Name == name {
			return &pod.Spec.Volumes[i]
		}
	}
	return nil
}

// volumePath returns the node's directory (or file) behind volume v,
// ready to be mounted.
func (r *Runtime) volumePath(pod *api.Pod, v *api.Volume, filled map[string]string) (string, error) {
	switch {
	case v.EmptyDir != nil:
		return r.emptyDir(pod.UID, v.Name, v.EmptyDir)
	case v.HostPath != nil:
		return hostPath(v.HostPath)
	case fromAPI(v):
		dir, ok := filled[v.Name]
		if !ok {
			return "", errors.New("the kubelet has not written this volume's files")
		}
		return dir, nil
	case v.PersistentVolumeClaim != nil:
		// The bound volume's path, which the kubelet found and checked
		// (or made) before the pod's containers start.
		dir, ok := filled[v.Name]
		if !ok {
			return "", errors.New("the kubelet has not found this claim's volume")
		}
		return dir, nil
	default:
		return "", errors.New("this volume type is not supported by the docker runtime")
	}
}

// emptyDir makes the volume's directory under the pod's directory. It is
// writable by any user, as in Kubernetes, since the image decides who its
// process runs as. Medium Memory puts a tmpfs there, sized by sizeLimit.
func (r *Runtime) emptyDir(podUID, name string, src *api.EmptyDirVolumeSource) (string, error) {
	dir := filepath.Join(r.podDir(podUID), "volumes", name)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return "", err
	}
	if src.Medium == "Memory" {
		var size int64
		if src.SizeLimit != nil {
			size = src.SizeLimit.Value()
		}
		if err := mountTmpfs(dir, size); err != nil {
			return "", err
		}
	}
	return dir, os.Chmod(dir, 0o777) // past the umask, and the root of a fresh tmpfs
}

// hostPath returns the node's path, creating it when the type asks for it.
// With no type a missing path becomes a directory, as containerd's CRI
// does; the other types (Directory, File, Socket …) must exist, and
// Docker says so when they do not.
func hostPath(h *api.HostPathVolumeSource) (string, error) {
	_, err := os.Stat(h.Path)
	missing := errors.Is(err, fs.ErrNotExist)
	switch {
	case missing && (h.Type == "" || h.Type == "DirectoryOrCreate"):
		return h.Path, os.MkdirAll(h.Path, 0o755)
	case missing && h.Type == "FileOrCreate":
		if err := os.MkdirAll(filepath.Dir(h.Path), 0o755); err != nil {
			return "", err
		}
		f, err := os.OpenFile(h.Path, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return "", err
		}
		return h.Path, f.Close()
	}
	return h.Path, nil
}

// podDir is where the pod's volumes and resolv.conf live: <root>/pods/<uid>.
func (r *Runtime) podDir(uid string) string { return filepath.Join(r.rootDir, "pods", uid) }

// RemovePodDirs deletes the pod's directory with its emptyDir volumes and
// its resolv.conf, unmounting the tmpfs of medium Memory volumes and of
// the kubelet's Secret volumes (volumes/kubernetes.io~secret/<name>)
// first.
// The kubelet calls it once the pod's containers are all removed (a
// container still running would keep its files). A pod that never had
// volumes is fine.
func (r *Runtime) RemovePodDirs(uid string) error {
	if uid == "" || !filepath.IsLocal(uid) || filepath.Base(uid) != uid {
		return fmt.Errorf("remove pod dirs: bad pod uid %q", uid)
	}
	dir := r.podDir(uid)
	vols, err := os.ReadDir(filepath.Join(dir, "volumes"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove pod dirs: %w", err)
	}
	for _, v := range vols {
		vdir := filepath.Join(dir, "volumes", v.Name())
		if err := unmountTmpfs(vdir); err != nil {
			return fmt.Errorf("remove pod dirs: %w", err)
		}
		if v.Name() != "kubernetes.io~secret" {
			continue
		}
		secrets, _ := os.ReadDir(vdir)
		for _, s := range secrets {
			if err := unmountTmpfs(filepath.Join(vdir, s.Name())); err != nil {
				return fmt.Errorf("remove pod dirs: %w", err)
			}
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove pod dirs: %w", err)
	}
	return nil
}
