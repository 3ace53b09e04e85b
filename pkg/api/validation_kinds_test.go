package api

import (
	"strings"
	"testing"
)

func validService() *Service {
	svc := &Service{
		ObjectMeta: ObjectMeta{Name: "kubia", Namespace: "default"},
		Spec: ServiceSpec{
			Selector: map[string]string{"app": "kubia"},
			Ports:    []ServicePort{{Name: "http", Port: 80, TargetPort: FromString("http")}},
		},
	}
	SetDefaults(svc)
	return svc
}

func TestValidateService(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Service)
		want   []string
	}{
		{"valid", func(*Service) {}, nil},
		{"name must start with a letter", func(s *Service) { s.Name = "1web" }, []string{`metadata.name: Invalid value: "1web": ` + dns1035Msg}},
		{"name with dots", func(s *Service) { s.Name = "my.svc" }, []string{`metadata.name: Invalid value: "my.svc": ` + dns1035Msg}},
		{"no ports", func(s *Service) { s.Spec.Ports = nil }, []string{"spec.ports: Required value"}},
		{"headless without ports", func(s *Service) { s.Spec.Ports = nil; s.Spec.ClusterIP = ClusterIPNone }, nil},
		{"port zero", func(s *Service) { s.Spec.Ports[0].Port = 0 }, []string{"spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"}},
		{"port too big", func(s *Service) { s.Spec.Ports[0].Port = 80000 }, []string{"spec.ports[0].port: Invalid value: 80000: must be between 1 and 65535, inclusive"}},
		{"target port too big", func(s *Service) { s.Spec.Ports[0].TargetPort = FromInt(70000) },
			[]string{"spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive"}},
		{"bad target port name", func(s *Service) { s.Spec.Ports[0].TargetPort = FromString("web_port") },
			[]string{`spec.ports[0].targetPort: Invalid value: "web_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`}},
		{"names required with two ports", func(s *Service) {
			s.Spec.Ports = []ServicePort{{Port: 80, Protocol: "TCP", TargetPort: FromInt(80)}, {Port: 443, Protocol: "TCP", TargetPort: FromInt(443)}}
		}, []string{"spec.ports[0].name: Required value", "spec.ports[1].name: Required value"}},
		{"duplicate port names", func(s *Service) {
			s.Spec.Ports = append(s.Spec.Ports, ServicePort{Name: "http", Port: 81, Protocol: "TCP", TargetPort: FromInt(81)})
		},
			[]string{`spec.ports[1].name: Duplicate value: "http"`}},
		{"duplicate port", func(s *Service) {
			s.Spec.Ports = append(s.Spec.Ports, ServicePort{Name: "other", Port: 80, Protocol: "TCP", TargetPort: FromInt(81)})
		},
			[]string{`spec.ports[1]: Duplicate value: "80/TCP"`}},
		{"bad protocol", func(s *Service) { s.Spec.Ports[0].Protocol = "tcp" }, []string{`spec.ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"`}},
		{"node port on cluster IP service", func(s *Service) { s.Spec.Ports[0].NodePort = 30080 },
			[]string{"spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"}},
		{"node port service", func(s *Service) { s.Spec.Type = ServiceTypeNodePort; s.Spec.Ports[0].NodePort = 30080 }, nil},
		{"node port out of range", func(s *Service) { s.Spec.Type = ServiceTypeNodePort; s.Spec.Ports[0].NodePort = 70000 },
			[]string{"spec.ports[0].nodePort: Invalid value: 70000: must be between 0 and 65535, inclusive"}},
		{"bad type", func(s *Service) { s.Spec.Type = "Internal" },
			[]string{`spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`}},
		{"headless node port", func(s *Service) { s.Spec.Type = ServiceTypeNodePort; s.Spec.ClusterIP = ClusterIPNone },
			[]string{`spec.clusterIP: Invalid value: "None": may not be set to 'None' for NodePort services`}},
		{"bad cluster IP", func(s *Service) { s.Spec.ClusterIP = "10.96.0" },
			[]string{`spec.clusterIP: Invalid value: "10.96.0": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`}},
		{"external name", func(s *Service) {
			s.Spec = ServiceSpec{Type: ServiceTypeExternalName, ExternalName: "db.example.com."}
		}, nil},
		{"external name missing", func(s *Service) { s.Spec = ServiceSpec{Type: ServiceTypeExternalName} }, []string{"spec.externalName: Required value"}},
		{"external name invalid", func(s *Service) { s.Spec = ServiceSpec{Type: ServiceTypeExternalName, ExternalName: "http://db"} },
			[]string{`spec.externalName: Invalid value: "http://db": ` + subdomainMsg}},
		{"bad session affinity", func(s *Service) { s.Spec.SessionAffinity = "Sticky" },
			[]string{`spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"`}},
		{"affinity timeout too long", func(s *Service) {
			s.Spec.SessionAffinity = "ClientIP"
			s.Spec.SessionAffinityConfig = &SessionAffinityConfig{ClientIP: &ClientIPConfig{TimeoutSeconds: Int32(86401)}}
		}, []string{"spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than or equal to 86400"}},
		{"local traffic policy on cluster IP", func(s *Service) { s.Spec.ExternalTrafficPolicy = "Local" },
			[]string{`spec.externalTrafficPolicy: Invalid value: "Local": may only be set when ` + "`type` is 'NodePort' or 'LoadBalancer'"}},
		{"bad traffic policy", func(s *Service) { s.Spec.Type = ServiceTypeNodePort; s.Spec.ExternalTrafficPolicy = "Node" },
			[]string{`spec.externalTrafficPolicy: Unsupported value: "Node": supported values: "Cluster", "Local"`}},
		{"bad selector", func(s *Service) { s.Spec.Selector = map[string]string{"app": "kubia web"} },
			[]string{`spec.selector: Invalid value: "kubia web": ` + labelValueMsg}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := validService()
			tt.mutate(svc)
			checkErrors(t, Validate(svc), tt.want)
		})
	}
}

