package integration

import (
	"context"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

func TestReplicaSetSpreadsAndScales(t *testing.T) {
	cl := startCluster(t, "n1", "n2", "n3")
	cl.create(replicaSet("web", 10))
	perNode := cl.converged("app=web", 10)
	if len(perNode) != 3 {
		t.Fatalf("10 pods on nodes %v, want all 3", perNode)
	}
	for n, count := range perNode {
		if count < 3 || count > 4 {
			t.Fatalf("node %s has %d of 10 pods: not spread (%v)", n, count, perNode)
		}
	}
	cl.scale("web", 3)
	cl.converged("app=web", 3)
	cl.scale("web", 10)
	cl.converged("app=web", 10)
}

func TestDaemonSetFollowsNodeLabels(t *testing.T) {
	cl := startCluster(t)
	cl.startKubelet("n1", "disk=ssd")
	cl.startKubelet("n2", "disk=ssd")
	cl.startKubelet("n3")
	cl.eventually("3 nodes Ready", func() bool { return len(cl.readyNodes()) == 3 })
	labels := map[string]string{"app": "monitor"}
	cl.create(&api.DaemonSet{
		ObjectMeta: api.ObjectMeta{Name: "monitor", Namespace: "default"},
		Spec: api.DaemonSetSpec{Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec: api.PodSpec{NodeSelector: map[string]string{"disk": "ssd"},
					Containers: []api.Container{{Name: "m", Image: "kubelab/toolbox:latest"}}}}},
	})
	perNode := cl.converged("app=monitor", 2)
	if got := nodesOf(perNode); len(got) != 2 || got[0] != "n1" || got[1] != "n2" {
		t.Fatalf("daemon pods on %v, want n1 and n2", got)
	}
	// Label n3 too: it gets one. Unlabel n1: its pod goes.
	nodes := cl.res("nodes")
	if _, err := nodes.Patch(context.Background(), "n3", client.MergePatch, []byte(`{"metadata":{"labels":{"disk":"ssd"}}}`), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := nodes.Patch(context.Background(), "n1", client.MergePatch, []byte(`{"metadata":{"labels":{"disk":null}}}`), ""); err != nil {
		t.Fatal(err)
	}
	perNode = cl.converged("app=monitor", 2)
	if got := nodesOf(perNode); got[0] != "n2" || got[1] != "n3" {
		t.Fatalf("daemon pods on %v after relabelling, want n2 and n3", got)
	}
}

func TestOrphanCascadeKeepsPods(t *testing.T) {
	cl := startCluster(t, "n1")
	cl.create(replicaSet("web", 3))
	cl.converged("app=web", 3)
	err := cl.res("replicasets").Namespace("default").Delete(context.Background(), "web",
		&api.DeleteOptions{PropagationPolicy: api.String(api.DeletePropagationOrphan)})
	if err != nil {
		t.Fatal(err)
	}
	cl.eventually("the ReplicaSet to be gone", func() bool {
		_, err := cl.res("replicasets").Namespace("default").Get(context.Background(), "web")
		return client.IsNotFound(err)
	})
	cl.eventually("pods without owner references", func() bool {
		for _, p := range cl.pods("app=web") {
			if len(p.OwnerReferences) > 0 {
				return false
			}
		}
		return true
	})
	cl.converged("app=web", 3)
}

func TestBackgroundCascadeDeletesPods(t *testing.T) {
	cl := startCluster(t, "n1")
	cl.create(replicaSet("web", 3))
	cl.converged("app=web", 3)
	if err := cl.res("replicasets").Namespace("default").Delete(context.Background(), "web", nil); err != nil {
		t.Fatal(err)
	}
	cl.eventually("the pods to be gone", func() bool { return len(cl.pods("app=web")) == 0 })
}

func TestLostNodesPodsAreRecreatedElsewhere(t *testing.T) {
	cl := startCluster(t, "n1", "n2")
	cl.create(replicaSet("web", 4))
	perNode := cl.converged("app=web", 4)
	if perNode["n1"] == 0 {
		t.Fatalf("no pod on n1 to lose: %v", perNode)
	}
	cl.kubelets["n1"].kill()
	cl.eventually("all 4 pods on n2", func() bool {
		n, per := cl.running("app=web")
		return n == 4 && per["n2"] == 4 && len(cl.pods("app=web")) == 4
	})
	node, err := cl.res("nodes").Get(context.Background(), "n1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range node.(*api.Node).Status.Conditions {
		if c.Type == api.NodeReady && c.Status != api.ConditionUnknown {
			t.Fatalf("lost node is Ready=%s, want Unknown", c.Status)
		}
	}
}

func TestEndpointsFollowReadiness(t *testing.T) {
	cl := startCluster(t, "n1")
	rs := replicaSet("web", 2)
	rs.Spec.Template.Labels["role"] = "backend"
	cl.create(rs)
	cl.converged("app=web", 2)
	// A pod of the service (not of the ReplicaSet, which would adopt it)
	// whose container keeps crashing: it is never ready.
	crash := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "broken", Namespace: "default", Labels: map[string]string{"role": "backend"}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "app", Image: "crash/kubia:latest",
			Ports: []api.ContainerPort{{Name: "http", ContainerPort: 8080}}}}}}
	cl.create(crash)
	cl.create(&api.Service{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: api.ServiceSpec{Selector: map[string]string{"role": "backend"},
			Ports: []api.ServicePort{{Port: 80, TargetPort: api.FromString("http")}}}})
	endpoints := func() (ready, notReady int, port int32) {
		obj, err := cl.res("endpoints").Namespace("default").Get(context.Background(), "web")
		if err != nil {
			return -1, -1, 0
		}
		for _, s := range obj.(*api.Endpoints).Subsets {
			ready += len(s.Addresses)
			notReady += len(s.NotReadyAddresses)
			if len(s.Ports) > 0 {
				port = s.Ports[0].Port
			}
		}
		return ready, notReady, port
	}
	var r, n int
	var p int32
	cl.eventually("2 ready and 1 not-ready endpoints on port 8080", func() bool {
		r, n, p = endpoints()
		return r == 2 && n == 1 && p == 8080
	})
	t.Logf("endpoints: %d ready, %d not ready, port %d", r, n, p)
	cl.scale("web", 1)
	cl.eventually("1 ready endpoint after scaling down", func() bool {
		r, _, _ := endpoints()
		return r == 1
	})
}

