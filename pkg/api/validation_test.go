package api

import (
	"strings"
	"testing"
)

// Kubernetes' long messages, spelled out once.
const (
	subdomainMsg  = `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`
	dnsLabelMsg   = `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`
	dns1035Msg    = `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`
	labelValueMsg = `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`
	nameKeyMsg    = `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`
	ipMsg         = `must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`
)

// checkErrors compares every error of a list with the expected texts.
func checkErrors(t *testing.T, errs ErrorList, want []string) {
	t.Helper()
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// validPod is a pod that uses most of the spec and passes validation.
func validPod() *Pod {
	pod := &Pod{
		TypeMeta:   TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: ObjectMeta{Name: "kubia", Namespace: "default", Labels: map[string]string{"app": "kubia"}},
		Spec: PodSpec{
			Containers: []Container{{
				Name:         "web",
				Image:        "kubia:v1",
				Ports:        []ContainerPort{{Name: "http", ContainerPort: 8080}},
				Env:          []EnvVar{{Name: "POD_NAME", ValueFrom: &EnvVarSource{FieldRef: &ObjectFieldSelector{FieldPath: "metadata.name"}}}},
				VolumeMounts: []VolumeMount{{Name: "data", MountPath: "/data"}},
				Resources:    ResourceRequirements{Limits: ResourceList{"cpu": MustParse("1"), "memory": MustParse("128Mi")}},
				LivenessProbe: &Probe{ProbeHandler: ProbeHandler{
					HTTPGet: &HTTPGetAction{Port: FromString("http")},
				}},
			}},
			Volumes:     []Volume{{Name: "data", VolumeSource: VolumeSource{EmptyDir: &EmptyDirVolumeSource{}}}},
			Tolerations: []Toleration{{Key: "dedicated", Operator: "Equal", Value: "web", Effect: TaintNoSchedule}},
		},
	}
	SetDefaults(pod)
	return pod
}

func TestFieldErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *FieldError
		want string
	}{
		{"required", required("spec.containers[0].image", ""), "spec.containers[0].image: Required value"},
		{"required with detail", required("metadata.name", "name or generateName is required"), "metadata.name: Required value: name or generateName is required"},
		{"invalid string", invalid("metadata.name", "Kubia_1", "bad"), `metadata.name: Invalid value: "Kubia_1": bad`},
		{"invalid number", invalid("spec.replicas", int32(-1), "must be greater than or equal to 0"), "spec.replicas: Invalid value: -1: must be greater than or equal to 0"},
		{"invalid map", invalid("spec.template.metadata.labels", map[string]string{"app": "x"}, "d"), `spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: d`},
		{"invalid nil", invalid("x", nil, "d"), "x: Invalid value: null: d"},
		{"not supported", notSupported("spec.restartPolicy", "Never", "Always"), `spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`},
		{"duplicate", duplicate("spec.containers[1].name", "web"), `spec.containers[1].name: Duplicate value: "web"`},
		{"forbidden", forbidden("spec", "no"), "spec: Forbidden: no"},
		{"too long", tooLong("metadata.annotations", 10), "metadata.annotations: Too long: must have at most 10 bytes"},
		{"not found", notFound("spec.containers[0].volumeMounts[0].name", "data"), `spec.containers[0].volumeMounts[0].name: Not found: "data"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("list", func(t *testing.T) {
		l := ErrorList{required("a", ""), required("b", "")}
		if got := l.Error(); got != "a: Required value, b: Required value" {
			t.Errorf("ErrorList.Error() = %q", got)
		}
	})
}

func TestValidatePod(t *testing.T) {
	c0 := "spec.containers[0]"
	tests := []struct {
		name   string
		mutate func(*Pod)
		want   []string
	}{
		{"valid", func(*Pod) {}, nil},
		{"generate name", func(p *Pod) { p.Name, p.GenerateName = "", "kubia-" }, nil},
		{"bad name", func(p *Pod) { p.Name = "Kubia_1" }, []string{
			`metadata.name: Invalid value: "Kubia_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}},
		{"no name", func(p *Pod) { p.Name = "" }, []string{"metadata.name: Required value: name or generateName is required"}},
		{"bad generate name", func(p *Pod) { p.Name, p.GenerateName = "", "Kubia-" }, []string{`metadata.generateName: Invalid value: "Kubia-": ` + subdomainMsg}},
		{"name too long", func(p *Pod) { p.Name = strings.Repeat("a", 254) }, []string{`metadata.name: Invalid value: "` + strings.Repeat("a", 64) + `"... (254 characters): must be no more than 253 characters`}},
		{"bad namespace", func(p *Pod) { p.Namespace = "Default" }, []string{`metadata.namespace: Invalid value: "Default": ` + dnsLabelMsg}},
		{"bad label value", func(p *Pod) { p.Labels["version"] = "v 1" }, []string{`metadata.labels: Invalid value: "v 1": ` + labelValueMsg}},
		{"huge label value", func(p *Pod) { p.Labels["big"] = strings.Repeat("x", 1<<20) }, []string{
			`metadata.labels: Invalid value: "` + strings.Repeat("x", 64) + `"... (1048576 characters): must be no more than 63 characters`}},
		{"bad label key", func(p *Pod) { p.Labels["-app"] = "x" }, []string{`metadata.labels: Invalid value: "-app": ` + nameKeyMsg}},
		{"bad annotation key", func(p *Pod) { p.Annotations = map[string]string{"a b": ""} }, []string{`metadata.annotations: Invalid value: "a b": ` + nameKeyMsg}},
		{"no containers", func(p *Pod) { p.Spec.Containers = nil }, []string{"spec.containers: Required value"}},
		{"missing image", func(p *Pod) { p.Spec.Containers[0].Image = "" }, []string{c0 + ".image: Required value"}},
		{"image with space", func(p *Pod) { p.Spec.Containers[0].Image = "kubia " }, []string{c0 + `.image: Invalid value: "kubia ": must not have leading or trailing whitespace`}},
		{"missing container name", func(p *Pod) { p.Spec.Containers[0].Name = "" }, []string{c0 + ".name: Required value"}},
		{"bad container name", func(p *Pod) { p.Spec.Containers[0].Name = "Web" }, []string{c0 + `.name: Invalid value: "Web": ` + dnsLabelMsg}},
		{"duplicate container names", func(p *Pod) {
			p.Spec.Containers = append(p.Spec.Containers, Container{Name: "web", Image: "x", ImagePullPolicy: PullAlways})
		}, []string{`spec.containers[1].name: Duplicate value: "web"`}},
		{"init container named like a container", func(p *Pod) {
			p.Spec.InitContainers = []Container{{Name: "web", Image: "x", ImagePullPolicy: PullAlways}}
		}, []string{`spec.containers[0].name: Duplicate value: "web"`}},
		{"probe on init container", func(p *Pod) {
			p.Spec.InitContainers = []Container{{Name: "init", Image: "x", ImagePullPolicy: PullAlways, ReadinessProbe: p.Spec.Containers[0].LivenessProbe}}
		}, []string{"spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers"}},
		{"port too big", func(p *Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 70000 }, []string{c0 + ".ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"}},
		{"port missing", func(p *Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 0 }, []string{c0 + ".ports[0].containerPort: Required value"}},
		{"host port too big", func(p *Pod) { p.Spec.Containers[0].Ports[0].HostPort = 65536 }, []string{c0 + ".ports[0].hostPort: Invalid value: 65536: must be between 1 and 65535, inclusive"}},
		{"host network needs equal ports", func(p *Pod) { p.Spec.HostNetwork = true; p.Spec.Containers[0].Ports[0].HostPort = 80 },
			[]string{c0 + ".ports[0].hostPort: Invalid value: 80: must match `containerPort` when `hostNetwork` is true"}},
		{"duplicate host port", func(p *Pod) {
			p.Spec.Containers[0].Ports = []ContainerPort{{ContainerPort: 80, HostPort: 80, Protocol: "TCP"}, {ContainerPort: 81, HostPort: 80, Protocol: "TCP"}}
		}, []string{c0 + `.ports[1].hostPort: Duplicate value: "80/TCP"`}},
		{"bad protocol", func(p *Pod) { p.Spec.Containers[0].Ports[0].Protocol = "HTTP" }, []string{c0 + `.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"`}},
		{"bad port name", func(p *Pod) { p.Spec.Containers[0].Ports[0].Name = "HTTP" }, []string{
			c0 + `.ports[0].name: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`,
			c0 + `.ports[0].name: Invalid value: "HTTP": must contain at least one letter (a-z)`,
		}},
		{"port name too long", func(p *Pod) {
			p.Spec.Containers[0].Ports[0].Name = "very-long-port-name"
			p.Spec.Containers[0].LivenessProbe.HTTPGet.Port = FromInt(8080)
		}, []string{c0 + `.ports[0].name: Invalid value: "very-long-port-name": must be no more than 15 characters`}},
		{"duplicate port names", func(p *Pod) {
			p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, ContainerPort{Name: "http", ContainerPort: 8081, Protocol: "TCP"})
		}, []string{c0 + `.ports[1].name: Duplicate value: "http"`}},
		{"bad restart policy", func(p *Pod) { p.Spec.RestartPolicy = "Sometimes" }, []string{`spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"`}},
		{"bad pull policy", func(p *Pod) { p.Spec.Containers[0].ImagePullPolicy = "IfMissing" }, []string{c0 + `.imagePullPolicy: Unsupported value: "IfMissing": supported values: "Always", "IfNotPresent", "Never"`}},
		{"bad dns policy", func(p *Pod) { p.Spec.DNSPolicy = "Google" }, []string{`spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"`}},
		{"dns policy None with a nameserver", func(p *Pod) {
			p.Spec.DNSPolicy, p.Spec.DNSConfig = DNSNone, &PodDNSConfig{Nameservers: []string{"1.2.3.4"}, Options: []PodDNSConfigOption{{Name: "edns0"}}}
		}, nil},
		{"dns policy None without dnsConfig", func(p *Pod) { p.Spec.DNSPolicy = DNSNone },
			[]string{"spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"}},
		{"dns policy None without nameservers", func(p *Pod) {
			p.Spec.DNSPolicy, p.Spec.DNSConfig = DNSNone, &PodDNSConfig{Searches: []string{"example.org"}}
		},
			[]string{"spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None"}},
		{"dnsConfig with ClusterFirst and a search with a trailing dot", func(p *Pod) { p.Spec.DNSConfig = &PodDNSConfig{Searches: []string{"example.org."}} }, nil},
		{"dnsConfig too many nameservers", func(p *Pod) {
			p.Spec.DNSConfig = &PodDNSConfig{Nameservers: []string{"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4"}}
		},
			[]string{`spec.dnsConfig.nameservers: Invalid value: []string{"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4"}: must not have more than 3 nameservers`}},
		{"dnsConfig bad nameserver", func(p *Pod) { p.Spec.DNSConfig = &PodDNSConfig{Nameservers: []string{"dns.example.org"}} },
			[]string{`spec.dnsConfig.nameservers[0]: Invalid value: "dns.example.org": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`}},
		{"dnsConfig too many searches", func(p *Pod) {
			p.Spec.DNSConfig = &PodDNSConfig{Searches: strings.Split(strings.Repeat("a,", 32)+"a", ",")}
		}, []string{`spec.dnsConfig.searches: Invalid value: []string{` + strings.Repeat(`"a", `, 10) + `"a", ... (173 characters): must not have more than 32 search paths`}},
		{"dnsConfig search list too long", func(p *Pod) {
			p.Spec.DNSConfig = &PodDNSConfig{Searches: []string{strings.Repeat("a.", 600) + "a", strings.Repeat("b.", 500) + "b"}}
		}, []string{
			`spec.dnsConfig.searches: Invalid value: []string{"` + strings.Repeat("a.", 27) + `... (2218 characters): must not have more than 2048 characters (including spaces) in the search list`,
			`spec.dnsConfig.searches[0]: Invalid value: "` + strings.Repeat("a.", 32) + `"... (1201 characters): must be no more than 253 characters`,
			`spec.dnsConfig.searches[1]: Invalid value: "` + strings.Repeat("b.", 32) + `"... (1001 characters): must be no more than 253 characters`,
		}},
		{"dnsConfig bad search", func(p *Pod) { p.Spec.DNSConfig = &PodDNSConfig{Searches: []string{"Example_org"}} },
			[]string{`spec.dnsConfig.searches[0]: Invalid value: "Example_org": ` + subdomainMsg}},
		{"dnsConfig option without name", func(p *Pod) { p.Spec.DNSConfig = &PodDNSConfig{Options: []PodDNSConfigOption{{Value: String("2")}}} },
			[]string{"spec.dnsConfig.options[0]: Required value: must not be empty"}},
		{"negative grace period", func(p *Pod) { p.Spec.TerminationGracePeriodSeconds = Int64(-1) }, []string{"spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0"}},
		{"bad env name", func(p *Pod) { p.Spec.Containers[0].Env[0].Name = "1VAR" }, []string{
			c0 + `.env[0].name: Invalid value: "1VAR": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`}},
		{"env value and valueFrom", func(p *Pod) { p.Spec.Containers[0].Env[0].Value = "x" },
			[]string{c0 + ".env[0].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty"}},
		{"env valueFrom empty", func(p *Pod) { p.Spec.Containers[0].Env[0].ValueFrom = &EnvVarSource{} },
			[]string{c0 + ".env[0].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"}},
		{"env valueFrom two sources", func(p *Pod) {
			p.Spec.Containers[0].Env[0].ValueFrom.SecretKeyRef = &KeySelector{Name: "s", Key: "k"}
		}, []string{c0 + ".env[0].valueFrom: Invalid value: \"\": may not have more than one field specified at a time"}},
		{"env bad field path", func(p *Pod) { p.Spec.Containers[0].Env[0].ValueFrom.FieldRef.FieldPath = "spec.foo" }, []string{
			c0 + `.env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.foo": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels", "metadata.annotations", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.podIP", "status.podIPs"`}},
		{"env label subscript", func(p *Pod) { p.Spec.Containers[0].Env[0].ValueFrom.FieldRef.FieldPath = "metadata.labels['app']" }, nil},
		{"env secret without key", func(p *Pod) {
			p.Spec.Containers[0].Env[0].ValueFrom = &EnvVarSource{SecretKeyRef: &KeySelector{Name: "s"}}
		}, []string{c0 + ".env[0].valueFrom.secretKeyRef.key: Required value"}},
		{"requests above limits", func(p *Pod) { p.Spec.Containers[0].Resources.Requests["cpu"] = MustParse("2") },
			[]string{c0 + `.resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1`}},
		{"unknown resource", func(p *Pod) { p.Spec.Containers[0].Resources.Limits["cpus"] = MustParse("1") },
			[]string{c0 + `.resources.limits[cpus]: Invalid value: "cpus": must be a standard resource for containers`}},
		{"extended resource", func(p *Pod) { p.Spec.Containers[0].Resources.Limits["example.com/gpu"] = MustParse("1") }, nil},
		{"negative memory", func(p *Pod) { p.Spec.Containers[0].Resources.Requests["memory"] = MustParse("-1Mi") },
			[]string{c0 + `.resources.requests[memory]: Invalid value: "-1Mi": must be greater than or equal to 0`}},
		{"mount of missing volume", func(p *Pod) { p.Spec.Volumes = nil }, []string{c0 + `.volumeMounts[0].name: Not found: "data"`}},
		{"relative mount path", func(p *Pod) { p.Spec.Containers[0].VolumeMounts[0].MountPath = "data" },
			[]string{c0 + `.volumeMounts[0].mountPath: Invalid value: "data": must be an absolute path`}},
		{"same mount path twice", func(p *Pod) {
			c := &p.Spec.Containers[0]
			c.VolumeMounts = append(c.VolumeMounts, VolumeMount{Name: "data", MountPath: "/data/"})
		}, []string{c0 + `.volumeMounts[1].mountPath: Invalid value: "/data/": must be unique`}},
		{"sub path climbs out", func(p *Pod) { p.Spec.Containers[0].VolumeMounts[0].SubPath = "../etc" },
			[]string{c0 + `.volumeMounts[0].subPath: Invalid value: "../etc": must not contain '..'`}},
		{"duplicate volume", func(p *Pod) { p.Spec.Volumes = append(p.Spec.Volumes, p.Spec.Volumes[0]) }, []string{`spec.volumes[1].name: Duplicate value: "data"`}},
		{"bad volume name", func(p *Pod) { p.Spec.Volumes[0].Name = "my_data"; p.Spec.Containers[0].VolumeMounts = nil },
			[]string{`spec.volumes[0].name: Invalid value: "my_data": ` + dnsLabelMsg}},
		{"volume without source", func(p *Pod) { p.Spec.Volumes[0].EmptyDir = nil }, []string{"spec.volumes[0]: Required value: must specify a volume type"}},
		{"volume with two sources", func(p *Pod) { p.Spec.Volumes[0].HostPath = &HostPathVolumeSource{Path: "/tmp"} },
			[]string{"spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type"}},
		{"relative host path", func(p *Pod) {
			p.Spec.Volumes[0].VolumeSource = VolumeSource{HostPath: &HostPathVolumeSource{Path: "tmp"}}
		},
			[]string{`spec.volumes[0].hostPath.path: Invalid value: "tmp": must be an absolute path`}},
		{"bad host path type", func(p *Pod) {
			p.Spec.Volumes[0].VolumeSource = VolumeSource{HostPath: &HostPathVolumeSource{Path: "/tmp", Type: "Folder"}}
		}, []string{`spec.volumes[0].hostPath.type: Unsupported value: "Folder": supported values: "", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"`}},
		{"probe with two handlers", func(p *Pod) {
			p.Spec.Containers[0].LivenessProbe.TCPSocket = &TCPSocketAction{Port: FromInt(8080)}
		}, []string{c0 + ".livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"}},
		{"probe without handler", func(p *Pod) { p.Spec.Containers[0].LivenessProbe.HTTPGet = nil },
			[]string{c0 + ".livenessProbe: Required value: must specify a handler type"}},
		{"liveness success threshold", func(p *Pod) { p.Spec.Containers[0].LivenessProbe.SuccessThreshold = 2 },
			[]string{c0 + ".livenessProbe.successThreshold: Invalid value: 2: must be 1"}},
		{"readiness success threshold", func(p *Pod) {
			p.Spec.Containers[0].ReadinessProbe = &Probe{ProbeHandler: ProbeHandler{Exec: &ExecAction{Command: []string{"true"}}}, PeriodSeconds: 5, SuccessThreshold: 2}
		}, nil},
		{"negative initial delay", func(p *Pod) { p.Spec.Containers[0].LivenessProbe.InitialDelaySeconds = -5 },
			[]string{c0 + ".livenessProbe.initialDelaySeconds: Invalid value: -5: must be greater than or equal to 0"}},
		{"zero period", func(p *Pod) { p.Spec.Containers[0].LivenessProbe.PeriodSeconds = 0 },
			[]string{c0 + ".livenessProbe.periodSeconds: Invalid value: 0: must be greater than or equal to 1"}},
		{"probe port out of range", func(p *Pod) { p.Spec.Containers[0].LivenessProbe.HTTPGet.Port = FromInt(0) },
			[]string{c0 + ".livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive"}},
		{"probe bad scheme", func(p *Pod) { p.Spec.Containers[0].LivenessProbe.HTTPGet.Scheme = "http" },
			[]string{c0 + `.livenessProbe.httpGet.scheme: Unsupported value: "http": supported values: "HTTP", "HTTPS"`}},
		{"exec probe without command", func(p *Pod) { p.Spec.Containers[0].LivenessProbe.ProbeHandler = ProbeHandler{Exec: &ExecAction{}} },
			[]string{c0 + ".livenessProbe.exec.command: Required value"}},
		{"toleration exists with value", func(p *Pod) { p.Spec.Tolerations[0].Operator = "Exists" },
			[]string{`spec.tolerations[0].operator: Invalid value: "web": value must be empty when ` + "`operator` is 'Exists'"}},
		{"toleration bad operator", func(p *Pod) { p.Spec.Tolerations[0].Operator = "In" },
			[]string{`spec.tolerations[0].operator: Unsupported value: "In": supported values: "Equal", "Exists"`}},
		{"toleration bad effect", func(p *Pod) { p.Spec.Tolerations[0].Effect = "NoRun" },
			[]string{`spec.tolerations[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`}},
		{"toleration seconds without NoExecute", func(p *Pod) { p.Spec.Tolerations[0].TolerationSeconds = Int64(60) },
			[]string{`spec.tolerations[0].effect: Invalid value: "NoSchedule": effect must be 'NoExecute' when ` + "`tolerationSeconds` is set"}},
		{"toleration without key must be Exists", func(p *Pod) { p.Spec.Tolerations[0].Key = "" },
			[]string{`spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when ` + "`key` is empty, which means \"match all values and all keys\""}},
		{"tolerate everything", func(p *Pod) { p.Spec.Tolerations = []Toleration{{Operator: "Exists"}} }, nil},
		{"bad node selector", func(p *Pod) { p.Spec.NodeSelector = map[string]string{"disk type": "ssd"} },
			[]string{`spec.nodeSelector: Invalid value: "disk type": ` + nameKeyMsg}},
		{"node affinity bad operator", func(p *Pod) {
			p.Spec.Affinity = &Affinity{NodeAffinity: &NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &NodeSelector{
				NodeSelectorTerms: []NodeSelectorTerm{{MatchExpressions: []NodeSelectorRequirement{{Key: "disk", Operator: "Equals", Values: []string{"ssd"}}}}}}}}
		}, []string{`spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator`}},
		{"node affinity In without values", func(p *Pod) {
			p.Spec.Affinity = &Affinity{NodeAffinity: &NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &NodeSelector{
				NodeSelectorTerms: []NodeSelectorTerm{{MatchExpressions: []NodeSelectorRequirement{{Key: "disk", Operator: "In"}}}}}}}
		}, []string{"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"}},
		{"node affinity Gt", func(p *Pod) {
			p.Spec.Affinity = &Affinity{NodeAffinity: &NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []PreferredSchedulingTerm{
				{Weight: 101, Preference: NodeSelectorTerm{MatchExpressions: []NodeSelectorRequirement{{Key: "cores", Operator: "Gt", Values: []string{"four"}}}}}}}}
		}, []string{
			"spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100",
			`spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].values[0]: Invalid value: "four": must be an integer`,
		}},
		{"no node selector terms", func(p *Pod) {
			p.Spec.Affinity = &Affinity{NodeAffinity: &NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &NodeSelector{}}}
		}, []string{"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term"}},
		{"bad node name", func(p *Pod) { p.Spec.NodeName = "Node_1" }, []string{`spec.nodeName: Invalid value: "Node_1": ` + subdomainMsg}},
		{"several errors at once", func(p *Pod) { p.Name = ""; p.Spec.Containers[0].Image = "" }, []string{
			"metadata.name: Required value: name or generateName is required",
			c0 + ".image: Required value",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := validPod()
			tt.mutate(pod)
			checkErrors(t, Validate(pod), tt.want)
		})
	}
}
