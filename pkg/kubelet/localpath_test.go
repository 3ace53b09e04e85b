package kubelet

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

// fakePVAPI records the volumes written back.
type fakePVAPI struct{ updated []*api.PersistentVolume }

func (f *fakePVAPI) UpdatePersistentVolume(_ context.Context, pv *api.PersistentVolume) (*api.PersistentVolume, error) {
	f.updated = append(f.updated, pv)
	return pv, nil
}

type pvGetter map[string]*api.PersistentVolume

func (g pvGetter) Get(key string) (api.Object, bool) {
	pv, ok := g[key]
	return pv, ok
}

func localPathPV(name, node, path string, deleting bool, finalizers ...string) *api.PersistentVolume {
	pv := &api.PersistentVolume{
		ObjectMeta: api.ObjectMeta{Name: name, Finalizers: finalizers},
		Spec: api.PersistentVolumeSpec{
			PersistentVolumeSource: api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{Path: path, Type: api.HostPathDirectoryOrCreate}},
			NodeAffinity: &api.VolumeNodeAffinity{Required: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
				MatchExpressions: []api.NodeSelectorRequirement{{Key: api.HostnameLabel, Operator: "In", Values: []string{node}}}}}}},
		},
	}
	if deleting {
		ts := api.NewTime(t0)
		pv.DeletionTimestamp = &ts
	}
	return pv
}

func TestLocalPathReclaimer(t *testing.T) {
	const fin = api.LocalPathFinalizer
	tests := []struct {
		name string
		// pv builds the volume from the local-path directory and a
		// directory outside it, each with a file "data" inside.
		pv         func(dir, outside string) *api.PersistentVolume
		gone       string // what is gone from the local-path directory afterwards
		wantUpdate bool   // the finalizer was removed
		wantEvent  string // "" for none
	}{
		{name: "deleted volume of this node", gone: "pvc-1", wantUpdate: true,
			pv: func(dir, _ string) *api.PersistentVolume {
				return localPathPV("pvc-1", "n1", filepath.Join(dir, "pvc-1"), true, "kubernetes.io/pv-protection", fin)
			}},
		{name: "not deleted", pv: func(dir, _ string) *api.PersistentVolume {
			return localPathPV("pvc-1", "n1", filepath.Join(dir, "pvc-1"), false, fin)
		}},
		{name: "another node's", pv: func(dir, _ string) *api.PersistentVolume {
			return localPathPV("pvc-1", "n2", filepath.Join(dir, "pvc-1"), true, fin)
		}},
		{name: "not a local-path volume", pv: func(dir, _ string) *api.PersistentVolume {
			return localPathPV("pvc-1", "n1", filepath.Join(dir, "pvc-1"), true, "kubernetes.io/pv-protection")
		}},
		{name: "directory gone already", wantUpdate: true, pv: func(dir, _ string) *api.PersistentVolume {
			return localPathPV("pvc-1", "n1", filepath.Join(dir, "never-made"), true, fin)
		}},
		{name: "path outside the local-path directory", pv: func(_, outside string) *api.PersistentVolume {
			return localPathPV("pvc-1", "n1", outside, true, fin)
		}, wantEvent: "refusing"},
		{name: "path escaping with ..", pv: func(dir, outside string) *api.PersistentVolume {
			return localPathPV("pvc-1", "n1", filepath.Join(dir, "..", filepath.Base(outside)), true, fin)
		}, wantEvent: "refusing"},
		{name: "the local-path directory itself", pv: func(dir, _ string) *api.PersistentVolume {
			return localPathPV("pvc-1", "n1", dir, true, fin)
		}, wantEvent: "refusing"},
		{name: "through a symbolic link out of it", pv: func(dir, _ string) *api.PersistentVolume {
			return localPathPV("pvc-1", "n1", filepath.Join(dir, "link", "data"), true, fin)
		}, wantEvent: "refusing"},
		{name: "a symbolic link itself is removed, not followed", gone: "link", wantUpdate: true, pv: func(dir, _ string) *api.PersistentVolume {
			return localPathPV("pvc-1", "n1", filepath.Join(dir, "link"), true, fin)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			dir, outside := filepath.Join(base, "local-path"), filepath.Join(base, "elsewhere")
			for _, d := range []string{filepath.Join(dir, "pvc-1"), outside} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(d, "data"), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
				t.Fatal(err)
			}
			pv := tt.pv(dir, outside)
			fakeAPI, events := &fakePVAPI{}, &fakeRecorder{}
			r := &localPathReclaimer{node: "n1", dir: dir, volumes: pvGetter{pv.Name: pv}, api: fakeAPI, events: events, log: zap.NewNop()}
			if err := r.sync(context.Background(), pv.Name); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"pvc-1", "link"} {
				_, err := os.Lstat(filepath.Join(dir, name))
				if gone := os.IsNotExist(err); gone != (name == tt.gone) {
					t.Errorf("%s gone: %v, want %v", name, gone, name == tt.gone)
				}
			}
			if _, err := os.Stat(filepath.Join(outside, "data")); err != nil {
				t.Errorf("the directory outside was touched: %v", err)
			}
			if got := len(fakeAPI.updated) == 1; got != tt.wantUpdate {
				t.Fatalf("updated %d volumes, want finalizer removed: %v", len(fakeAPI.updated), tt.wantUpdate)
			}
			if tt.wantUpdate {
				if f := fakeAPI.updated[0].Finalizers; slices.Contains(f, api.LocalPathFinalizer) || len(f) != len(pv.Finalizers)-1 {
					t.Errorf("finalizers written %q", f)
				}
				if !slices.Contains(pv.Finalizers, api.LocalPathFinalizer) {
					t.Error("the cached volume was changed")
				}
			}
			got := events.take()
			switch {
			case tt.wantEvent == "" && len(got) > 0:
				t.Errorf("events %q, want none", got)
			case tt.wantEvent != "" && (len(got) != 1 || !strings.HasPrefix(got[0], "Warning VolumeFailedDelete refusing to remove")):
				t.Errorf("events %q, want a refusal", got)
			}
		})
	}
}
