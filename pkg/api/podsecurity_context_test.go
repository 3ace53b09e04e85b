package api

import "testing"

func TestCheckPodSecurityContext(t *testing.T) {
	with := func(name string, sc *SecurityContext) Container {
		return Container{Name: name, Image: "i", SecurityContext: sc}
	}
	unconfined := &SeccompProfile{Type: SeccompProfileUnconfined}
	tests := []struct {
		name string
		spec PodSpec
		want string // the violations as the message lists them; "" for none
	}{
		{name: "an empty securityContext, the default",
			spec: PodSpec{SecurityContext: &PodSecurityContext{}, Containers: []Container{with("c", &SecurityContext{})}}},
		{name: "hardened containers pass",
			spec: PodSpec{SecurityContext: &PodSecurityContext{RunAsNonRoot: Bool(true), SeccompProfile: &SeccompProfile{Type: SeccompProfileRuntimeDefault}},
				Containers: []Container{with("c", &SecurityContext{Privileged: Bool(false), AllowPrivilegeEscalation: Bool(false),
					Capabilities: &Capabilities{Add: []string{"NET_BIND_SERVICE"}, Drop: []string{"ALL"}}})}}},
		{name: "privileged containers",
			spec: PodSpec{InitContainers: []Container{with("init", &SecurityContext{Privileged: Bool(true)})},
				Containers: []Container{with("web", &SecurityContext{Privileged: Bool(true)}), with("side", nil)}},
			want: `privileged (containers "init", "web" must not set securityContext.privileged=true)`},
		{name: "capabilities beyond the default set",
			spec: PodSpec{Containers: []Container{with("net", &SecurityContext{Capabilities: &Capabilities{Add: []string{"NET_ADMIN", "CHOWN", "SYS_ADMIN"}}})}},
			want: `non-default capabilities (container "net" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)`},
		{name: "unconfined seccomp, pod and container",
			spec: PodSpec{SecurityContext: &PodSecurityContext{SeccompProfile: unconfined},
				Containers: []Container{with("a", &SecurityContext{SeccompProfile: unconfined})}},
			want: `seccompProfile (pod and container "a" must not set securityContext.seccompProfile.type to "Unconfined")`},
		{name: "in Kubernetes' order",
			spec: PodSpec{HostNetwork: true, Containers: []Container{with("x", &SecurityContext{Privileged: Bool(true),
				Capabilities: &Capabilities{Add: []string{"SYS_TIME"}}})}},
			want: `non-default capabilities (container "x" must not include "SYS_TIME" in securityContext.capabilities.add), ` +
				`host namespaces (hostNetwork=true), privileged (container "x" must not set securityContext.privileged=true)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckPodSecurity(PodSecurityBaseline, &ObjectMeta{}, &tt.spec).String(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
