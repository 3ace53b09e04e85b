package docker

import (
	"os"
	goruntime "runtime"

	"kubelab/pkg/kubelet/runtime"
)

var _ runtime.TmpfsMounter = (*Runtime)(nil)

// MountTmpfs implements runtime.TmpfsMounter: the kubelet writes a pod's
// Secret volumes into a tmpfs, as Kubernetes does, so that no Secret is
// ever on the node's disk. Docker's containers see the host's mounts, so
// the bind mount of the volume carries the tmpfs into the container. The
// directory is the kubelet's alone (0755, files as the volume's modes
// say). Off Linux (Docker in a VM this process cannot mount into) the
// files stay on disk.
func (r *Runtime) MountTmpfs(dir string) error {
	if goruntime.GOOS != "linux" {
		return nil
	}
	if err := mountTmpfs(dir, 0); err != nil {
		return err
	}
	return os.Chmod(dir, 0o755)
}

// UnmountTmpfs implements runtime.TmpfsMounter; a directory with no
// tmpfs is left alone.
func (r *Runtime) UnmountTmpfs(dir string) error { return unmountTmpfs(dir) }
