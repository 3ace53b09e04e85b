package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestUnsupportedVolumeTypes: a volume type kubelab does not implement is
// refused at admission, naming its field, and never becomes an emptyDir.
func TestUnsupportedVolumeTypes(t *testing.T) {
	const unsupported = ": kubelab does not implement this volume type yet; supported: emptyDir, hostPath, configMap, secret, downwardAPI, projected, persistentVolumeClaim"
	tests := []struct {
		name    string
		volume  string // one entry of spec.volumes, as YAML flow
		wantErr string // "" for none
	}{
		{name: "gcePersistentDisk", volume: `{name: v, gcePersistentDisk: {pdName: d}}`,
			wantErr: `spec.volumes[0].gcePersistentDisk: Unsupported value: {"pdName":"d"}` + unsupported},
		{name: "nfs", volume: `{name: v, nfs: {server: fs, path: /export}}`,
			wantErr: `spec.volumes[0].nfs: Unsupported value: {"path":"/export","server":"fs"}` + unsupported},
		{name: "csi", volume: `{name: v, csi: {driver: x}}`,
			wantErr: `spec.volumes[0].csi: Unsupported value: {"driver":"x"}` + unsupported},
		{name: "configMap, secret and downwardAPI: see validation_configvolumes_test.go", volume: `{name: v, configMap: {name: cfg}}`},
		{name: "two types, one unsupported", volume: `{name: v, emptyDir: {}, nfs: {server: fs, path: /x}}`,
			wantErr: "spec.volumes[0].nfs: Forbidden: may not specify more than 1 volume type"},
		{name: "persistentVolumeClaim", volume: `{name: v, persistentVolumeClaim: {claimName: data, readOnly: true}}`},
		{name: "persistentVolumeClaim without claimName", volume: `{name: v, persistentVolumeClaim: {}}`,
			wantErr: "spec.volumes[0].persistentVolumeClaim.claimName: Required value"},
		{name: "hostPath type", volume: `{name: v, hostPath: {path: /tmp, type: DirectoryOrCreate}}`},
		{name: "hostPath unknown type", volume: `{name: v, hostPath: {path: /tmp, type: Dir}}`,
			wantErr: `spec.volumes[0].hostPath.type: Unsupported value: "Dir": supported values: "", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"`},
		{name: "emptyDir", volume: `{name: v, emptyDir: {}}`},
		{name: "hostPath", volume: `{name: v, hostPath: {path: /tmp}}`},
		{name: "projected", volume: `{name: v, projected: {sources: []}}`},
		{name: "no source is an emptyDir, as in Kubernetes", volume: `{name: v}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			manifest := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox}]\n  volumes: [" + tt.volume + "]\n"
			warnings, err := admit([]byte(manifest))
			if len(warnings) > 0 {
				t.Errorf("warnings %q: every Kubernetes volume type is a known field", warnings)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v, want none", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("no error, want %q", tt.wantErr)
			case tt.wantErr != "" && err.Error() != tt.wantErr:
				t.Fatalf("error:\n  %v\nwant:\n  %s", err, tt.wantErr)
			}
		})
	}
}

// TestVolumeSourceJSON: the unsupported types take no room in a pod that
// does not use them, and a pod that does keeps them as written.
func TestVolumeSourceJSON(t *testing.T) {
	b, err := json.Marshal(Volume{Name: "v", VolumeSource: VolumeSource{EmptyDir: &EmptyDirVolumeSource{}}})
	if err != nil || string(b) != `{"name":"v","emptyDir":{}}` {
		t.Errorf("emptyDir volume = %s, %v", b, err)
	}
	var v Volume
	if err := json.Unmarshal([]byte(`{"name":"v","nfs":{"server":"fs","path":"/export"}}`), &v); err != nil {
		t.Fatal(err)
	}
	types := v.types()
	if len(types) != 1 || types[0].name != "nfs" || v.NFS == nil ||
		!strings.Contains(string(*v.NFS), `"server":"fs"`) {
		t.Errorf("decoded %+v, types %v", v, types)
	}
	var pod Pod
	pod.Spec.Volumes = []Volume{v}
	SetDefaults(&pod)
	if pod.Spec.Volumes[0].EmptyDir != nil {
		t.Error("defaulting turned an nfs volume into an emptyDir")
	}
}