func validTemplate() PodTemplateSpec {
	return PodTemplateSpec{
		ObjectMeta: ObjectMeta{Labels: map[string]string{"app": "kubia"}},
		Spec:       PodSpec{Containers: []Container{{Name: "web", Image: "kubia:v1"}}},
	}
}

func TestValidateReplicaSet(t *testing.T) {
	valid := func() *ReplicaSet {
		rs := &ReplicaSet{
			ObjectMeta: ObjectMeta{Name: "kubia"},
			Spec:       ReplicaSetSpec{Replicas: Int32(3), Selector: &LabelSelector{MatchLabels: map[string]string{"app": "kubia"}}, Template: validTemplate()},
		}
		SetDefaults(rs)
		return rs
	}
	tests := []struct {
		name   string
		mutate func(*ReplicaSet)
		want   []string
	}{
		{"valid", func(*ReplicaSet) {}, nil},
		{"negative replicas", func(rs *ReplicaSet) { rs.Spec.Replicas = Int32(-1) }, []string{"spec.replicas: Invalid value: -1: must be greater than or equal to 0"}},
		{"no selector", func(rs *ReplicaSet) { rs.Spec.Selector = nil }, []string{"spec.selector: Required value"}},
		{"empty selector", func(rs *ReplicaSet) { rs.Spec.Selector = &LabelSelector{} },
			[]string{"spec.selector: Invalid value: {}: empty selector is invalid: it would select every pod in the namespace"}},
		{"selector does not match", func(rs *ReplicaSet) { rs.Spec.Selector.MatchLabels["app"] = "other" },
			[]string{"spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"kubia\"}: `selector` does not match template `labels`"}},
		{"template without labels", func(rs *ReplicaSet) { rs.Spec.Template.Labels = nil },
			[]string{"spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`"}},
		{"expression selector matches", func(rs *ReplicaSet) {
			rs.Spec.Selector = &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "app", Operator: "In", Values: []string{"kubia", "web"}}}}
		}, nil},
		{"bad selector operator", func(rs *ReplicaSet) {
			rs.Spec.Selector.MatchExpressions = []LabelSelectorRequirement{{Key: "tier", Operator: "Equals", Values: []string{"web"}}}
		}, []string{`spec.selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator`}},
		{"exists with values", func(rs *ReplicaSet) {
			rs.Spec.Selector.MatchExpressions = []LabelSelectorRequirement{{Key: "tier", Operator: "Exists", Values: []string{"web"}}}
		}, []string{"spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"}},
		{"restart policy Never", func(rs *ReplicaSet) { rs.Spec.Template.Spec.RestartPolicy = RestartNever },
			[]string{`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`}},
		{"template pod spec checked", func(rs *ReplicaSet) { rs.Spec.Template.Spec.Containers[0].Image = "" },
			[]string{"spec.template.spec.containers[0].image: Required value"}},
		{"bad template label", func(rs *ReplicaSet) { rs.Spec.Template.Labels["tier"] = "-web" },
			[]string{`spec.template.metadata.labels: Invalid value: "-web": ` + labelValueMsg}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := valid()
			tt.mutate(rs)
			checkErrors(t, Validate(rs), tt.want)
		})
	}
}