// The controller killed with SIGKILL in the middle of a scale-up, and
// started again, ends with exactly the desired pods: its expectations are
// lost with it, and the new one counts what exists.
func TestControllerKilledMidScaleUp(t *testing.T) {
	cl := startCluster(t, "n1", "n2", "n3")
	cl.create(replicaSet("web", 2))
	cl.converged("app=web", 2)
	cl.scale("web", 30)
	time.Sleep(150 * time.Millisecond)
	cl.controller.kill()
	created := len(cl.pods("app=web"))
	cl.startController()
	cl.converged("app=web", 30)
	t.Logf("%d of 30 pods existed when the controller was killed", created)
}

func TestNamespaceDeletionEmptiesIt(t *testing.T) {
	cl := startCluster(t, "n1")
	cl.create(&api.Namespace{ObjectMeta: api.ObjectMeta{Name: "shop"}})
	rs := replicaSet("web", 2)
	rs.Namespace = "shop"
	cl.create(rs)
	ctx := context.Background()
	cl.eventually("2 pods in shop", func() bool {
		objs, _, _ := cl.res("pods").Namespace("shop").List(ctx, client.ListOptions{})
		return len(objs) == 2
	})
	if err := cl.res("namespaces").Delete(ctx, "shop", nil); err != nil {
		t.Fatal(err)
	}
	cl.eventually("the namespace and its content to be gone", func() bool {
		_, err := cl.res("namespaces").Get(ctx, "shop")
		pods, _, _ := cl.res("pods").Namespace("shop").List(ctx, client.ListOptions{})
		return client.IsNotFound(err) && len(pods) == 0
	})
}
