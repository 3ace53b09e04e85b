package kubelet

import (
	"slices"
	"testing"

	"kubelab/pkg/api"
)

func TestContainerEnv(t *testing.T) {
	apiService := &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "kubernetes", Namespace: "default"},
		Spec: api.ServiceSpec{ClusterIP: "10.96.0.1",
			Ports: []api.ServicePort{{Name: "https", Port: 443, Protocol: "TCP", TargetPort: api.FromInt(6443)}}},
	}
	kubernetesEnv := []string{
		"KUBERNETES_SERVICE_HOST=10.96.0.1",
		"KUBERNETES_SERVICE_PORT=443",
		"KUBERNETES_SERVICE_PORT_HTTPS=443",
		"KUBERNETES_PORT=tcp://10.96.0.1:443",
		"KUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443",
		"KUBERNETES_PORT_443_TCP_PROTO=tcp",
		"KUBERNETES_PORT_443_TCP_PORT=443",
		"KUBERNETES_PORT_443_TCP_ADDR=10.96.0.1",
	}
	field := func(name, path string) api.EnvVar {
		return api.EnvVar{Name: name, ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: path}}}
	}
	tests := []struct {
		name    string
		env     []api.EnvVar
		service *api.Service
		want    []string
		wantErr string
	}{
		{name: "no Service yet: the container's own only", env: []api.EnvVar{{Name: "GREETING", Value: "hi"}},
			want: []string{"GREETING=hi"}},
		{name: "the kubernetes Service, then the container's own", service: apiService, env: []api.EnvVar{{Name: "GREETING", Value: "hi"}},
			want: slices.Concat(kubernetesEnv, []string{"GREETING=hi"})},
		{name: "the container's own value wins", service: apiService, env: []api.EnvVar{{Name: "KUBERNETES_SERVICE_HOST", Value: "api.example"}},
			want: slices.Concat(kubernetesEnv[1:], []string{"KUBERNETES_SERVICE_HOST=api.example"})},
		{name: "a Service without a ClusterIP gives nothing", env: []api.EnvVar{{Name: "A", Value: "1"}},
			service: &api.Service{ObjectMeta: api.ObjectMeta{Name: "kubernetes"}, Spec: api.ServiceSpec{ClusterIP: api.ClusterIPNone,
				Ports: []api.ServicePort{{Name: "https", Port: 443}}}},
			want: []string{"A=1"}},
		{name: "downward API", env: []api.EnvVar{
			field("POD_NAME", "metadata.name"), field("POD_IP", "status.podIP"), field("NODE", "spec.nodeName"),
			field("HOST_IP", "status.hostIP"), field("APP", "metadata.labels['app']"),
		}, want: []string{"POD_NAME=web", "POD_IP=10.244.1.2", "NODE=n1", "HOST_IP=192.168.56.11", "APP=kubia"}},
		{name: "a secret is not supported", service: apiService,
			env:     []api.EnvVar{{Name: "PASSWORD", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "db", Key: "pw"}}}},
			wantErr: "env PASSWORD: only value and valueFrom.fieldRef are supported by this kubelet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPod("web", api.RestartAlways, "kubia")
			p.Labels = map[string]string{"app": "kubia"}
			p.Spec.Containers[0].Env = tt.env
			got, err := containerEnv(p, &p.Spec.Containers[0], "10.244.1.2", "192.168.56.11", tt.service)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantStrings(t, "env", got, tt.want)
		})
	}
}

// A multi-port Service named with a dash, as the per-Service variables of
// Kubernetes' enableServiceLinks would see it: names upper-cased with
// underscores, every named port, Docker-link variables per port.
func TestServiceEnv(t *testing.T) {
	svc := &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "my-db"},
		Spec: api.ServiceSpec{ClusterIP: "10.96.3.4", Ports: []api.ServicePort{
			{Name: "sql", Port: 5432, Protocol: "TCP"}, {Name: "stats-udp", Port: 9125, Protocol: "UDP"}}},
	}
	wantStrings(t, "env", serviceEnv(svc), []string{
		"MY_DB_SERVICE_HOST=10.96.3.4",
		"MY_DB_SERVICE_PORT=5432",
		"MY_DB_SERVICE_PORT_SQL=5432",
		"MY_DB_SERVICE_PORT_STATS_UDP=9125",
		"MY_DB_PORT=tcp://10.96.3.4:5432",
		"MY_DB_PORT_5432_TCP=tcp://10.96.3.4:5432",
		"MY_DB_PORT_5432_TCP_PROTO=tcp",
		"MY_DB_PORT_5432_TCP_PORT=5432",
		"MY_DB_PORT_5432_TCP_ADDR=10.96.3.4",
		"MY_DB_PORT_9125_UDP=udp://10.96.3.4:9125",
		"MY_DB_PORT_9125_UDP_PROTO=udp",
		"MY_DB_PORT_9125_UDP_PORT=9125",
		"MY_DB_PORT_9125_UDP_ADDR=10.96.3.4",
	})
}
