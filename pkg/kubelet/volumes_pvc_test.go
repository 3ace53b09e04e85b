package kubelet

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// fakeClaimAPI serves claims (by namespace/name) and volumes (by name).
type fakeClaimAPI struct {
	claims  map[string]*api.PersistentVolumeClaim
	volumes map[string]*api.PersistentVolume
	gets    int
}

var _ claimAPI = (*fakeClaimAPI)(nil)

func (f *fakeClaimAPI) GetPersistentVolumeClaim(_ context.Context, namespace, name string) (*api.PersistentVolumeClaim, error) {
	f.gets++
	if c, ok := f.claims[namespace+"/"+name]; ok {
		return c, nil
	}
	return nil, notFoundStatus("persistentvolumeclaims", name)
}

func (f *fakeClaimAPI) GetPersistentVolume(_ context.Context, name string) (*api.PersistentVolume, error) {
	if pv, ok := f.volumes[name]; ok {
		return pv, nil
	}
	return nil, notFoundStatus("persistentvolumes", name)
}

func claimPod(volumes ...api.Volume) *api.Pod {
	return &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: "db", Namespace: "default", UID: "uid-db"},
		Spec:       api.PodSpec{Volumes: volumes, Containers: []api.Container{{Name: "app", Image: "app"}}},
	}
}

func claimVolume(name, claim string, readOnly bool) api.Volume {
	return api.Volume{Name: name, VolumeSource: api.VolumeSource{
		PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: claim, ReadOnly: readOnly}}}
}

