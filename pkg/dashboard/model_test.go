package dashboard

import (
	"slices"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// A Deployment mid-rollout shows both ReplicaSets, newest first, each
// with its own pods; an old one scaled to 0 and empty is only counted.
func TestWorkloadsShowARollout(t *testing.T) {
	d := &api.Deployment{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "web", UID: "uid-web"},
		Spec:   api.DeploymentSpec{Replicas: api.Int32(4)},
		Status: api.DeploymentStatus{UpdatedReplicas: 2, ReadyReplicas: 3, AvailableReplicas: 3}}
	owned := func(name, rev string, replicas int32) *api.ReplicaSet {
		return &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name,
			Annotations:     map[string]string{revisionAnnotation: rev},
			OwnerReferences: []api.OwnerReference{{Kind: "Deployment", Name: "web", UID: "uid-web", Controller: api.Bool(true)}}},
			Spec: api.ReplicaSetSpec{Replicas: api.Int32(replicas)}}
	}
	cs := &caches{deployments: &staticCache{}, replicaSets: &staticCache{}, pods: &staticCache{}}
	cs.deployments.(*staticCache).put(d)
	for _, rs := range []*api.ReplicaSet{owned("web-v1", "1", 2), owned("web-v2", "2", 2), owned("web-v0", "0", 0)} {
		cs.replicaSets.(*staticCache).put(rs)
	}
	for _, p := range []*api.Pod{pod("default", "web-v1-a", "n1", api.PodRunning, true, "web-v1"), pod("default", "web-v1-b", "n1", api.PodRunning, true, "web-v1"),
		pod("default", "web-v2-a", "n1", api.PodRunning, true, "web-v2"), pod("default", "web-v2-b", "n1", api.PodPending, false, "web-v2")} {
		cs.pods.(*staticCache).put(p)
	}
	l := buildWorkloads(cs, "default", testNow)
	if len(l.Deployments) != 1 || len(l.ReplicaSets) != 0 {
		t.Fatalf("deployments %d, standalone replicasets %d", len(l.Deployments), len(l.ReplicaSets))
	}
	dv := l.Deployments[0]
	var names []string
	for _, rs := range dv.ReplicaSets {
		var pods []string
		for _, p := range rs.Pods {
			pods = append(pods, p.Name+":"+p.State)
		}
		names = append(names, rs.Name+"="+strings.Join(pods, ","))
	}
	want := []string{"web-v2=web-v2-a:ready,web-v2-b:pending", "web-v1=web-v1-a:ready,web-v1-b:ready"}
	if !slices.Equal(names, want) || dv.Retired != 1 {
		t.Fatalf("replicasets %v (retired %d), want %v and 1", names, dv.Retired, want)
	}
	if dv.Resource != "deployments" || dv.Replicas != 4 || dv.Stats[1] != (stat{"updated", 2, 0}) {
		t.Fatalf("deployment %+v", dv.workloadView)
	}
}

func TestPodState(t *testing.T) {
	deleting := pod("default", "a", "n1", api.PodRunning, true, "")
	deleting.DeletionTimestamp = &api.Time{Time: testNow}
	crashing := pod("default", "c", "n1", api.PodRunning, false, "")
	crashing.Status.ContainerStatuses[0].State = api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
	tests := []struct {
		p    *api.Pod
		want string
	}{
		{pod("default", "a", "", api.PodPending, false, ""), "unscheduled"},
		{pod("default", "a", "n1", api.PodPending, false, ""), "pending"},
		{pod("default", "a", "n1", api.PodRunning, true, ""), "ready"},
		{pod("default", "a", "n1", api.PodRunning, false, ""), "unready"},
		{pod("default", "a", "n1", api.PodSucceeded, false, ""), "succeeded"},
		{pod("default", "a", "n1", api.PodFailed, false, ""), "failed"},
		{deleting, "terminating"},
		{crashing, "failing"},
	}
	for _, tc := range tests {
		if got := newPodCard(tc.p, testNow).State; got != tc.want {
			t.Errorf("%s %s node %q: %s, want %s", tc.p.Name, tc.p.Status.Phase, tc.p.Spec.NodeName, got, tc.want)
		}
	}
}

// A node's bars count what its pods request, init containers as the
// scheduler counts them, finished pods not at all.
func TestNodeUsage(t *testing.T) {
	withInit := pod("default", "i", "n1", api.PodRunning, true, "")
	withInit.Spec.InitContainers = []api.Container{{Name: "init", Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse("2")}}}}
	cs := &caches{nodes: &staticCache{}, pods: &staticCache{}, replicaSets: &staticCache{}}
	cs.nodes.(*staticCache).put(node("n1", true, "4", "8Gi"))
	cs.pods.(*staticCache).put(withInit)
	cs.pods.(*staticCache).put(pod("default", "done", "n1", api.PodSucceeded, false, ""))
	cs.pods.(*staticCache).put(pod("default", "ghost", "gone", api.PodRunning, true, ""))
	m := buildMap(cs, "", testNow)
	n1, ok := m.column("n1")
	if !ok || n1.CPU.Used != "2" || n1.CPU.Percent != 50 || n1.Memory.Used != "256Mi" || n1.PodSlots.Used != "1" {
		t.Fatalf("n1: %+v", n1)
	}
	if gone, ok := m.column("gone"); !ok || gone.Known || gone.Count != 1 {
		t.Fatalf("a node with pods but no Node object should have a column: %+v", gone)
	}
	if m.Nodes[0].Name != "n1" {
		t.Fatalf("known nodes come first: %v", m.Nodes)
	}
}
