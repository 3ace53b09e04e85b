package runtime

import (
	"testing"

	"kubelab/pkg/api"
)

// What a runtime writes on a container, ContainerFromLabels reads back,
// for its own node only.
func TestContainerLabels(t *testing.T) {
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "web", UID: "3f2a9c1e"}}
	tests := []struct {
		name   string
		labels map[string]string
		node   string
		want   Container
		wantOK bool
	}{
		{name: "sandbox", labels: ContainerLabels("n1", pod, SandboxName, 0, "10.244.1.5"), node: "n1", wantOK: true,
			want: Container{PodUID: "3f2a9c1e", PodNamespace: "default", PodName: "web", Name: SandboxName, PodIP: "10.244.1.5"}},
		{name: "app, third run", labels: ContainerLabels("n1", pod, "app", 2, ""), node: "n1", wantOK: true,
			want: Container{PodUID: "3f2a9c1e", PodNamespace: "default", PodName: "web", Name: "app", Attempt: 2}},
		{name: "another node's", labels: ContainerLabels("n2", pod, "app", 0, ""), node: "n1"},
		{name: "not the kubelet's", labels: map[string]string{"maintainer": "someone"}, node: "n1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ContainerFromLabels(tt.node, tt.labels)
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("ContainerFromLabels = %+v, %v; want %+v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
