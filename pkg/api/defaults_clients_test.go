package api

import "testing"

// TestDefaultsClientsRelyOn: fields Kubernetes always fills in and
// clients read without checking (kubectl debug reads
// spec.securityContext, client-go programs read ipFamilies), and what a
// manifest that sets them keeps.
func TestDefaultsClientsRelyOn(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a pod gets an empty securityContext, service links and termination messages", `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {containers: [{name: c, image: "app:1"}], initContainers: [{name: i, image: "app:1"}]}
`, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  restartPolicy: Always
  terminationGracePeriodSeconds: 30
  schedulerName: default-scheduler
  serviceAccountName: default
  dnsPolicy: ClusterFirst
  securityContext: {}
  enableServiceLinks: true
  initContainers: [{name: i, image: "app:1", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
  containers: [{name: c, image: "app:1", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
`},
		{"what the manifest sets is kept", `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  enableServiceLinks: false
  securityContext: {runAsUser: 1000, runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    image: "app:1"
    terminationMessagePath: /tmp/done
    terminationMessagePolicy: FallbackToLogsOnError
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  restartPolicy: Always
  terminationGracePeriodSeconds: 30
  schedulerName: default-scheduler
  serviceAccountName: default
  dnsPolicy: ClusterFirst
  securityContext: {runAsUser: 1000, runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  enableServiceLinks: false
  containers:
  - name: c
    image: "app:1"
    imagePullPolicy: IfNotPresent
    terminationMessagePath: /tmp/done
    terminationMessagePolicy: FallbackToLogsOnError
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`},
		{"a headless service without a selector may be of any family", `
apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {clusterIP: None, ports: [{port: 5432}]}
`, `
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  type: ClusterIP
  clusterIP: None
  sessionAffinity: None
  internalTrafficPolicy: Cluster
  ipFamilies: [IPv4]
  ipFamilyPolicy: RequireDualStack
  ports: [{port: 5432, targetPort: 5432, protocol: TCP}]
`},
		{"a service's own families are kept", `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ipFamilyPolicy: PreferDualStack, ports: [{port: 80}]}
`, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: ClusterIP
  sessionAffinity: None
  internalTrafficPolicy: Cluster
  ipFamilies: [IPv4]
  ipFamilyPolicy: PreferDualStack
  selector: {app: web}
  ports: [{port: 80, targetPort: 80, protocol: TCP}]
`},
		{"an endpoint slice's ports get a name and TCP", `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abcde}
addressType: IPv4
endpoints: []
ports: [{port: 8080}, {name: dns, port: 53, protocol: UDP}]
`, `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abcde}
addressType: IPv4
endpoints: []
ports: [{name: "", protocol: TCP, port: 8080}, {name: dns, protocol: UDP, port: 53}]
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeForTest(t, tt.in)
			SetDefaults(got)
			sameAs(t, got, decodeForTest(t, tt.want))
			if errs := Validate(got); len(errs) > 0 {
				t.Errorf("the defaulted object does not validate: %v", errs)
			}
		})
	}
}

func TestValidateSecurityContextAndFamilies(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Pod, *Service)
		want   []string
	}{
		{"defaults are valid", func(*Pod, *Service) {}, nil},
		{"negative user", func(p *Pod, _ *Service) { p.Spec.SecurityContext.RunAsUser = Int64(-1) },
			[]string{"spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive"}},
		{"localhost seccomp without a profile", func(p *Pod, _ *Service) {
			p.Spec.SecurityContext.SeccompProfile = &SeccompProfile{Type: SeccompProfileLocalhost}
		}, []string{"spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost"}},
		{"privileged without escalation", func(p *Pod, _ *Service) {
			p.Spec.Containers[0].SecurityContext = &SecurityContext{Privileged: Bool(true), AllowPrivilegeEscalation: Bool(false)}
		}, []string{`spec.containers[0].securityContext: Invalid value: "": cannot set ` + "`allowPrivilegeEscalation` to false and `privileged` to true"}},
		{"bad termination message policy", func(p *Pod, _ *Service) { p.Spec.Containers[0].TerminationMessagePolicy = "Log" },
			[]string{`spec.containers[0].terminationMessagePolicy: Unsupported value: "Log": supported values: "File", "FallbackToLogsOnError"`}},
		{"IPv6 on an IPv4 cluster", func(_ *Pod, s *Service) { s.Spec.IPFamilies = []string{"IPv6"} },
			[]string{`spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster`}},
		{"unknown family policy", func(_ *Pod, s *Service) { s.Spec.IPFamilyPolicy = String("DualStack") },
			[]string{`spec.ipFamilyPolicy: Unsupported value: "DualStack": supported values: "SingleStack", "PreferDualStack", "RequireDualStack"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &Pod{ObjectMeta: ObjectMeta{Name: "p", Namespace: "default"},
				Spec: PodSpec{Containers: []Container{{Name: "c", Image: "app:1"}}}}
			SetDefaults(pod)
			svc := validService()
			tt.mutate(pod, svc)
			checkErrors(t, append(Validate(pod), Validate(svc)...), tt.want)
		})
	}
}
