package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"kubelab/pkg/api"
)

// PrepareHostPath checks that path is what a hostPath volume's type says
// it is, making it for the OrCreate types, before a runtime bind-mounts
// it: Kubernetes' hostPath plugin does the same in its SetUp, with the
// same words, so that a wrong path is a FailedMount event and a pod
// waiting in ContainerCreating, not a container that fails to start:
//
//	hostPath type check failed: /srv/data is not a directory
//
// An empty type checks nothing. DirectoryOrCreate makes missing
// directories with perm (0755 for a hostPath volume; 0777 for the
// directory of a PersistentVolume, as k3s' local-path provisioner makes
// them, so that a container running as any user may write there);
// FileOrCreate makes an empty file (0644) and its parent directories.
func PrepareHostPath(path, typ string, perm fs.FileMode) error {
	fi, err := os.Stat(path)
	missing := errors.Is(err, fs.ErrNotExist)
	if err != nil && !missing {
		return fmt.Errorf("hostPath type check failed: %w", err)
	}
	switch typ {
	case api.HostPathUnset:
		return nil
	case api.HostPathDirectoryOrCreate:
		if missing {
			if err := os.MkdirAll(path, perm); err != nil {
				return err
			}
			return os.Chmod(path, perm) // past the umask
		}
		fallthrough
	case api.HostPathDirectory:
		if missing || !fi.IsDir() {
			return typeCheckFailed(path, "a directory")
		}
	case api.HostPathFileOrCreate:
		if missing {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			return f.Close()
		}
		fallthrough
	case api.HostPathFile:
		if missing || !fi.Mode().IsRegular() {
			return typeCheckFailed(path, "a file")
		}
	case api.HostPathSocket:
		if missing || fi.Mode().Type() != fs.ModeSocket {
			return typeCheckFailed(path, "a socket file")
		}
	case api.HostPathCharDev:
		if missing || fi.Mode().Type() != fs.ModeDevice|fs.ModeCharDevice {
			return typeCheckFailed(path, "a character device")
		}
	case api.HostPathBlockDev:
		if missing || fi.Mode().Type() != fs.ModeDevice {
			return typeCheckFailed(path, "a block device")
		}
	default:
		return fmt.Errorf("hostPath type check failed: unknown type %q", typ) // validation refuses it first
	}
	return nil
}

func typeCheckFailed(path, what string) error {
	return fmt.Errorf("hostPath type check failed: %s is not %s", path, what)
}
