package printers

import (
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

func running(ready bool, restarts int32) api.ContainerStatus {
	return api.ContainerStatus{Name: "c", Ready: ready, RestartCount: restarts,
		State: api.ContainerState{Running: &api.ContainerStateRunning{}}}
}

func waiting(reason string, restarts int32) api.ContainerStatus {
	return api.ContainerStatus{Name: "c", RestartCount: restarts,
		State: api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: reason}}}
}

func terminated(t api.ContainerStateTerminated) api.ContainerStatus {
	return api.ContainerStatus{Name: "c", State: api.ContainerState{Terminated: &t}}
}

func podWith(containers int, phase string, statuses ...api.ContainerStatus) *api.Pod {
	p := &api.Pod{}
	for i := 0; i < containers; i++ {
		p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: "c"})
	}
	p.Status.Phase = phase
	p.Status.ContainerStatuses = statuses
	return p
}

func TestPodStatus(t *testing.T) {
	now := api.Now()
	tests := []struct {
		name     string
		pod      func() *api.Pod
		ready    string
		status   string
		restarts int32
	}{
		{"running and ready", func() *api.Pod { return podWith(1, "Running", running(true, 0)) }, "1/1", "Running", 0},
		{"no status yet", func() *api.Pod { return podWith(1, "") }, "0/1", "Pending", 0},
		{"pending without reason", func() *api.Pod { return podWith(1, "Pending", waiting("", 0)) }, "0/1", "Pending", 0},
		{"image never pulled", func() *api.Pod { return podWith(1, "Pending", waiting("ErrImageNeverPull", 0)) }, "0/1", "ErrImageNeverPull", 0},
		{"crash loop with restarts", func() *api.Pod { return podWith(1, "Running", waiting("CrashLoopBackOff", 5)) }, "0/1", "CrashLoopBackOff", 5},
		{"running but not ready", func() *api.Pod { return podWith(1, "Running", running(false, 1)) }, "0/1", "Running", 1},
		{"completed", func() *api.Pod {
			return podWith(1, "Succeeded", terminated(api.ContainerStateTerminated{Reason: "Completed"}))
		}, "0/1", "Completed", 0},
		{"exit code without reason", func() *api.Pod {
			return podWith(1, "Failed", terminated(api.ContainerStateTerminated{ExitCode: 2}))
		}, "0/1", "ExitCode:2", 0},
		{"killed by a signal", func() *api.Pod {
			return podWith(1, "Failed", terminated(api.ContainerStateTerminated{ExitCode: 137, Signal: 9}))
		}, "0/1", "Signal:9", 0},
		{"oom killed", func() *api.Pod {
			return podWith(1, "Running", terminated(api.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}))
		}, "0/1", "OOMKilled", 0},
		{"first container's reason wins", func() *api.Pod {
			return podWith(2, "Pending", waiting("ErrImageNeverPull", 0), waiting("ContainerCreating", 0))
		}, "0/2", "ErrImageNeverPull", 0},
		{"restarts sum over containers", func() *api.Pod {
			return podWith(2, "Running", running(true, 2), running(true, 3))
		}, "2/2", "Running", 5},
		{"one completed, one running and pod ready", func() *api.Pod {
			p := podWith(2, "Running", terminated(api.ContainerStateTerminated{Reason: "Completed"}), running(true, 0))
			p.Status.Conditions = []api.PodCondition{{Type: "Ready", Status: "True"}}
			return p
		}, "1/2", "Running", 0},
		{"one completed, one running, pod not ready", func() *api.Pod {
			return podWith(2, "Running", terminated(api.ContainerStateTerminated{Reason: "Completed"}), running(true, 0))
		}, "1/2", "NotReady", 0},
		{"evicted", func() *api.Pod {
			p := podWith(1, "Failed")
			p.Status.Reason = "Evicted"
			return p
		}, "0/1", "Evicted", 0},
		{"terminating", func() *api.Pod {
			p := podWith(1, "Running", running(true, 0))
			p.DeletionTimestamp = &now
			return p
		}, "1/1", "Terminating", 0},
		{"node lost while terminating", func() *api.Pod {
			p := podWith(1, "Running", running(true, 0))
			p.DeletionTimestamp = &now
			p.Status.Reason = "NodeLost"
			return p
		}, "1/1", "Unknown", 0},
		{"init containers running", func() *api.Pod {
			p := podWith(1, "Pending", waiting("PodInitializing", 0))
			p.Spec.InitContainers = []api.Container{{Name: "a"}, {Name: "b"}}
			p.Status.InitContainerStatuses = []api.ContainerStatus{
				terminated(api.ContainerStateTerminated{Reason: "Completed"}), running(false, 0)}
			return p
		}, "0/1", "Init:1/2", 0},
		{"init container crash looping", func() *api.Pod {
			p := podWith(1, "Pending")
			p.Spec.InitContainers = []api.Container{{Name: "a"}}
			p.Status.InitContainerStatuses = []api.ContainerStatus{waiting("CrashLoopBackOff", 4)}
			return p
		}, "0/1", "Init:CrashLoopBackOff", 4},
		{"init container failed", func() *api.Pod {
			p := podWith(1, "Pending")
			p.Spec.InitContainers = []api.Container{{Name: "a"}}
			p.Status.InitContainerStatuses = []api.ContainerStatus{terminated(api.ContainerStateTerminated{Reason: "Error", ExitCode: 1})}
			return p
		}, "0/1", "Init:Error", 0},
		{"init container exit code", func() *api.Pod {
			p := podWith(1, "Pending")
			p.Spec.InitContainers = []api.Container{{Name: "a"}}
			p.Status.InitContainerStatuses = []api.ContainerStatus{terminated(api.ContainerStateTerminated{ExitCode: 3})}
			return p
		}, "0/1", "Init:ExitCode:3", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ready, status, restarts := podStatus(tt.pod())
			if ready != tt.ready || status != tt.status || restarts != tt.restarts {
				t.Errorf("got %s %s %d, want %s %s %d", ready, status, restarts, tt.ready, tt.status, tt.restarts)
			}
		})
	}
}

