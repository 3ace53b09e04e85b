package kubelet

import (
	"context"
	"slices"
	"testing"
	"time"

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
	configKey := func(name, cm, key string, optional bool) api.EnvVar {
		return api.EnvVar{Name: name, ValueFrom: &api.EnvVarSource{ConfigMapKeyRef: &api.KeySelector{Name: cm, Key: key, Optional: &optional}}}
	}
	secretKey := func(name, secret, key string, optional bool) api.EnvVar {
		return api.EnvVar{Name: name, ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: secret, Key: key, Optional: &optional}}}
	}
	resource := func(name, container, res, divisor string) api.EnvVar {
		ref := &api.ResourceFieldSelector{ContainerName: container, Resource: res}
		if divisor != "" {
			ref.Divisor = api.MustParse(divisor)
		}
		return api.EnvVar{Name: name, ValueFrom: &api.EnvVarSource{ResourceFieldRef: ref}}
	}
	fromConfigMap := func(prefix, name string, optional bool) api.EnvFromSource {
		return api.EnvFromSource{Prefix: prefix, ConfigMapRef: &api.ConfigMapEnvSource{Name: name, Optional: &optional}}
	}
	fromSecret := func(prefix, name string, optional bool) api.EnvFromSource {
		return api.EnvFromSource{Prefix: prefix, SecretRef: &api.SecretEnvSource{Name: name, Optional: &optional}}
	}
	tests := []struct {
		name       string
		env        []api.EnvVar
		envFrom    []api.EnvFromSource
		service    *api.Service
		want       []string
		wantEvents []string
		wantErr    string
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
			field("POD_NAME", "metadata.name"), field("NS", "metadata.namespace"), field("UID", "metadata.uid"),
			field("POD_IP", "status.podIP"), field("NODE", "spec.nodeName"), field("SA", "spec.serviceAccountName"),
			field("HOST_IP", "status.hostIP"), field("APP", "metadata.labels['app']"), field("OWNER", "metadata.annotations['owner']"),
		}, want: []string{"POD_NAME=web", "NS=default", "UID=uid-web", "POD_IP=10.244.1.2", "NODE=n1", "SA=builder",
			"HOST_IP=192.168.56.11", "APP=kubia", "OWNER=team-a"}},

		{name: "a key of a ConfigMap and of a Secret", env: []api.EnvVar{configKey("MODE", "settings", "mode", false), secretKey("PASSWORD", "db", "password", false)},
			want: []string{"MODE=fast", "PASSWORD=s3cr3t"}},
		{name: "a missing ConfigMap", env: []api.EnvVar{configKey("MODE", "nothing", "mode", false)},
			wantErr: `configmap "nothing" not found`},
		{name: "a missing Secret", env: []api.EnvVar{secretKey("PASSWORD", "nothing", "password", false)},
			wantErr: `secret "nothing" not found`},
		{name: "a missing key", env: []api.EnvVar{configKey("MODE", "settings", "speed", false)},
			wantErr: "couldn't find key speed in ConfigMap default/settings"},
		{name: "a missing key of a Secret", env: []api.EnvVar{secretKey("USER", "db", "user", false)},
			wantErr: "couldn't find key user in Secret default/db"},
		{name: "optional: missing ones are empty", env: []api.EnvVar{configKey("A", "nothing", "a", true), secretKey("B", "db", "user", true)},
			want: []string{"A=", "B="}},

		{name: "envFrom: every key, in order of name; env wins", envFrom: []api.EnvFromSource{fromConfigMap("", "settings", false), fromSecret("DB_", "db", false)},
			env:  []api.EnvVar{{Name: "mode", Value: "slow"}},
			want: []string{"level=3", "mode=slow", "DB_password=s3cr3t"}},
		{name: "envFrom: a later source wins", envFrom: []api.EnvFromSource{fromSecret("", "db", false), fromConfigMap("", "passwords", false)},
			want: []string{"password=in-a-configmap"}},
		{name: "envFrom: keys that are no names are skipped, and said so", envFrom: []api.EnvFromSource{fromConfigMap("", "odd", false)},
			want:       []string{"ok=1"},
			wantEvents: []string{"Warning InvalidEnvironmentVariableNames Keys [1x, a=b] from the EnvFrom configMap default/odd were skipped since they are considered invalid environment variable names."}},
		{name: "envFrom: a prefix makes a key a name", envFrom: []api.EnvFromSource{fromConfigMap("P_", "odd", false)},
			want:       []string{"P_1x=2", "P_ok=1"},
			wantEvents: []string{"Warning InvalidEnvironmentVariableNames Keys [P_a=b] from the EnvFrom configMap default/odd were skipped since they are considered invalid environment variable names."}},
		{name: "envFrom: a missing Secret", envFrom: []api.EnvFromSource{fromSecret("", "nothing", false)},
			wantErr: `secret "nothing" not found`},
		{name: "envFrom: an optional missing ConfigMap", envFrom: []api.EnvFromSource{fromConfigMap("", "nothing", true)}, env: []api.EnvVar{{Name: "A", Value: "1"}},
			want: []string{"A=1"}},

		{name: "$(VAR): earlier variables and the Service's", service: apiService, envFrom: []api.EnvFromSource{fromConfigMap("", "settings", false)}, env: []api.EnvVar{
			field("POD_IP", "status.podIP"),
			{Name: "URL", Value: "http://$(POD_IP):8080/$(mode)?api=$(KUBERNETES_SERVICE_HOST)"},
			{Name: "LATER", Value: "$(NEXT) $(MISSING) $$(POD_IP) $5"},
			{Name: "NEXT", Value: "n"},
		}, want: slices.Concat(kubernetesEnv, []string{"level=3", "mode=fast", "POD_IP=10.244.1.2",
			"URL=http://10.244.1.2:8080/fast?api=10.96.0.1", "LATER=$(NEXT) $(MISSING) $(POD_IP) $5", "NEXT=n"})},

		{name: "resources: limits and requests, divided and rounded up", env: []api.EnvVar{
			resource("CPU", "", "limits.cpu", ""), resource("CPU_M", "", "limits.cpu", "1m"),
			resource("MEM", "", "limits.memory", "1Mi"), resource("REQ_MEM", "", "requests.memory", ""),
			resource("REQ_CPU", "", "requests.cpu", "1m"), resource("SIDECAR_CPU", "c1", "limits.cpu", "1m"),
		}, want: []string{"CPU=1", "CPU_M=500", "MEM=64", "REQ_MEM=33554432", "REQ_CPU=250", "SIDECAR_CPU=100"}},
		{name: "resources: no limit is the node's allocatable, no request 0", env: []api.EnvVar{
			resource("MEM", "c1", "limits.memory", "1Gi"), resource("REQ_MEM", "c1", "requests.memory", ""),
		}, want: []string{"MEM=8", "REQ_MEM=0"}},
		{name: "resources: of a container the pod does not have", env: []api.EnvVar{resource("CPU", "nope", "limits.cpu", "")},
			wantErr: `resourceFieldRef: no container "nope" in the pod`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPod("web", api.RestartAlways, "kubia", "sidecar")
			p.Labels, p.Annotations = map[string]string{"app": "kubia"}, map[string]string{"owner": "team-a"}
			p.Spec.ServiceAccountName = "builder"
			p.Spec.Containers[0].Env, p.Spec.Containers[0].EnvFrom = tt.env, tt.envFrom
			p.Spec.Containers[0].Resources = api.ResourceRequirements{
				Limits:   api.ResourceList{"cpu": api.MustParse("500m"), "memory": api.MustParse("64Mi")},
				Requests: api.ResourceList{"cpu": api.MustParse("250m"), "memory": api.MustParse("32Mi")},
			}
			p.Spec.Containers[1].Resources.Limits = api.ResourceList{"cpu": api.MustParse("100m")}
			config := newFakeVolumeAPI(time.Now)
			config.addConfigMap("default", "settings", map[string]string{"mode": "fast", "level": "3"})
			config.addConfigMap("default", "passwords", map[string]string{"password": "in-a-configmap"})
			config.addConfigMap("default", "odd", map[string]string{"ok": "1", "1x": "2", "a=b": "3"})
			config.addSecret("default", "db", map[string][]byte{"password": []byte("s3cr3t")})
			events := &fakeRecorder{}
			sources := envSources{config: config, events: events, hostIP: "192.168.56.11", apiService: tt.service,
				allocatable: api.ResourceList{"cpu": api.MustParse("4"), "memory": api.MustParse("8Gi")}}
			got, err := sources.containerEnv(context.Background(), p, &p.Spec.Containers[0], "10.244.1.2")
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
			wantStrings(t, "events", events.take(), tt.wantEvents)
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
