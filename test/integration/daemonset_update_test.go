package integration

import (
	"context"
	"strings"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// A DaemonSet on three nodes rolls to a new image one node at a time
// (maxUnavailable 1: at every change a watch sees, at least 2 pods
// Ready), keeps each template as a ControllerRevision, and rollout undo
// brings the old image back as revision 3.
func TestDaemonSetRollsOneNodeAtATime(t *testing.T) {
	cl := startCluster(t, "n1", "n2", "n3")
	labels := map[string]string{"app": "agent"}
	cl.create(&api.DaemonSet{
		ObjectMeta: api.ObjectMeta{Name: "agent", Namespace: "default"},
		Spec: api.DaemonSetSpec{Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "agent", Image: "kubelab/kubia:v1"}}}}},
	})
	cl.rolledOut("app=agent", "kubelab/kubia:v1", 3)
	census, check := cl.watchPods("app=agent")
	cl.eventually("the census to see 3 Ready pods", func() bool {
		census.mu.Lock()
		defer census.mu.Unlock()
		total, ready := census.count()
		return total == 3 && ready == 3
	})
	check()

	if out, err := kctl(t, cl.addr, "set", "image", "ds/agent", "agent=kubelab/kubia:v2"); err != nil {
		t.Fatalf("set image: %v\n%s", err, out)
	}
	if out, err := kctl(t, cl.addr, "rollout", "status", "ds/agent", "--timeout=60s"); err != nil {
		t.Fatalf("rollout status: %v\n%s", err, out)
	}
	cl.rolledOut("app=agent", "kubelab/kubia:v2", 3)
	census.mu.Lock()
	minReady := census.minReady
	census.mu.Unlock()
	if minReady < 2 {
		t.Errorf("during the rollout: down to %d Ready pods, want at least 2 (3 nodes, maxUnavailable 1)", minReady)
	}

	out, err := kctl(t, cl.addr, "rollout", "history", "ds/agent")
	if err != nil || !strings.Contains(out, "REVISION") || !strings.Contains(out, "\n1 ") || !strings.Contains(out, "\n2 ") {
		t.Fatalf("rollout history: %v\n%s", err, out)
	}
	if out, err := kctl(t, cl.addr, "rollout", "undo", "ds/agent"); err != nil || !strings.Contains(out, "rolled back") {
		t.Fatalf("rollout undo: %v\n%s", err, out)
	}
	cl.rolledOut("app=agent", "kubelab/kubia:v1", 3)
	cl.eventually("revision 3 to be v1's", func() bool {
		objs, _, err := cl.res("controllerrevisions").Namespace("default").List(context.Background(), client.ListOptions{LabelSelector: "app=agent"})
		if err != nil || len(objs) != 2 {
			return false
		}
		for _, o := range objs {
			cr := o.(*api.ControllerRevision)
			if cr.Revision == 3 && strings.Contains(string(cr.Data), "kubelab/kubia:v1") {
				return true
			}
		}
		return false
	})
}