func TestValidateReplicationController(t *testing.T) {
	valid := func() *ReplicationController {
		tmpl := validTemplate()
		rc := &ReplicationController{ObjectMeta: ObjectMeta{Name: "kubia"}, Spec: ReplicationControllerSpec{Template: &tmpl}}
		SetDefaults(rc)
		return rc
	}
	tests := []struct {
		name   string
		mutate func(*ReplicationController)
		want   []string
	}{
		{"valid", func(*ReplicationController) {}, nil},
		{"no template", func(rc *ReplicationController) { rc.Spec.Template = nil }, []string{"spec.template: Required value"}},
		{"no selector", func(rc *ReplicationController) { rc.Spec.Selector = nil }, []string{"spec.selector: Required value"}},
		{"selector does not match", func(rc *ReplicationController) { rc.Spec.Selector = map[string]string{"app": "web"} },
			[]string{"spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"kubia\"}: `selector` does not match template `labels`"}},
		{"restart policy OnFailure", func(rc *ReplicationController) { rc.Spec.Template.Spec.RestartPolicy = RestartOnFailure },
			[]string{`spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := valid()
			tt.mutate(rc)
			checkErrors(t, Validate(rc), tt.want)
		})
	}
}

func TestValidateDaemonSet(t *testing.T) {
	valid := func() *DaemonSet {
		ds := &DaemonSet{
			ObjectMeta: ObjectMeta{Name: "agent"},
			Spec:       DaemonSetSpec{Selector: &LabelSelector{MatchLabels: map[string]string{"app": "kubia"}}, Template: validTemplate()},
		}
		SetDefaults(ds)
		return ds
	}
	tests := []struct {
		name   string
		mutate func(*DaemonSet)
		want   []string
	}{
		{"valid", func(*DaemonSet) {}, nil},
		{"on delete", func(ds *DaemonSet) { ds.Spec.UpdateStrategy = DaemonSetUpdateStrategy{Type: "OnDelete"} }, nil},
		{"bad strategy", func(ds *DaemonSet) { ds.Spec.UpdateStrategy.Type = "Recreate" },
			[]string{`spec.updateStrategy.type: Unsupported value: "Recreate": supported values: "OnDelete", "RollingUpdate"`}},
		{"nothing may change", func(ds *DaemonSet) { zero := FromInt(0); ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &zero },
			[]string{"spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"}},
		{"bad percent", func(ds *DaemonSet) { p := FromString("ten%"); ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &p },
			[]string{`spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "ten%": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`}},
		{"percent above 100", func(ds *DaemonSet) { p := FromString("150%"); ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &p },
			[]string{`spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%`}},
		{"restart policy Never", func(ds *DaemonSet) { ds.Spec.Template.Spec.RestartPolicy = RestartNever },
			[]string{`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`}},
		{"selector does not match", func(ds *DaemonSet) { ds.Spec.Template.Labels = map[string]string{"app": "other"} },
			[]string{"spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := valid()
			tt.mutate(ds)
			checkErrors(t, Validate(ds), tt.want)
		})
	}
}

func TestValidateOtherKinds(t *testing.T) {
	tests := []struct {
		name string
		obj  Object
		want []string
	}{
		{"node", &Node{ObjectMeta: ObjectMeta{Name: "node-1"}, Spec: NodeSpec{PodCIDR: "10.244.1.0/24"}}, nil},
		{"node in a namespace", &Node{ObjectMeta: ObjectMeta{Name: "node-1", Namespace: "default"}},
			[]string{"metadata.namespace: Forbidden: not allowed on this type"}},
		{"node bad pod CIDR", &Node{ObjectMeta: ObjectMeta{Name: "node-1"}, Spec: NodeSpec{PodCIDR: "10.244.1.0"}},
			[]string{`spec.podCIDR: Invalid value: "10.244.1.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`}},
		{"node taints", &Node{ObjectMeta: ObjectMeta{Name: "node-1"}, Spec: NodeSpec{Taints: []Taint{
			{Key: "dedicated", Value: "db", Effect: TaintNoSchedule},
			{Key: "dedicated", Value: "web", Effect: TaintNoSchedule},
			{Key: "gpu", Effect: "NoRun"},
			{Key: "", Effect: TaintNoExecute},
		}}}, []string{
			`spec.taints[1]: Duplicate value: "dedicated:NoSchedule": taints must be unique by key and effect pair`,
			`spec.taints[2].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`,
			"spec.taints[3].key: Required value",
		}},
		{"node negative capacity", &Node{ObjectMeta: ObjectMeta{Name: "node-1"}, Status: NodeStatus{Capacity: ResourceList{"cpu": MustParse("-1")}}},
			[]string{`status.capacity[cpu]: Invalid value: "-1": must be greater than or equal to 0`}},
		{"node as make up registers it", &Node{ObjectMeta: ObjectMeta{Name: "node-1"}, Status: NodeStatus{
			Addresses:       []NodeAddress{{Type: NodeInternalIP, Address: "127.0.0.1"}, {Type: NodeHostName, Address: "node-1"}},
			DaemonEndpoints: NodeDaemonEndpoints{KubeletEndpoint: DaemonEndpoint{Port: 10250}},
		}}, nil},
		{"node every address type", &Node{ObjectMeta: ObjectMeta{Name: "node-1"}, Status: NodeStatus{Addresses: []NodeAddress{
			{Type: NodeInternalIP, Address: "fd00::12"}, {Type: NodeExternalIP, Address: "203.0.113.7"},
			{Type: NodeInternalDNS, Address: "node-1.lab.internal"}, {Type: NodeExternalDNS, Address: "node-1.example.com"},
		}}}, nil},
		{"node kubelet port out of range", &Node{ObjectMeta: ObjectMeta{Name: "node-1"}, Status: NodeStatus{
			DaemonEndpoints: NodeDaemonEndpoints{KubeletEndpoint: DaemonEndpoint{Port: 70000}}}},
			[]string{"status.daemonEndpoints.kubeletEndpoint.Port: Invalid value: 70000: must be between 1 and 65535, inclusive"}},
		{"node negative kubelet port", &Node{ObjectMeta: ObjectMeta{Name: "node-1"}, Status: NodeStatus{
			DaemonEndpoints: NodeDaemonEndpoints{KubeletEndpoint: DaemonEndpoint{Port: -1}}}},
			[]string{"status.daemonEndpoints.kubeletEndpoint.Port: Invalid value: -1: must be between 1 and 65535, inclusive"}},
		{"node bad addresses", &Node{ObjectMeta: ObjectMeta{Name: "node-1"}, Status: NodeStatus{Addresses: []NodeAddress{
			{Type: NodeInternalIP, Address: "not-an-ip"},
			{Type: NodeExternalIP, Address: "10.0.0.1:22"},
			{Type: NodeHostName, Address: "Node_1"},
			{Type: NodeInternalDNS, Address: ""},
			{Type: "VPNIP", Address: "10.8.0.1"},
		}}}, []string{
			`status.addresses[0].address: Invalid value: "not-an-ip": ` + ipMsg,
			`status.addresses[1].address: Invalid value: "10.0.0.1:22": ` + ipMsg,
			`status.addresses[2].address: Invalid value: "Node_1": ` + subdomainMsg,
			"status.addresses[3].address: Required value",
			`status.addresses[4].type: Unsupported value: "VPNIP": supported values: "Hostname", "InternalIP", "ExternalIP", "InternalDNS", "ExternalDNS"`,
		}},
		{"namespace", &Namespace{ObjectMeta: ObjectMeta{Name: "dev"}}, nil},
		{"namespace with dots", &Namespace{ObjectMeta: ObjectMeta{Name: "team.dev"}},
			[]string{`metadata.name: Invalid value: "team.dev": ` + dnsLabelMsg}},
		{"endpoints", &Endpoints{ObjectMeta: ObjectMeta{Name: "kubia"}, Subsets: []EndpointSubset{{
			Addresses: []EndpointAddress{{IP: "10.244.1.5"}}, Ports: []EndpointPort{{Port: 8080, Protocol: "TCP"}}}}}, nil},
		{"endpoints on loopback", &Endpoints{ObjectMeta: ObjectMeta{Name: "kubernetes"}, Subsets: []EndpointSubset{{
			Addresses: []EndpointAddress{{IP: "127.0.0.1"}}, Ports: []EndpointPort{{Name: "https", Port: 6443, Protocol: "TCP"}}}}}, nil},
		{"endpoints bad address and port", &Endpoints{ObjectMeta: ObjectMeta{Name: "kubia"}, Subsets: []EndpointSubset{{
			Addresses:         []EndpointAddress{{IP: "10.244.1.300"}},
			NotReadyAddresses: []EndpointAddress{{IP: ""}},
			Ports:             []EndpointPort{{Port: 0, Protocol: "TCP"}, {Name: "b", Port: 1, Protocol: "TCP"}}}}}, []string{
			`subsets[0].addresses[0].ip: Invalid value: "10.244.1.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`,
			`subsets[0].notReadyAddresses[0].ip: Invalid value: "": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`,
			"subsets[0].ports[0].name: Required value",
			"subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
		}},
		{"event", &Event{ObjectMeta: ObjectMeta{Name: "kubia.1", Namespace: "default"}, InvolvedObject: ObjectReference{Kind: "Pod", Name: "kubia", Namespace: "default"}, Type: EventNormal}, nil},
		{"event about a node", &Event{ObjectMeta: ObjectMeta{Name: "node-1.1", Namespace: "default"}, InvolvedObject: ObjectReference{Kind: "Node", Name: "node-1"}}, nil},
		{"event in another namespace", &Event{ObjectMeta: ObjectMeta{Name: "e", Namespace: "default"}, InvolvedObject: ObjectReference{Kind: "Pod", Name: "p", Namespace: "dev"}, Type: "Error"}, []string{
			`involvedObject.namespace: Invalid value: "dev": does not match event.namespace`,
			`type: Unsupported value: "Error": supported values: "Normal", "Warning"`,
		}},
		{"config map bad key", &ConfigMap{ObjectMeta: ObjectMeta{Name: "cfg"}, Data: map[string]string{"app.conf": "", "my key": ""}},
			[]string{`data: Invalid value: "my key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`}},
		{"service account", &ServiceAccount{ObjectMeta: ObjectMeta{Name: "builder.ci", Namespace: "default"},
			Secrets: []ObjectReference{{Name: "registry"}}, AutomountServiceAccountToken: Bool(false)}, nil},
		{"service account bad name", &ServiceAccount{ObjectMeta: ObjectMeta{Name: "Builder"}},
			[]string{`metadata.name: Invalid value: "Builder": ` + subdomainMsg}},
		{"secret too big", &Secret{ObjectMeta: ObjectMeta{Name: "s"}, StringData: map[string]string{"big": strings.Repeat("x", 1<<20+1)}},
			[]string{"data: Too long: must have at most 1048576 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErrors(t, Validate(tt.obj), tt.want)
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	tests := []struct {
		name     string
		old, new func() Object
		want     []string
	}{
		{"pod image may change", func() Object { return validPod() }, func() Object {
			p := validPod()
			p.Spec.Containers[0].Image = "kubia:v2"
			return p
		}, nil},
		{"pod tolerations may be added", func() Object { return validPod() }, func() Object {
			p := validPod()
			p.Spec.Tolerations = append(p.Spec.Tolerations, Toleration{Operator: "Exists", Effect: TaintNoExecute})
			return p
		}, nil},
		{"pod tolerations may not be removed", func() Object { return validPod() }, func() Object {
			p := validPod()
			p.Spec.Tolerations = nil
			return p
		}, []string{"spec: Forbidden: " + podUpdateDetail + " (changed: spec.tolerations)"}},
		{"pod restart policy is immutable", func() Object { return validPod() }, func() Object {
			p := validPod()
			p.Spec.RestartPolicy = RestartNever
			p.Spec.NodeSelector = map[string]string{"disk": "ssd"}
			return p
		}, []string{"spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) (changed: spec.nodeSelector, spec.restartPolicy)"}},
		{"pod labels may change", func() Object { return validPod() }, func() Object {
			p := validPod()
			p.Labels["tier"] = "web"
			return p
		}, nil},
		{"name is immutable", func() Object { return validPod() }, func() Object {
			p := validPod()
			p.Name = "kubia-2"
			return p
		}, []string{`metadata.name: Invalid value: "kubia-2": field is immutable`}},
		{"namespace and uid are immutable", func() Object {
			p := validPod()
			p.UID = "a"
			return p
		}, func() Object {
			p := validPod()
			p.Namespace, p.UID = "dev", "b"
			return p
		}, []string{`metadata.namespace: Invalid value: "dev": field is immutable`, `metadata.uid: Invalid value: "b": field is immutable`}},
		{"service cluster IP is immutable", func() Object {
			s := validService()
			s.Spec.ClusterIP = "10.96.0.10"
			return s
		}, func() Object {
			s := validService()
			s.Spec.ClusterIP = "10.96.0.11"
			return s
		}, []string{`spec.clusterIP: Invalid value: "10.96.0.11": field is immutable`}},
		{"service ports may change", func() Object { return validService() }, func() Object {
			s := validService()
			s.Spec.Ports[0].Port = 8080
			return s
		}, nil},
		{"replica set selector is immutable", func() Object {
			return &ReplicaSet{ObjectMeta: ObjectMeta{Name: "rs"}, Spec: ReplicaSetSpec{Selector: &LabelSelector{MatchLabels: map[string]string{"app": "kubia"}}, Template: validTemplate()}}
		}, func() Object {
			tmpl := validTemplate()
			tmpl.Labels["tier"] = "web"
			return &ReplicaSet{ObjectMeta: ObjectMeta{Name: "rs"}, Spec: ReplicaSetSpec{Selector: &LabelSelector{MatchLabels: map[string]string{"app": "kubia", "tier": "web"}}, Template: tmpl}}
		}, []string{`spec.selector: Invalid value: {"matchLabels":{"app":"kubia","tier":"web"}}: field is immutable`}},
		{"replica set may scale", func() Object {
			return &ReplicaSet{ObjectMeta: ObjectMeta{Name: "rs"}, Spec: ReplicaSetSpec{Selector: &LabelSelector{MatchLabels: map[string]string{"app": "kubia"}}, Template: validTemplate()}}
		}, func() Object {
			return &ReplicaSet{ObjectMeta: ObjectMeta{Name: "rs"}, Spec: ReplicaSetSpec{Replicas: Int32(5), Selector: &LabelSelector{MatchLabels: map[string]string{"app": "kubia"}}, Template: validTemplate()}}
		}, nil},
		{"node pod CIDR may be set once", func() Object { return &Node{ObjectMeta: ObjectMeta{Name: "n1"}} }, func() Object {
			return &Node{ObjectMeta: ObjectMeta{Name: "n1"}, Spec: NodeSpec{PodCIDR: "10.244.1.0/24"}}
		}, nil},
		{"node pod CIDR is immutable", func() Object {
			return &Node{ObjectMeta: ObjectMeta{Name: "n1"}, Spec: NodeSpec{PodCIDR: "10.244.1.0/24"}}
		}, func() Object {
			return &Node{ObjectMeta: ObjectMeta{Name: "n1"}, Spec: NodeSpec{PodCIDR: "10.244.2.0/24"}}
		}, []string{`spec.podCIDR: Forbidden: node updates may not change podCIDR except from "" to valid`}},
		{"kind may not change", func() Object { return validPod() }, func() Object { return validService() },
			[]string{`kind: Invalid value: "Service": may not change kind (was Pod)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErrors(t, ValidateUpdate(tt.new(), tt.old()), tt.want)
		})
	}
}
