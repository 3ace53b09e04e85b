package api

import "testing"

func TestPodSecurityLevel(t *testing.T) {
	tests := []struct {
		name   string
		labels map[string]string
		want   string
		valid  bool
	}{
		{name: "no label is baseline", labels: nil, want: PodSecurityBaseline, valid: true},
		{name: "other labels only", labels: map[string]string{"team": "a"}, want: PodSecurityBaseline, valid: true},
		{name: "privileged", labels: map[string]string{PodSecurityEnforceLabel: "privileged"}, want: PodSecurityPrivileged, valid: true},
		{name: "baseline", labels: map[string]string{PodSecurityEnforceLabel: "baseline"}, want: PodSecurityBaseline, valid: true},
		{name: "restricted", labels: map[string]string{PodSecurityEnforceLabel: "restricted"}, want: PodSecurityRestricted, valid: true},
		{name: "unknown is restricted", labels: map[string]string{PodSecurityEnforceLabel: "Privileged"}, want: PodSecurityRestricted},
		{name: "empty is restricted", labels: map[string]string{PodSecurityEnforceLabel: ""}, want: PodSecurityRestricted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PodSecurityLevel(tt.labels); got != tt.want {
				t.Errorf("PodSecurityLevel = %q, want %q", got, tt.want)
			}
			errs := ValidatePodSecurityLabels(tt.labels)
			if (len(errs) == 0) != tt.valid {
				t.Errorf("ValidatePodSecurityLabels = %v, want valid %v", errs, tt.valid)
			}
		})
	}
	want := `metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "open": must be one of privileged, baseline, restricted`
	if got := ValidatePodSecurityLabels(map[string]string{PodSecurityEnforceLabel: "open"}).Error(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCheckPodSecurity(t *testing.T) {
	hostPath := func(name string) Volume {
		return Volume{Name: name, VolumeSource: VolumeSource{HostPath: &HostPathVolumeSource{Path: "/"}}}
	}
	withPorts := func(name string, hostPorts ...int32) Container {
		c := Container{Name: name, Image: "i"}
		for i, p := range hostPorts {
			c.Ports = append(c.Ports, ContainerPort{ContainerPort: int32(8000 + i), HostPort: p})
		}
		return c
	}
	tests := []struct {
		name  string
		level string
		meta  ObjectMeta
		spec  PodSpec
		want  string // the violations as the message lists them; "" for none
	}{
		{name: "plain pod", level: PodSecurityBaseline,
			spec: PodSpec{Containers: []Container{{Name: "c", Image: "i"}}, Volumes: []Volume{{Name: "v", VolumeSource: VolumeSource{EmptyDir: &EmptyDirVolumeSource{}}}}}},
		{name: "container port without host port", level: PodSecurityBaseline,
			spec: PodSpec{Containers: []Container{withPorts("c", 0)}}},
		{name: "host network", level: PodSecurityBaseline,
			spec: PodSpec{HostNetwork: true}, want: "host namespaces (hostNetwork=true)"},
		{name: "one hostPath volume", level: PodSecurityBaseline,
			spec: PodSpec{Volumes: []Volume{hostPath("data")}}, want: `hostPath volumes (volume "data")`},
		{name: "two hostPath volumes", level: PodSecurityBaseline,
			spec: PodSpec{Volumes: []Volume{hostPath("a"), {Name: "e", VolumeSource: VolumeSource{EmptyDir: &EmptyDirVolumeSource{}}}, hostPath("b")}},
			want: `hostPath volumes (volumes "a", "b")`},
		{name: "one host port", level: PodSecurityBaseline,
			spec: PodSpec{Containers: []Container{withPorts("web", 80)}}, want: `hostPort (container "web" uses hostPort 80)`},
		{name: "host ports of init and app containers", level: PodSecurityBaseline,
			spec: PodSpec{InitContainers: []Container{withPorts("init", 8080)}, Containers: []Container{withPorts("web", 80, 443, 8080), withPorts("side")}},
			want: `hostPort (containers "init", "web" use hostPorts 443, 80, 8080)`},
		{name: "AppArmor unconfined", level: PodSecurityBaseline,
			meta: ObjectMeta{Annotations: map[string]string{AppArmorAnnotationPrefix + "c": "unconfined", AppArmorAnnotationPrefix + "d": "runtime/default",
				AppArmorAnnotationPrefix + "e": "localhost/mine", "other": "unconfined"}},
			want: `forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/c="unconfined")`},
		{name: "everything, in Kubernetes' order", level: PodSecurityBaseline,
			meta: ObjectMeta{Annotations: map[string]string{AppArmorAnnotationPrefix + "b": "x", AppArmorAnnotationPrefix + "a": "y"}},
			spec: PodSpec{HostNetwork: true, Volumes: []Volume{hostPath("data")}, Containers: []Container{withPorts("x", 22)}},
			want: `forbidden AppArmor profiles (container.apparmor.security.beta.kubernetes.io/a="y", container.apparmor.security.beta.kubernetes.io/b="x"), ` +
				`host namespaces (hostNetwork=true), hostPath volumes (volume "data"), hostPort (container "x" uses hostPort 22)`},
		{name: "privileged allows everything", level: PodSecurityPrivileged,
			spec: PodSpec{HostNetwork: true, Volumes: []Volume{hostPath("data")}, Containers: []Container{withPorts("x", 22)}}},
		{name: "restricted is not supported", level: PodSecurityRestricted,
			spec: PodSpec{Containers: []Container{{Name: "c", Image: "i"}}},
			want: "restricted level not supported (kubelab's kubelet does not apply runAsNonRoot, allowPrivilegeEscalation, seccompProfile and capabilities)"},
		{name: "restricted reports baseline first", level: PodSecurityRestricted,
			spec: PodSpec{HostNetwork: true},
			want: "host namespaces (hostNetwork=true), restricted level not supported (kubelab's kubelet does not apply runAsNonRoot, allowPrivilegeEscalation, seccompProfile and capabilities)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckPodSecurity(tt.level, &tt.meta, &tt.spec).String(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
