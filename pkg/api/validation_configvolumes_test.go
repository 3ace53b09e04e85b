package api

import (
	"encoding/json"
	"os"
	"testing"
)

// TestConfigVolumeValidation: configMap, secret and downwardAPI volumes,
// and a container's envFrom and resourceFieldRef, each rule with the error
// Kubernetes gives, naming its field.
func TestConfigVolumeValidation(t *testing.T) {
	const v0, c0 = "spec.volumes[0]", "spec.containers[0]"
	tests := []struct {
		name      string
		volume    string // one entry of spec.volumes, as YAML flow; "" for none
		container string // what the container adds to name and image, as YAML flow
		wantErr   string // "" for none
	}{
		{name: "a configMap volume", volume: `{name: v, configMap: {name: cfg, items: [{key: a, path: dir/a, mode: 0600}], defaultMode: 0444, optional: true}}`},
		{name: "a secret volume", volume: `{name: v, secret: {secretName: s, defaultMode: 0400}}`},
		{name: "a downwardAPI volume", volume: `{name: v, downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}},
			{path: mem, resourceFieldRef: {containerName: c, resource: limits.memory, divisor: 1Mi}}]}}`},
		{name: "a configMap volume with no name", volume: `{name: v, configMap: {}}`,
			wantErr: v0 + ".configMap.name: Required value"},
		{name: "a secret volume with no secretName", volume: `{name: v, secret: {}}`,
			wantErr: v0 + ".secret.secretName: Required value"},
		{name: "a defaultMode beyond permission bits", volume: `{name: v, secret: {secretName: s, defaultMode: 01000}}`,
			wantErr: v0 + ".secret.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive"},
		{name: "an item that climbs out", volume: `{name: v, configMap: {name: c, items: [{key: k, path: ../k}]}}`,
			wantErr: v0 + `.configMap.items[0].path: Invalid value: "../k": must not contain '..'`},
		{name: "two items at one path", volume: `{name: v, secret: {secretName: s, items: [{key: a, path: p}, {key: b, path: p}]}}`,
			wantErr: v0 + `.secret.items[1].path: Invalid value: "p": conflicting duplicate paths`},
		{name: "a downwardAPI file of a field no file may hold", volume: `{name: v, downwardAPI: {items: [{path: ip, fieldRef: {fieldPath: status.podIP}}]}}`,
			wantErr: v0 + `.downwardAPI.items[0].fieldRef.fieldPath: Unsupported value: "status.podIP": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels", "metadata.annotations"`},
		{name: "a downwardAPI file of a resource of no container", volume: `{name: v, downwardAPI: {items: [{path: cpu, resourceFieldRef: {resource: limits.cpu}}]}}`,
			wantErr: v0 + ".downwardAPI.items[0].resourceFieldRef.containerName: Required value"},
		{name: "a subPath that climbs out", volume: `{name: v, configMap: {name: c}}`, container: `volumeMounts: [{name: v, mountPath: /etc/x, subPath: ../x}]`,
			wantErr: c0 + `.volumeMounts[0].subPath: Invalid value: "../x": must not contain '..'`},
		{name: "an absolute subPath", volume: `{name: v, configMap: {name: c}}`, container: `volumeMounts: [{name: v, mountPath: /etc/x, subPath: /x}]`,
			wantErr: c0 + `.volumeMounts[0].subPath: Invalid value: "/x": must be a relative path`},

		{name: "envFrom a ConfigMap and a Secret", container: `envFrom: [{configMapRef: {name: cfg}}, {prefix: DB_, secretRef: {name: db, optional: true}}]`},
		{name: "envFrom nothing", container: `envFrom: [{prefix: X_}]`,
			wantErr: c0 + ".envFrom[0]: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`"},
		{name: "envFrom both", container: `envFrom: [{configMapRef: {name: a}, secretRef: {name: b}}]`,
			wantErr: c0 + `.envFrom[0]: Invalid value: "": may not have more than one field specified at a time`},
		{name: "envFrom a ConfigMap with no name", container: `envFrom: [{configMapRef: {}}]`,
			wantErr: c0 + ".envFrom[0].configMapRef.name: Required value"},
		{name: "a prefix no variable may start with", container: `envFrom: [{prefix: 1X, configMapRef: {name: a}}]`,
			wantErr: c0 + `.envFrom[0].prefix: Invalid value: "1X": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`},
		{name: "a key of a ConfigMap and of a Secret", container: `env: [{name: A, valueFrom: {configMapKeyRef: {name: cfg, key: a, optional: true}}},
			{name: B, valueFrom: {secretKeyRef: {name: s, key: b}}}]`},
		{name: "a resource of the container itself", container: `env: [{name: CPU, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}},
			{name: MEM, valueFrom: {resourceFieldRef: {containerName: c, resource: requests.memory, divisor: 1Ki}}}]`},
		{name: "a memory divisor that is not a unit", container: `env: [{name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 3}}}]`,
			wantErr: c0 + `.env[0].valueFrom.resourceFieldRef.divisor: Invalid value: "limits.memory": only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource`},
		{name: "a resource the downward API does not know", container: `env: [{name: P, valueFrom: {resourceFieldRef: {resource: limits.pods}}}]`,
			wantErr: c0 + `.env[0].valueFrom.resourceFieldRef.resource: Unsupported value: "limits.pods": supported values: "limits.cpu", "limits.memory", "limits.ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			container := "{name: c, image: busybox"
			if tt.container != "" {
				container += ", " + tt.container
			}
			manifest := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [" + container + "}]\n"
			if tt.volume != "" {
				manifest += "  volumes: [" + tt.volume + "]\n"
			}
			warnings, err := admit([]byte(manifest))
			if len(warnings) > 0 {
				t.Errorf("warnings %q", warnings)
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

// TestConfigVolumeDefaults: files are 0644 unless the volume says
// otherwise, and field selectors are v1, as Kubernetes defaults them.
func TestConfigVolumeDefaults(t *testing.T) {
	tests := []struct {
		name   string
		source VolumeSource
		want   string
	}{
		{name: "configMap", source: VolumeSource{ConfigMap: &ConfigMapVolumeSource{Name: "cfg"}},
			want: `{"name":"v","configMap":{"name":"cfg","defaultMode":420}}`},
		{name: "secret with its own mode", source: VolumeSource{Secret: &SecretVolumeSource{SecretName: "s", DefaultMode: Int32(0o400)}},
			want: `{"name":"v","secret":{"secretName":"s","defaultMode":256}}`},
		{name: "downwardAPI", source: VolumeSource{DownwardAPI: &DownwardAPIVolumeSource{Items: []DownwardAPIVolumeFile{
			{Path: "name", FieldRef: &ObjectFieldSelector{FieldPath: "metadata.name"}}}}},
			want: `{"name":"v","downwardAPI":{"items":[{"path":"name","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}],"defaultMode":420}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &Pod{Spec: PodSpec{Volumes: []Volume{{Name: "v", VolumeSource: tt.source}}}}
			SetDefaults(pod)
			b, _ := json.Marshal(pod.Spec.Volumes[0])
			if string(b) != tt.want {
				t.Errorf("defaulted:\n got  %s\n want %s", b, tt.want)
			}
		})
	}
}

// TestConfigMapPodExample admits examples/configmap-pod.yaml as the
// apiserver would: no warning, no error.
func TestConfigMapPodExample(t *testing.T) {
	data, err := os.ReadFile("../../examples/configmap-pod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	warnings, err := admit(data)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("admit: %v, warnings %q", err, warnings)
	}
}
