package kubelet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"kubelab/pkg/api"
)

// configMap, secret and downwardAPI volumes are projected volumes of one
// source each: the kubelet turns each into the projection it stands for
// and writes it with the same code (projected.go), so that they follow
// their ConfigMap or Secret, are swapped atomically and wait for a
// missing source alike. Each kind has its own directory under the pod's,
// Kubernetes' layout:
//
//	<root>/pods/<uid>/volumes/kubernetes.io~configmap/<volume>
//	<root>/pods/<uid>/volumes/kubernetes.io~secret/<volume>        a tmpfs
//	<root>/pods/<uid>/volumes/kubernetes.io~downward-api/<volume>
//	<root>/pods/<uid>/volumes/kubernetes.io~projected/<volume>
//
// A Secret volume's directory is a tmpfs when the runtime can mount one
// (runtime.TmpfsMounter: the Docker runtime, whose containers see the
// host's mounts), so that a Secret is never written to the node's disk;
// the fake runtime's are plain directories.
//
// A container that mounts one file of such a volume with subPath gets
// the file of the version current when it started: it does not follow
// later changes, as in Kubernetes (the runtime bind-mounts the file,
// and a new version is a new file).

// The plugin directories of the volumes the kubelet writes from the API.
const (
	configMapPlugin   = "kubernetes.io~configmap"
	secretPlugin      = "kubernetes.io~secret"
	downwardAPIPlugin = "kubernetes.io~downward-api"
	projectedPlugin   = "kubernetes.io~projected"
)

var apiVolumePlugins = []string{configMapPlugin, secretPlugin, downwardAPIPlugin, projectedPlugin}

// asProjection returns the projected volume v stands for and the
// directory of its plugin; nil for a volume not from the API.
func asProjection(v *api.Volume) (*api.ProjectedVolumeSource, string) {
	switch {
	case v.Projected != nil:
		return v.Projected, projectedPlugin
	case v.ConfigMap != nil:
		c := v.ConfigMap
		return &api.ProjectedVolumeSource{DefaultMode: c.DefaultMode, Sources: []api.VolumeProjection{
			{ConfigMap: &api.ConfigMapProjection{Name: c.Name, Items: c.Items, Optional: c.Optional}},
		}}, configMapPlugin
	case v.Secret != nil:
		s := v.Secret
		return &api.ProjectedVolumeSource{DefaultMode: s.DefaultMode, Sources: []api.VolumeProjection{
			{Secret: &api.SecretProjection{Name: s.SecretName, Items: s.Items, Optional: s.Optional}},
		}}, secretPlugin
	case v.DownwardAPI != nil:
		d := v.DownwardAPI
		return &api.ProjectedVolumeSource{DefaultMode: d.DefaultMode, Sources: []api.VolumeProjection{
			{DownwardAPI: &api.DownwardAPIProjection{Items: d.Items}},
		}}, downwardAPIPlugin
	}
	return nil, ""
}

// prepare makes dir ready for a volume of plugin: a Secret's gets its
// tmpfs, if the runtime has them (mounting twice is harmless).
func (v *projectedVolumes) prepare(plugin, dir string) error {
	if plugin != secretPlugin || v.tmpfs == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return v.tmpfs.MountTmpfs(dir)
}

// removePlugin removes a pod's directory of one plugin, unmounting the
// tmpfs of its Secret volumes first.
func (v *projectedVolumes) removePlugin(dir string) error {
	if v.tmpfs != nil && filepath.Base(dir) == secretPlugin {
		vols, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		for _, vol := range vols {
			if err := v.tmpfs.UnmountTmpfs(filepath.Join(dir, vol.Name())); err != nil {
				return fmt.Errorf("volume %s: %w", vol.Name(), err)
			}
		}
	}
	return os.RemoveAll(dir)
}
