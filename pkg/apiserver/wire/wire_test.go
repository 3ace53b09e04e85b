package wire

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"kubelab/pkg/api"
)

// encode writes obj as client-go's protobuf serializer does: the magic
// prefix, then the envelope naming the type around the object's bytes.
func encode(t *testing.T, apiVersion, kind string, obj interface{ Marshal() ([]byte, error) }) []byte {
	t.Helper()
	raw, err := obj.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	env := runtime.Unknown{TypeMeta: runtime.TypeMeta{APIVersion: apiVersion, Kind: kind}, Raw: raw}
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte("k8s\x00"), b...)
}

func ptr[T any](v T) *T { return &v }

// A protobuf body decodes to what kubelab decodes from the same object
// written as JSON by hand, with no unknown field on the way.
func TestToJSONMatchesJSON(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:  "nginx",
				Image: "nginx:1.27",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
				Env:   []corev1.EnvVar{{Name: "MODE", Value: "prod"}},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
				},
				ReadinessProbe: &corev1.Probe{
					ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}},
					PeriodSeconds: 5,
				},
				LivenessProbe: &corev1.Probe{
					ProbeHandler:        corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}},
					InitialDelaySeconds: 3,
				},
				VolumeMounts: []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}, {Name: "conf", MountPath: "/etc/conf", ReadOnly: true}},
			}},
			Volumes: []corev1.Volume{
				{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "conf", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "conf"}}}},
			},
			RestartPolicy:                 corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: ptr(int64(10)),
			NodeSelector:                  map[string]string{"disk": "ssd"},
		},
	}
	podJSON := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
	  "spec":{"containers":[{"name":"nginx","image":"nginx:1.27",
	    "ports":[{"name":"http","containerPort":80,"protocol":"TCP"}],
	    "env":[{"name":"MODE","value":"prod"}],
	    "resources":{"requests":{"cpu":"100m","memory":"64Mi"}},
	    "readinessProbe":{"httpGet":{"path":"/healthz","port":"http"},"periodSeconds":5},
	    "livenessProbe":{"tcpSocket":{"port":80},"initialDelaySeconds":3},
	    "volumeMounts":[{"name":"cache","mountPath":"/cache"},{"name":"conf","mountPath":"/etc/conf","readOnly":true}]}],
	  "volumes":[{"name":"cache","emptyDir":{}},{"name":"conf","configMap":{"name":"conf"}}],
	  "restartPolicy":"Always","terminationGracePeriodSeconds":10,"nodeSelector":{"disk":"ssd"}}}`

	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeNodePort,
			Selector: map[string]string{"app": "web"},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), NodePort: 30001, Protocol: corev1.ProtocolTCP}},
		},
	}
	svcJSON := `{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"type":"NodePort","selector":{"app":"web"},
	  "ports":[{"name":"http","port":80,"targetPort":"http","nodePort":30001,"protocol":"TCP"}]}}`

	deploy := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Annotations: map[string]string{"note": "x"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(3)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: ptr(intstr.FromString("25%")), MaxUnavailable: ptr(intstr.FromInt32(0))}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}
	deployJSON := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","annotations":{"note":"x"}},
	  "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
	    "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":0}},
	    "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}`

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "conf"}, Data: map[string]string{"a.conf": "x=1\n"}}
	cmJSON := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"conf"},"data":{"a.conf":"x=1\n"}}`

	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "pw"}, Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{"password": []byte("s3cret\x00\xff")}, StringData: map[string]string{"user": "admin"}}
	secretJSON := `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"pw"},"type":"Opaque",
	  "data":{"password":"czNjcmV0AP8="},"stringData":{"user":"admin"}}`

	binding := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Target: corev1.ObjectReference{Kind: "Node", Name: "node-1"}}
	bindingJSON := `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"web","namespace":"default"},"target":{"kind":"Node","name":"node-1"}}`

	scale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "web", ResourceVersion: "42"}, Spec: autoscalingv1.ScaleSpec{Replicas: 5}}
	scaleJSON := `{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web","resourceVersion":"42"},"spec":{"replicas":5}}`

	tests := []struct {
		name             string
		apiVersion, kind string
		obj              interface{ Marshal() ([]byte, error) }
		json             string
		into             func() api.Object
	}{
		{"pod with probes and volumes", "v1", "Pod", pod, podJSON, func() api.Object { return &api.Pod{} }},
		{"service", "v1", "Service", svc, svcJSON, func() api.Object { return &api.Service{} }},
		{"deployment", "apps/v1", "Deployment", deploy, deployJSON, func() api.Object { return &api.Deployment{} }},
		{"configmap", "v1", "ConfigMap", cm, cmJSON, func() api.Object { return &api.ConfigMap{} }},
		{"secret with binary data", "v1", "Secret", secret, secretJSON, func() api.Object { return &api.Secret{} }},
		{"binding", "v1", "Binding", binding, bindingJSON, func() api.Object { return &api.Binding{} }},
		{"scale", "autoscaling/v1", "Scale", scale, scaleJSON, func() api.Object { return &api.Scale{} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j, err := ToJSON(encode(t, tc.apiVersion, tc.kind, tc.obj))
			if err != nil {
				t.Fatal(err)
			}
			got := tc.into()
			warnings, err := api.DecodeInto(j, got)
			if err != nil {
				t.Fatalf("decode %s: %v", j, err)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings %q for %s", warnings, j)
			}
			want := tc.into()
			if _, err := api.DecodeInto([]byte(tc.json), want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				a, _ := json.Marshal(got)
				b, _ := json.Marshal(want)
				t.Errorf("from protobuf:\n%s\nfrom JSON:\n%s", a, b)
			}
		})
	}
}

