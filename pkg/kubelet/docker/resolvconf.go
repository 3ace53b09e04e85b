package docker

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/moby/moby/api/types/mount"
)

// Left to itself, Docker gives every container a copy of the node's
// /etc/resolv.conf, so a pod's name lookups would go to the node's
// resolver. The kubelet works out each pod's resolv.conf from its
// dnsPolicy instead (ContainerConfig's ResolvConf); the runtime writes it
// into the pod's directory and bind-mounts it at /etc/resolv.conf in every
// app container. Docker leaves out its own file when a mount is there
// already. The sandbox gets none: nothing in it looks names up.

const resolvConfPath = "/etc/resolv.conf"

// resolvConfMount writes text as the pod's resolv.conf,
// <root>/pods/<uid>/resolv.conf, and returns the read-only mount that shows
// it to a container. The file is rewritten in place, and only when its
// text changes, so containers that already mount it see the change.
func (r *Runtime) resolvConfMount(podUID, text string) (mount.Mount, error) {
	dir := r.podDir(podUID)
	path := filepath.Join(dir, "resolv.conf")
	m := mount.Mount{Type: mount.TypeBind, Source: path, Target: resolvConfPath, ReadOnly: true}
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, []byte(text)) {
		return m, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return mount.Mount{}, fmt.Errorf("resolv.conf: %w", err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return mount.Mount{}, fmt.Errorf("resolv.conf: %w", err)
	}
	return m, nil
}

// mountsAt reports whether one of mounts is at target: a volume the user
// mounted at /etc/resolv.conf wins over the kubelet's file.
func mountsAt(mounts []mount.Mount, target string) bool {
	for _, m := range mounts {
		if filepath.Clean(m.Target) == target {
			return true
		}
	}
	return false
}
