package scheduler

import (
	"kubelab/pkg/api"
)

// Builders for test objects: a Ready node with allocatable cpu, memory
// and 110 pods, and a pod with one container's requests, each changed by
// options.

func makeNode(name, cpu, memory string, opts ...func(*api.Node)) *api.Node {
	n := &api.Node{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Status: api.NodeStatus{
			Allocatable: api.ResourceList{"cpu": api.MustParse(cpu), "memory": api.MustParse(memory), "pods": api.MustParse("110")},
			Conditions:  []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue}},
		},
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

func makePod(name, cpu, memory string, opts ...func(*api.Pod)) *api.Pod {
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name},
		Spec: api.PodSpec{
			SchedulerName: api.DefaultSchedulerName,
			Containers:    []api.Container{{Name: "app", Image: "app"}},
		},
		Status: api.PodStatus{Phase: api.PodPending},
	}
	req := api.ResourceList{}
	if cpu != "" {
		req["cpu"] = api.MustParse(cpu)
	}
	if memory != "" {
		req["memory"] = api.MustParse(memory)
	}
	if len(req) > 0 {
		p.Spec.Containers[0].Resources.Requests = req
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func onNode(name string) func(*api.Pod) {
	return func(p *api.Pod) { p.Spec.NodeName = name }
}

func ownedBy(uid string) func(*api.Pod) {
	return func(p *api.Pod) {
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs-" + uid, UID: uid, Controller: api.Bool(true)}}
	}
}

func hostPort(port int32, protocol, ip string) func(*api.Pod) {
	return func(p *api.Pod) {
		c := &p.Spec.Containers[0]
		c.Ports = append(c.Ports, api.ContainerPort{ContainerPort: port, HostPort: port, Protocol: protocol, HostIP: ip})
	}
}

func tolerating(ts ...api.Toleration) func(*api.Pod) {
	return func(p *api.Pod) { p.Spec.Tolerations = ts }
}

func withNodeSelector(sel map[string]string) func(*api.Pod) {
	return func(p *api.Pod) { p.Spec.NodeSelector = sel }
}

// requiring sets required node affinity with one term per argument.
func requiring(terms ...api.NodeSelectorTerm) func(*api.Pod) {
	return func(p *api.Pod) {
		p.Spec.Affinity = &api.Affinity{NodeAffinity: &api.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{NodeSelectorTerms: terms}}}
	}
}

func labelled(labels map[string]string) func(*api.Node) {
	return func(n *api.Node) {
		for k, v := range labels {
			n.Labels[k] = v
		}
	}
}

func tainted(ts ...api.Taint) func(*api.Node) {
	return func(n *api.Node) { n.Spec.Taints = ts }
}

func cordoned(n *api.Node) { n.Spec.Unschedulable = true }

func notReady(n *api.Node) { n.Status.Conditions[0].Status = api.ConditionUnknown }

func podSlots(count string) func(*api.Node) {
	return func(n *api.Node) { n.Status.Allocatable["pods"] = api.MustParse(count) }
}
