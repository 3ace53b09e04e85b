package docker

import (
	"fmt"
	"path/filepath"
	"strconv"
	"syscall"
)

// mountTmpfs mounts a tmpfs on dir unless one is there already (the
// pod's second container mounting the same volume). size 0 leaves the
// kernel's default, half the node's memory. The mount lives in the host's
// mount namespace, where dockerd finds it for its bind mounts: it
// outlives the kubelet, and RemovePodDirs takes it down.
func mountTmpfs(dir string, size int64) error {
	mounted, err := isMountPoint(dir)
	if err != nil || mounted {
		return err
	}
	data := "mode=0777"
	if size > 0 {
		data += ",size=" + strconv.FormatInt(size, 10)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, data); err != nil {
		return fmt.Errorf("mount a tmpfs on %s: %w", dir, err)
	}
	return nil
}

// unmountTmpfs undoes mountTmpfs; a directory with nothing mounted on it
// is left alone.
func unmountTmpfs(dir string) error {
	mounted, err := isMountPoint(dir)
	if err != nil || !mounted {
		return err
	}
	if err := syscall.Unmount(dir, 0); err != nil {
		return fmt.Errorf("unmount %s: %w", dir, err)
	}
	return nil
}

// isMountPoint reports whether something is mounted on dir: then dir is on
// another device than its parent.
func isMountPoint(dir string) (bool, error) {
	var st, parent syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return false, err
	}
	if err := syscall.Stat(filepath.Dir(dir), &parent); err != nil {
		return false, err
	}
	return st.Dev != parent.Dev, nil
}
