package api

import (
	"encoding/json"
	"testing"
)

// The volume the apiserver's ServiceAccount admission gives every pod, as
// Kubernetes writes it.
const serviceAccountVolume = `{name: kube-api-access-x7k2q, projected: {defaultMode: 420, sources: [
  {serviceAccountToken: {expirationSeconds: 3607, path: token}},
  {configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}},
  {downwardAPI: {items: [{path: namespace, fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}}]}}]}}`

// TestProjectedVolumeValidation: each rule of Kubernetes'
// validateProjectionSources, each error naming its field.
func TestProjectedVolumeValidation(t *testing.T) {
	const v0 = "spec.volumes[0].projected"
	tests := []struct {
		name    string
		volume  string // one entry of spec.volumes, as YAML flow
		wantErr string // "" for none
	}{
		{name: "the ServiceAccount volume", volume: serviceAccountVolume},
		{name: "every kind of source", volume: `{name: v, projected: {sources: [
			{secret: {name: s, items: [{key: password, path: db/password, mode: 0400}], optional: true}},
			{configMap: {name: c}},
			{downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}},
				{path: app, fieldRef: {fieldPath: "metadata.labels['app']"}}]}},
			{serviceAccountToken: {audience: vault, path: vault-token}}]}}`},
		{name: "a source with no projection", volume: `{name: v, projected: {sources: [{}]}}`,
			wantErr: v0 + ".sources[0]: Required value: must specify one of: `secret`, `configMap`, `downwardAPI` or `serviceAccountToken`"},
		{name: "a source with two projections", volume: `{name: v, projected: {sources: [{configMap: {name: c}, secret: {name: s}}]}}`,
			wantErr: v0 + ".sources[0]: Forbidden: may not specify more than 1 volume type per source"},
		{name: "a token that lives less than ten minutes", volume: `{name: v, projected: {sources: [{serviceAccountToken: {expirationSeconds: 599, path: t}}]}}`,
			wantErr: v0 + ".sources[0].serviceAccountToken.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes"},
		{name: "a token that lives too long", volume: `{name: v, projected: {sources: [{serviceAccountToken: {expirationSeconds: 4294967297, path: t}}]}}`,
			wantErr: v0 + ".sources[0].serviceAccountToken.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds"},
		{name: "a token with no path", volume: `{name: v, projected: {sources: [{serviceAccountToken: {}}]}}`,
			wantErr: v0 + ".sources[0].serviceAccountToken.path: Required value"},
		{name: "an absolute path", volume: `{name: v, projected: {sources: [{serviceAccountToken: {path: /token}}]}}`,
			wantErr: v0 + `.sources[0].serviceAccountToken.path: Invalid value: "/token": must be a relative path`},
		{name: "a path that climbs out", volume: `{name: v, projected: {sources: [{configMap: {name: c, items: [{key: k, path: a/../../b}]}}]}}`,
			wantErr: v0 + `.sources[0].configMap.items[0].path: Invalid value: "a/../../b": must not contain '..'`},
		{name: "a path the kubelet keeps for itself", volume: `{name: v, projected: {sources: [{secret: {name: s, items: [{key: k, path: ..data}]}}]}}`,
			wantErr: v0 + `.sources[0].secret.items[0].path: Invalid value: "..data": must not start with '..'`},
		{name: "the same path in two sources", volume: `{name: v, projected: {sources: [
			{serviceAccountToken: {path: token}}, {configMap: {name: c, items: [{key: k, path: ./token}]}}]}}`,
			wantErr: v0 + `.sources[1].configMap.items[0].path: Invalid value: "./token": conflicting duplicate paths`},
		{name: "an item with no key or path", volume: `{name: v, projected: {sources: [{configMap: {name: c, items: [{}]}}]}}`,
			wantErr: v0 + ".sources[0].configMap.items[0].key: Required value, " + v0 + ".sources[0].configMap.items[0].path: Required value"},
		{name: "a bad key", volume: `{name: v, projected: {sources: [{configMap: {name: c, items: [{key: "a b", path: p}]}}]}}`,
			wantErr: v0 + `.sources[0].configMap.items[0].key: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`},
		{name: "a secret with no name", volume: `{name: v, projected: {sources: [{secret: {}}]}}`,
			wantErr: v0 + ".sources[0].secret.name: Required value"},
		{name: "a mode beyond permission bits", volume: `{name: v, projected: {defaultMode: 512, sources: [{secret: {name: s, items: [{key: k, path: p, mode: -1}]}}]}}`,
			wantErr: v0 + ".defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive, " +
				v0 + ".sources[0].secret.items[0].mode: Invalid value: -1: must be a number between 0 and 0777 (octal), both inclusive"},
		{name: "a pod field no volume may hold", volume: `{name: v, projected: {sources: [{downwardAPI: {items: [{path: ip, fieldRef: {fieldPath: status.podIP}}]}}]}}`,
			wantErr: v0 + `.sources[0].downwardAPI.items[0].fieldRef.fieldPath: Unsupported value: "status.podIP": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels", "metadata.annotations"`},
		{name: "a downwardAPI file with nothing in it", volume: `{name: v, projected: {sources: [{downwardAPI: {items: [{path: x}]}}]}}`,
			wantErr: v0 + ".sources[0].downwardAPI.items[0]: Required value: one of fieldRef and resourceFieldRef is required"},
		{name: "a downwardAPI file with no path", volume: `{name: v, projected: {sources: [{downwardAPI: {items: [{fieldRef: {fieldPath: metadata.name}}]}}]}}`,
			wantErr: v0 + ".sources[0].downwardAPI.items[0].path: Required value"},
		{name: "a container's resources", volume: `{name: v, projected: {sources: [{downwardAPI: {items: [
			{path: cpu, resourceFieldRef: {containerName: c, resource: limits.cpu, divisor: 1m}},
			{path: mem, resourceFieldRef: {containerName: c, resource: requests.memory, divisor: 1Mi}}]}}]}}`},
		{name: "a resource of no container", volume: `{name: v, projected: {sources: [{downwardAPI: {items: [{path: cpu, resourceFieldRef: {resource: limits.cpu}}]}}]}}`,
			wantErr: v0 + ".sources[0].downwardAPI.items[0].resourceFieldRef.containerName: Required value"},
		{name: "a divisor of cpu in bytes", volume: `{name: v, projected: {sources: [{downwardAPI: {items: [{path: cpu, resourceFieldRef: {containerName: c, resource: limits.cpu, divisor: 1Mi}}]}}]}}`,
			wantErr: v0 + `.sources[0].downwardAPI.items[0].resourceFieldRef.divisor: Invalid value: "limits.cpu": only divisor's values 1m and 1 are supported with the cpu resource`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			manifest := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox}]\n  volumes: [" + tt.volume + "]\n"
			obj, _, warnings, err := Decode([]byte(manifest))
			if err != nil || len(warnings) > 0 {
				t.Fatalf("decode: %v, warnings %q", err, warnings)
			}
			SetDefaults(obj)
			if errs := Validate(obj); len(errs) > 0 {
				err = errs // every error, not only the first
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

// TestProjectedVolumeDefaults: the file mode, the token's life and the
// field selector's apiVersion are filled in as Kubernetes does; what the
// manifest says stays.
func TestProjectedVolumeDefaults(t *testing.T) {
	pod := &Pod{Spec: PodSpec{Volumes: []Volume{
		{Name: "a", VolumeSource: VolumeSource{Projected: &ProjectedVolumeSource{Sources: []VolumeProjection{
			{ServiceAccountToken: &ServiceAccountTokenProjection{Path: "token"}},
			{DownwardAPI: &DownwardAPIProjection{Items: []DownwardAPIVolumeFile{{Path: "n", FieldRef: &ObjectFieldSelector{FieldPath: "metadata.name"}}}}},
		}}}},
		{Name: "b", VolumeSource: VolumeSource{Projected: &ProjectedVolumeSource{DefaultMode: Int32(0o400), Sources: []VolumeProjection{
			{ServiceAccountToken: &ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: Int64(3607)}},
		}}}},
	}}}
	SetDefaults(pod)
	b, _ := json.Marshal(pod.Spec.Volumes)
	want := `[{"name":"a","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3600,"path":"token"}},` +
		`{"downwardAPI":{"items":[{"path":"n","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}]}}],"defaultMode":420}},` +
		`{"name":"b","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}}],"defaultMode":256}}]`
	if string(b) != want {
		t.Errorf("defaulted volumes:\n got  %s\n want %s", b, want)
	}
}
