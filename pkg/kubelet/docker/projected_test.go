package docker

import (
	"os"
	"path/filepath"
	"testing"

	"kubelab/pkg/api"
)

// A volume from the API (projected, configMap, secret, downwardAPI) is
// the directory the kubelet filled, mounted read-only whatever the
// volumeMount says, a subPath of it one of its files; one the kubelet has
// not filled is an error, not an empty directory. No Docker needed.
func TestProjectedMounts(t *testing.T) {
	tests := []struct {
		name   string
		source api.VolumeSource
	}{
		{"projected", api.VolumeSource{Projected: &api.ProjectedVolumeSource{}}},
		{"configMap", api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{Name: "cfg"}}},
		{"secret", api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "s"}}},
		{"downwardAPI", api.VolumeSource{DownwardAPI: &api.DownwardAPIVolumeSource{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Runtime{rootDir: t.TempDir()}
			filled := t.TempDir()
			if err := os.WriteFile(filepath.Join(filled, "token"), []byte("t"), 0o644); err != nil {
				t.Fatal(err)
			}
			pod := newPod("sa", api.Volume{Name: "sa", VolumeSource: tt.source})
			c := &api.Container{Name: "app", VolumeMounts: []api.VolumeMount{
				{Name: "sa", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"},
				{Name: "sa", MountPath: "/token", SubPath: "token"},
			}}
			mounts, err := r.mounts(pod, c, map[string]string{"sa": filled})
			if err != nil {
				t.Fatal(err)
			}
			if len(mounts) != 2 || mounts[0].Source != filled || !mounts[0].ReadOnly ||
				mounts[1].Source != filepath.Join(filled, "token") || !mounts[1].ReadOnly {
				t.Errorf("mounts %+v; want the filled directory and its token, read-only", mounts)
			}

			c.VolumeMounts[1].SubPath = "missing"
			if _, err := r.mounts(pod, c, map[string]string{"sa": filled}); err == nil {
				t.Error("a subPath the kubelet did not write was mounted")
			}
			if _, err := r.mounts(pod, c, nil); err == nil || err.Error() != `volume "sa": the kubelet has not written this volume's files` {
				t.Errorf("mounts without the kubelet's directory: %v", err)
			}
		})
	}
}