// DeleteOptions come in the resource's own version ("v1", "apps/v1") or
// in meta.k8s.io/v1; the apiserver reads them as JSON.
func TestToJSONDeleteOptions(t *testing.T) {
	opts := &metav1.DeleteOptions{
		GracePeriodSeconds: ptr(int64(0)),
		PropagationPolicy:  ptr(metav1.DeletePropagationForeground),
		Preconditions:      &metav1.Preconditions{UID: ptr(types.UID("1234")), ResourceVersion: ptr("7")},
	}
	want := api.DeleteOptions{
		GracePeriodSeconds: api.Int64(0),
		PropagationPolicy:  ptr(api.DeletePropagationForeground),
		Preconditions:      &api.Precondition{UID: ptr("1234"), ResourceVersion: ptr("7")},
	}
	for _, apiVersion := range []string{"v1", "apps/v1", "batch/v1", "meta.k8s.io/v1"} {
		t.Run(apiVersion, func(t *testing.T) {
			j, err := ToJSON(encode(t, apiVersion, "DeleteOptions", opts))
			if err != nil {
				t.Fatal(err)
			}
			var got api.DeleteOptions
			if err := json.Unmarshal(j, &got); err != nil {
				t.Fatal(err)
			}
			want.TypeMeta = api.TypeMeta{APIVersion: apiVersion, Kind: "DeleteOptions"}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %s, want %+v", j, want)
			}
		})
	}
}

func TestToJSONRefusals(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}
	good := encode(t, "v1", "ConfigMap", cm)
	withEncoding := func() []byte {
		raw, _ := cm.Marshal()
		env := runtime.Unknown{TypeMeta: runtime.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, Raw: raw, ContentEncoding: "gzip"}
		b, _ := env.Marshal()
		return append([]byte("k8s\x00"), b...)
	}
	tests := []struct {
		name, want string
		body       []byte
		unknown    bool
	}{
		{"json is not protobuf", `does not start with the protobuf prefix`, []byte(`{"kind":"ConfigMap"}`), false},
		{"a cut envelope", "the protobuf envelope does not decode", good[:len(good)-3], false},
		{"a kind kubelab does not serve", `no protobuf type for kind "Widget" in version "example.com/v1"`, encode(t, "example.com/v1", "Widget", cm), true},
		{"a body that is not the kind it says", "the Pod does not decode", encode(t, "v1", "Pod", &corev1.Secret{Data: map[string][]byte{"k": {1, 2, 3}}}), false},
		{"no kind", "the protobuf envelope has no kind", encode(t, "v1", "", cm), false},
		{"a content encoding", `contentEncoding "gzip"`, withEncoding(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ToJSON(tc.body)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			var unknown *UnknownKindError
			if errors.As(err, &unknown) != tc.unknown {
				t.Fatalf("UnknownKindError: got %v, want %v", !tc.unknown, tc.unknown)
			}
		})
	}
}

// FromJSON writes what client-go writes, so ToJSON gives the object back.
func TestFromJSON(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}}
	want := encode(t, "v1", "Pod", pod)
	got, err := FromJSON([]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, err := FromJSON([]byte(`{"apiVersion":"example.com/v1","kind":"Widget"}`)); !errors.As(err, new(*UnknownKindError)) {
		t.Fatalf("a kind Kubernetes lacks: got %v", err)
	}
}