func TestRestartsCell(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	restarted := func(restarts int32, ago time.Duration) api.ContainerStatus {
		cs := running(true, restarts)
		cs.LastTerminationState.Terminated = &api.ContainerStateTerminated{ExitCode: 1, FinishedAt: api.NewTime(now.Add(-ago))}
		return cs
	}
	tests := []struct {
		name string
		pod  *api.Pod
		want string
	}{
		{"never restarted", podWith(1, "Running", running(true, 0)), "0"},
		{"restarted, last state unknown", podWith(1, "Running", running(true, 2)), "2"},
		{"restarted", podWith(1, "Running", restarted(3, 2*time.Minute)), "3 (2m ago)"},
		{"the latest restart of two containers", podWith(2, "Running", restarted(1, time.Hour), restarted(1, 5*time.Second)), "2 (5s ago)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rowText(t, tt.pod, now)[3]; got != tt.want {
				t.Errorf("RESTARTS = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestServiceColumns(t *testing.T) {
	tests := []struct {
		name       string
		spec       api.ServiceSpec
		status     api.ServiceStatus
		externalIP string
		ports      string
	}{
		{"cluster ip", api.ServiceSpec{Ports: []api.ServicePort{{Port: 80, Protocol: "TCP"}}}, api.ServiceStatus{}, "<none>", "80/TCP"},
		{"node port and a second port", api.ServiceSpec{Type: "NodePort", Ports: []api.ServicePort{
			{Port: 80, NodePort: 30080, Protocol: "TCP"}, {Port: 443}}}, api.ServiceStatus{}, "<none>", "80:30080/TCP,443/TCP"},
		{"udp", api.ServiceSpec{Ports: []api.ServicePort{{Port: 53, Protocol: "UDP"}}}, api.ServiceStatus{}, "<none>", "53/UDP"},
		{"no ports", api.ServiceSpec{}, api.ServiceStatus{}, "<none>", "<none>"},
		{"external ips", api.ServiceSpec{ExternalIPs: []string{"1.2.3.4", "5.6.7.8"}}, api.ServiceStatus{}, "1.2.3.4,5.6.7.8", "<none>"},
		{"load balancer pending", api.ServiceSpec{Type: "LoadBalancer"}, api.ServiceStatus{}, "<pending>", "<none>"},
		{"load balancer with ingress", api.ServiceSpec{Type: "LoadBalancer"}, api.ServiceStatus{LoadBalancer: api.LoadBalancerStatus{
			Ingress: []api.LoadBalancerIngress{{IP: "9.9.9.9"}, {Hostname: "lb.example"}}}}, "9.9.9.9,lb.example", "<none>"},
		{"external name", api.ServiceSpec{Type: "ExternalName", ExternalName: "db.example.com"}, api.ServiceStatus{}, "db.example.com", "<none>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &api.Service{Spec: tt.spec, Status: tt.status}
			if got := ServiceExternalIP(s); got != tt.externalIP {
				t.Errorf("EXTERNAL-IP = %q, want %q", got, tt.externalIP)
			}
			if got := servicePorts(s.Spec.Ports); got != tt.ports {
				t.Errorf("PORT(S) = %q, want %q", got, tt.ports)
			}
		})
	}
}

func TestFormatEndpoints(t *testing.T) {
	addrs := func(ips ...string) []api.EndpointAddress {
		var out []api.EndpointAddress
		for _, ip := range ips {
			out = append(out, api.EndpointAddress{IP: ip})
		}
		return out
	}
	tests := []struct {
		name     string
		subsets  []api.EndpointSubset
		portName string
		max      int
		want     string
	}{
		{"none", nil, "", 3, "<none>"},
		{"two", []api.EndpointSubset{{Addresses: addrs("10.244.1.5", "10.244.2.3"), Ports: []api.EndpointPort{{Port: 8080}}}},
			"", 3, "10.244.1.5:8080,10.244.2.3:8080"},
		{"more than three", []api.EndpointSubset{{Addresses: addrs("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"),
			Ports: []api.EndpointPort{{Port: 80}}}}, "", 3, "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more..."},
		{"two ports", []api.EndpointSubset{{Addresses: addrs("10.0.0.1"), Ports: []api.EndpointPort{{Port: 80}, {Port: 443}}}},
			"", 3, "10.0.0.1:80,10.0.0.1:443"},
		{"one named port", []api.EndpointSubset{{Addresses: addrs("10.0.0.1"),
			Ports: []api.EndpointPort{{Name: "http", Port: 80}, {Name: "https", Port: 443}}}}, "https", 0, "10.0.0.1:443"},
		{"headless without ports", []api.EndpointSubset{{Addresses: addrs("10.0.0.1")}}, "", 3, "10.0.0.1"},
		{"only not ready", []api.EndpointSubset{{NotReadyAddresses: addrs("10.0.0.1"), Ports: []api.EndpointPort{{Port: 80}}}},
			"", 3, "<none>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatEndpoints(tt.subsets, tt.portName, tt.max); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNodeStatus(t *testing.T) {
	tests := []struct {
		name          string
		ready         string // "" for no Ready condition
		unschedulable bool
		want          string
	}{
		{"ready", "True", false, "Ready"},
		{"not ready", "False", false, "NotReady"},
		{"unknown", "Unknown", false, "Unknown"},
		{"no condition yet", "", false, "Unknown"},
		{"cordoned", "True", true, "Ready,SchedulingDisabled"},
		{"cordoned and not ready", "False", true, "NotReady,SchedulingDisabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := &api.Node{Spec: api.NodeSpec{Unschedulable: tt.unschedulable}}
			if tt.ready != "" {
				n.Status.Conditions = []api.NodeCondition{{Type: "MemoryPressure", Status: "False"}, {Type: "Ready", Status: tt.ready}}
			}
			if got := nodeStatus(n); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNodeRoles(t *testing.T) {
	n := &api.Node{ObjectMeta: api.ObjectMeta{Labels: map[string]string{
		"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/etcd": "", "disk": "ssd"}}}
	if got := NodeRoles(n); got != "control-plane,etcd" {
		t.Errorf("got %q", got)
	}
	if got := NodeRoles(&api.Node{}); got != "<none>" {
		t.Errorf("no roles: got %q", got)
	}
}

func TestFormatSelector(t *testing.T) {
	tests := []struct {
		name string
		sel  *api.LabelSelector
		want string
	}{
		{"nil", nil, "<none>"},
		{"labels", &api.LabelSelector{MatchLabels: map[string]string{"b": "2", "a": "1"}}, "a=1,b=2"},
		{"expressions", &api.LabelSelector{MatchLabels: map[string]string{"app": "kubia"}, MatchExpressions: []api.LabelSelectorRequirement{
			{Key: "env", Operator: "In", Values: []string{"dev", "test"}}, {Key: "tier", Operator: "NotIn", Values: []string{"db"}},
			{Key: "canary", Operator: "DoesNotExist"}, {Key: "team", Operator: "Exists"}}},
			"app=kubia,env in (dev,test),tier notin (db),!canary,team"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatSelector(tt.sel); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHumanDuration(t *testing.T) {
	const day, year = 24 * time.Hour, 365 * 24 * time.Hour
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-5 * time.Second, "<invalid>"},
		{-500 * time.Millisecond, "0s"},
		{0, "0s"},
		{5 * time.Second, "5s"},
		{119 * time.Second, "119s"},
		{2 * time.Minute, "2m"},
		{200 * time.Second, "3m20s"},
		{10 * time.Minute, "10m"},
		{52 * time.Minute, "52m"},
		{179 * time.Minute, "179m"},
		{3 * time.Hour, "3h"},
		{3*time.Hour + 4*time.Minute, "3h4m"},
		{8 * time.Hour, "8h"},
		{47 * time.Hour, "47h"},
		{2 * day, "2d"},
		{4 * day, "4d"},
		{4*day + 5*time.Hour, "4d5h"},
		{8 * day, "8d"},
		{400 * day, "400d"},
		{2 * year, "2y"},
		{2*year + 10*day, "2y10d"},
		{9 * year, "9y"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := HumanDuration(tt.d); got != tt.want {
				t.Errorf("HumanDuration(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestCSRRow(t *testing.T) {
	now := time.Now()
	csr := &api.CertificateSigningRequest{ObjectMeta: api.ObjectMeta{Name: "node-csr-x", CreationTimestamp: api.Time{Time: now.Add(-time.Minute)}},
		Spec: api.CertificateSigningRequestSpec{SignerName: api.SignerKubeletClient, Username: "system:bootstrap:abcdef"}}
	if got := strings.Join(rowText(t, csr, now), " | "); got != "node-csr-x | 60s | kubernetes.io/kube-apiserver-client-kubelet | system:bootstrap:abcdef | <none> | Pending" {
		t.Errorf("pending: %s", got)
	}
	csr.Status.Conditions = []api.CertificateSigningRequestCondition{{Type: api.CertificateApproved, Status: api.ConditionTrue}}
	csr.Status.Certificate = []byte("pem")
	if got := rowText(t, csr, now)[5]; got != "Approved,Issued" {
		t.Errorf("signed: %s", got)
	}
}
