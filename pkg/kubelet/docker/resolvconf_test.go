package docker

import (
	"os"
	"path/filepath"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// Each container sees exactly the resolv.conf the kubelet worked out, not
// Docker's copy of the node's, and cannot change it; a volume the user
// mounts at /etc/resolv.conf wins. Nothing here looks a name up. (Which
// text a dnsPolicy gives is the kubelet's business: pkg/kubelet's
// dns_test.go.)
func TestResolvConf(t *testing.T) {
	r := testRuntime(t)
	const clusterFirst = "nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n"
	userFile := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(userFile, []byte("nameserver 192.0.2.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		policy      string
		hostNetwork bool
		userMount   bool
		want        string
	}{
		{name: "ClusterFirst", policy: api.DNSClusterFirst, want: clusterFirst},
		{name: "ClusterFirstWithHostNet on the node's network", policy: api.DNSClusterFirstWithHostNet, hostNetwork: true, want: clusterFirst},
		{name: "the user's mount wins", policy: api.DNSClusterFirst, userMount: true, want: "nameserver 192.0.2.1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := newPod("dns", api.Volume{Name: "resolv", VolumeSource: api.VolumeSource{
				HostPath: &api.HostPathVolumeSource{Path: userFile, Type: "File"}}})
			pod.Spec.DNSPolicy, pod.Spec.HostNetwork = tt.policy, tt.hostNetwork
			sandbox := runSandbox(t, r, pod)
			c := toolbox("cat", `cat /etc/resolv.conf; (echo "nameserver 192.0.2.9" >> /etc/resolv.conf) 2>/dev/null || echo read-only`)
			if tt.userMount {
				c.VolumeMounts = []api.VolumeMount{{Name: "resolv", MountPath: "/etc/resolv.conf", ReadOnly: true}}
			}
			id, err := r.StartContainer(t.Context(), runtime.ContainerConfig{Pod: pod, SandboxID: sandbox, Container: &c, ResolvConf: clusterFirst})
			if err != nil {
				t.Fatal(err)
			}
			waitExited(t, r, id)
			if got := logs(t, r, id); got != tt.want+"read-only\n" {
				t.Errorf("the container's /etc/resolv.conf:\n%s\nwant\n%sread-only", got, tt.want)
			}
		})
	}
}
