package controller_test

import (
	"slices"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/controllertest"
)

func TestResolveTargetPort(t *testing.T) {
	pod := &api.Pod{Spec: api.PodSpec{Containers: []api.Container{
		{Name: "web", Ports: []api.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: "TCP"}}},
		{Name: "dns", Ports: []api.ContainerPort{{Name: "dns", ContainerPort: 5353, Protocol: "UDP"}}},
	}}}
	tests := []struct {
		name   string
		sp     api.ServicePort
		want   int32
		wantOK bool
	}{
		{"a number is itself", api.ServicePort{Port: 80, TargetPort: api.FromInt(9000)}, 9000, true},
		{"no target port is the port", api.ServicePort{Port: 80}, 80, true},
		{"a name is the container port of that name", api.ServicePort{Port: 80, TargetPort: api.FromString("http")}, 8080, true},
		{"an empty protocol is TCP", api.ServicePort{Port: 80, Protocol: "", TargetPort: api.FromString("http")}, 8080, true},
		{"of the same protocol", api.ServicePort{Port: 53, Protocol: "TCP", TargetPort: api.FromString("dns")}, 0, false},
		{"a name the pod lacks", api.ServicePort{Port: 80, TargetPort: api.FromString("metrics")}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := controller.ResolveTargetPort(tt.sp, pod)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %d, %v; want %d, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestServicesSelecting(t *testing.T) {
	svc := func(ns, name string, selector map[string]string) *api.Service {
		return &api.Service{ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name}, Spec: api.ServiceSpec{Selector: selector}}
	}
	services := controllertest.NewLister(
		svc("shop", "web", map[string]string{"app": "web"}),
		svc("shop", "all", nil), // no selector selects nothing
		svc("shop", "db", map[string]string{"app": "db"}),
		svc("other", "web", map[string]string{"app": "web"}),
	).AddIndex(controller.IndexNamespace, controller.NamespaceIndex)
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: "shop", Name: "p", Labels: map[string]string{"app": "web"}}}
	if got, want := controller.ServicesSelecting(services, pod), []string{"shop/web"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