func TestHostVolumesSetUp(t *testing.T) {
	root := t.TempDir()
	volumeDir := filepath.Join(root, "local-path", "pvc-1_default_data")
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	bound := func(name, pv string) *api.PersistentVolumeClaim {
		return &api.PersistentVolumeClaim{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name},
			Spec: api.PersistentVolumeClaimSpec{VolumeName: pv}, Status: api.PersistentVolumeClaimStatus{Phase: api.ClaimBound}}
	}
	volume := func(name, claim, path, typ string) *api.PersistentVolume {
		return &api.PersistentVolume{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.PersistentVolumeSpec{
			PersistentVolumeSource: api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{Path: path, Type: typ}},
			ClaimRef:               &api.ObjectReference{Namespace: "default", Name: claim, UID: "uid-" + claim}}}
	}
	fakeAPI := &fakeClaimAPI{
		claims: map[string]*api.PersistentVolumeClaim{
			"default/data":    bound("data", "pvc-1"),
			"default/pending": {ObjectMeta: api.ObjectMeta{Name: "pending", Namespace: "default"}, Status: api.PersistentVolumeClaimStatus{Phase: api.ClaimPending}},
			"default/lost":    bound("lost", "pvc-gone"),
			"default/stolen":  bound("stolen", "pvc-1"),
			"default/file":    bound("file", "pvc-file"),
		},
		volumes: map[string]*api.PersistentVolume{
			"pvc-1":    volume("pvc-1", "data", volumeDir, api.HostPathDirectoryOrCreate),
			"pvc-file": volume("pvc-file", "file", file, api.HostPathDirectory),
		},
	}
	const unable = "Unable to attach or mount volumes: unmounted volumes=[v]: error processing PVC "
	tests := []struct {
		name     string
		pod      *api.Pod
		fake     bool   // the fake runtime: nothing on disk
		wantErr  string // also the FailedMount event
		wantDirs map[string]string
		made     string // a directory that must now exist, mode 0777
	}{
		{name: "bound claim: its volume's directory is made", pod: claimPod(claimVolume("v", "data", false)),
			wantDirs: map[string]string{"v": volumeDir}, made: volumeDir},
		{name: "fake runtime: followed, nothing made", pod: claimPod(claimVolume("v", "data", false)), fake: true,
			wantDirs: map[string]string{"v": volumeDir}},
		{name: "claim not found", pod: claimPod(claimVolume("v", "nope", false)),
			wantErr: unable + `default/nope: failed to fetch PVC from API server: persistentvolumeclaims "nope" not found`},
		{name: "claim not bound", pod: claimPod(claimVolume("v", "pending", false)),
			wantErr: unable + "default/pending: PVC is not bound"},
		{name: "claim not bound, fake runtime", pod: claimPod(claimVolume("v", "pending", false)), fake: true,
			wantErr: unable + "default/pending: PVC is not bound"},
		{name: "volume not found", pod: claimPod(claimVolume("v", "lost", false)),
			wantErr: unable + `default/lost: failed to fetch PV pvc-gone from API server: persistentvolumes "pvc-gone" not found`},
		{name: "volume bound to another claim", pod: claimPod(claimVolume("v", "stolen", false)),
			wantErr: unable + "default/stolen: PV pvc-1 is not bound to this claim"},
		{name: "volume path of the wrong type", pod: claimPod(claimVolume("v", "file", false)),
			wantErr: `MountVolume.SetUp failed for volume "v" : hostPath type check failed: ` + file + " is not a directory"},
		{name: "hostPath volume checked", pod: claimPod(api.Volume{Name: "h", VolumeSource: api.VolumeSource{
			HostPath: &api.HostPathVolumeSource{Path: file, Type: api.HostPathDirectory}}}),
			wantErr: `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ` + file + " is not a directory"},
		{name: "hostPath volume not checked on the fake runtime", fake: true, pod: claimPod(api.Volume{Name: "h", VolumeSource: api.VolumeSource{
			HostPath: &api.HostPathVolumeSource{Path: file, Type: api.HostPathDirectory}}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.RemoveAll(filepath.Join(root, "local-path"))
			events := &fakeRecorder{}
			prepare := runtime.PrepareHostPath
			if tt.fake {
				prepare = nil
			}
			v := newHostVolumes(fakeAPI, prepare, events, func() time.Time { return time.Unix(0, 0) })
			w := &podWorkers{hostVolumes: v}
			retry, err := w.setUpVolumes(context.Background(), tt.pod)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if retry != mountRetryInitial {
					t.Errorf("retry in %v, want %v", retry, mountRetryInitial)
				}
				if got := events.take(); len(got) != 1 || got[0] != "Warning FailedMount "+tt.wantErr {
					t.Errorf("events %q, want one FailedMount", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := w.claimVolumeDirs(tt.pod, nil); len(got) != len(tt.wantDirs) || got["v"] != tt.wantDirs["v"] {
				t.Errorf("dirs %v, want %v", got, tt.wantDirs)
			}
			fi, statErr := os.Stat(volumeDir)
			switch {
			case tt.made != "" && statErr != nil:
				t.Errorf("volume directory not made: %v", statErr)
			case tt.made != "" && fi.Mode() != fs.ModeDir|0o777:
				t.Errorf("volume directory mode %v, want drwxrwxrwx", fi.Mode())
			case tt.made == "" && statErr == nil:
				t.Errorf("%s made on the fake runtime", volumeDir)
			}
		})
	}
}

// TestHostVolumesOncePerPod: a claim is followed once while its pod
// lives; the pod's going forgets it, and leaves the data.
func TestHostVolumesOncePerPod(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pvc-1")
	fakeAPI := &fakeClaimAPI{
		claims: map[string]*api.PersistentVolumeClaim{"default/data": {ObjectMeta: api.ObjectMeta{Name: "data", Namespace: "default"},
			Spec: api.PersistentVolumeClaimSpec{VolumeName: "pvc-1"}, Status: api.PersistentVolumeClaimStatus{Phase: api.ClaimBound}}},
		volumes: map[string]*api.PersistentVolume{"pvc-1": {ObjectMeta: api.ObjectMeta{Name: "pvc-1"}, Spec: api.PersistentVolumeSpec{
			PersistentVolumeSource: api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{Path: dir, Type: api.HostPathDirectoryOrCreate}},
			ClaimRef:               &api.ObjectReference{Namespace: "default", Name: "data"}}}},
	}
	v := newHostVolumes(fakeAPI, runtime.PrepareHostPath, &fakeRecorder{}, time.Now)
	w := &podWorkers{hostVolumes: v}
	pod := claimPod(claimVolume("v", "data", true))
	for range 3 {
		if _, err := w.setUpVolumes(context.Background(), pod); err != nil {
			t.Fatal(err)
		}
	}
	if fakeAPI.gets != 1 {
		t.Errorf("%d claim reads for three syncs, want 1", fakeAPI.gets)
	}
	if err := os.WriteFile(filepath.Join(dir, "data"), []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	v.forget(pod.UID)
	if got := w.claimVolumeDirs(pod, nil); len(got) != 0 {
		t.Errorf("dirs after forget %v", got)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "data")); err != nil || !strings.Contains(string(b), "kept") {
		t.Errorf("the volume's data after the pod went: %q, %v", b, err)
	}
}
