package wire

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubelab/pkg/api"
)

func TestKnownField(t *testing.T) {
	tests := []struct {
		name, apiVersion, kind, path string
		want                         bool
	}{
		{"a field of a container kubelab may lack", "v1", "Pod", "spec.containers[0].securityContext.runAsUser", true},
		{"a typo", "v1", "Pod", "spec.containers[0].imagePullPolicyy", false},
		{"a typo at the top", "v1", "ConfigMap", "datta", false},
		{"a typo in metadata", "v1", "Pod", "metadata.nam", false},
		{"apiVersion, of the inlined TypeMeta", "v1", "Pod", "apiVersion", true},
		{"a field of metadata", "v1", "Pod", "metadata.managedFields[0].manager", true},
		{"below a value that decodes itself (FieldsV1)", "v1", "Pod", "metadata.managedFields[0].fieldsV1.f:spec", true},
		{"a field of the inlined VolumeSource", "v1", "Pod", "spec.volumes[2].configMap.items[0].path", true},
		{"a typo under the inlined VolumeSource", "v1", "Pod", "spec.volumes[2].configMap.itemz", false},
		{"a field of the inlined ProbeHandler", "v1", "Pod", "spec.containers[1].livenessProbe.grpc.port", true},
		{"a map entry whose key holds dots", "v1", "Pod", "metadata.labels.app.kubernetes.io/name", true},
		{"a map of quantities", "v1", "Pod", "spec.overhead.cpu", true},
		{"a list item without its index", "v1", "Pod", "spec.containers.name", false},
		{"an index that is not a number", "v1", "Pod", "spec.containers[a].name", false},
		{"below a string", "v1", "Pod", "spec.nodeName.x", false},
		{"a pod template", "apps/v1", "Deployment", "spec.template.spec.securityContext.fsGroup", true},
		{"an IntOrString", "apps/v1", "Deployment", "spec.strategy.rollingUpdate.maxSurge", true},
		{"a typo in a deployment", "apps/v1", "Deployment", "spec.replica", false},
		{"a field of another group's kind", "coordination.k8s.io/v1", "Lease", "spec.holderIdentity", true},
		{"a kind Kubernetes does not define", "v1", "Widget", "spec", false},
		{"a kind in the wrong group", "apps/v1", "Pod", "spec", false},
		{"no path", "v1", "Pod", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := KnownField(tc.apiVersion, tc.kind, tc.path); got != tc.want {
				t.Errorf("KnownField(%q, %q, %q) = %t, want %t", tc.apiVersion, tc.kind, tc.path, got, tc.want)
			}
		})
	}
}

// A map's key may hold "." and "[", so each place it could end is tried
// before the path goes on into the value.
func TestKnownFieldThroughAMapOfStructs(t *testing.T) {
	type value struct {
		Port  int      `json:"port"`
		Hosts []string `json:"hosts"`
	}
	typ := reflect.TypeFor[map[string]value]()
	for path, want := range map[string]bool{
		"web.port":           true,
		"a.b[0].c.port":      true,
		"a.b.hosts[3]":       true,
		"web.prot":           false,
		"web.port.x":         false,
		"web.hosts.x":        false,
		"example.com/x.prt":  false,
		"example.com/x.port": true,
		"web":                false, // an entry, not a field of one
	} {
		t.Run(path, func(t *testing.T) {
			if got := knownIn(typ, path); got != want {
				t.Errorf("got %t, want %t", got, want)
			}
		})
	}
}

// The paths kubelab's decoder reports are the paths KnownField reads: a
// Pod written with Kubernetes' types, full of fields kubelab may not
// implement, has unknown fields for kubelab's decoder, and each of them is
// known to Kubernetes; a typo added to it is not.
func TestKnownFieldReadsTheDecodersPaths(t *testing.T) {
	runAsUser := int64(1000)
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"app.kubernetes.io/name": "web"}},
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr(true), SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			Containers: []corev1.Container{{
				Name:            "app",
				Image:           "nginx",
				SecurityContext: &corev1.SecurityContext{RunAsUser: &runAsUser, Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
				ResizePolicy:    []corev1.ContainerResizePolicy{{ResourceName: corev1.ResourceCPU, RestartPolicy: corev1.NotRequired}},
			}},
			Volumes: []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{
				Ephemeral: &corev1.EphemeralVolumeSource{VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{
					Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}}}}}}},
			HostUsers:       ptr(false),
			SchedulingGates: []corev1.PodSchedulingGate{{Name: "wait"}},
		},
	}
	j, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := json.Unmarshal(j, &tree); err != nil {
		t.Fatal(err)
	}
	containers := tree["spec"].(map[string]any)["containers"].([]any)
	containers[0].(map[string]any)["imagePullPolicyy"] = "Always"
	j, _ = json.Marshal(tree)

	unknown := api.UnknownFields(j, &api.Pod{})
	typo := "spec.containers[0].imagePullPolicyy"
	if !slices.Contains(unknown, typo) {
		t.Fatalf("kubelab's decoder did not report %q; it reported %q", typo, unknown)
	}
	for _, path := range unknown {
		if got, want := KnownField("v1", "Pod", path), path != typo; got != want {
			t.Errorf("KnownField(%q) = %t, want %t", path, got, want)
		}
	}
}
