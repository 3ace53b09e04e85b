package integration

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// leader returns the holder and the transitions of a leader Lease in
// kube-system, "" while there is none.
func (cl *cluster) leader(name string) (string, int32) {
	obj, err := cl.res("leases.coordination.k8s.io").Namespace(api.NamespaceSystem).Get(context.Background(), name)
	if err != nil {
		return "", 0
	}
	l := obj.(*api.Lease)
	var transitions int32
	if l.Spec.LeaseTransitions != nil {
		transitions = *l.Spec.LeaseTransitions
	}
	return l.Holder(), transitions
}

// countCreates counts the pods created in default from now on, by
// watching them: a standby controller that acted too would create pods
// beyond the ReplicaSet's count, even if they were deleted again.
func (cl *cluster) countCreates(ctx context.Context) *atomic.Int32 {
	cl.t.Helper()
	pods := cl.res("pods").Namespace("default")
	_, rv, err := pods.List(ctx, client.ListOptions{})
	if err != nil {
		cl.t.Fatal(err)
	}
	w, err := pods.Watch(ctx, client.ListOptions{ResourceVersion: rv})
	if err != nil {
		cl.t.Fatal(err)
	}
	cl.t.Cleanup(w.Stop)
	var n atomic.Int32
	go func() {
		for ev := range w.ResultChan() {
			if ev.Type == api.Added {
				n.Add(1)
			}
		}
	}()
	return &n
}

// Two controller managers run; only the one holding the Lease
// kube-system/kube-controller-manager acts. Killed with SIGKILL, it
// cannot hand the Lease over: the other takes it once it has seen it
// unrenewed for the lease duration, and acts.
func TestLeaderElection(t *testing.T) {
	cl := startCluster(t, "n1")
	cl.eventually("a leader controller manager", func() bool { h, _ := cl.leader("kube-controller-manager"); return h != "" })
	cl.eventually("a leader scheduler", func() bool { h, _ := cl.leader("kube-scheduler"); return h != "" })
	first, _ := cl.leader("kube-controller-manager")

	leader := cl.controller
	cl.startController()
	standby := cl.controller
	cl.controller = leader
	time.Sleep(4 * time.Second) // longer than the lease: the standby sees it renewed
	if h, tr := cl.leader("kube-controller-manager"); h != first || tr != 0 {
		t.Fatalf("with a standby running, the lease is held by %q after %d transitions; want %q, 0", h, tr, first)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	created := cl.countCreates(ctx)
	cl.create(replicaSet("web", 3))
	cl.converged("app=web", 3)
	if n := created.Load(); n != 3 {
		t.Fatalf("%d pods created for a ReplicaSet of 3: a standby acted", n)
	}

	leader.kill()
	start := time.Now()
	cl.eventually("the standby to take the lease", func() bool {
		h, tr := cl.leader("kube-controller-manager")
		return h != "" && h != first && tr == 1
	})
	t.Logf("the standby took over %s after the leader was killed", time.Since(start).Round(100*time.Millisecond))
	cl.controller = standby
	cl.scale("web", 5)
	cl.converged("app=web", 5)
	if n := created.Load(); n != 5 {
		t.Fatalf("%d pods created in all for 3 then 5 replicas; want 5", n)
	}
}

// Every kubelet renews a Lease of its own in kube-node-lease, owned by
// its Node.
func TestNodeLeases(t *testing.T) {
	cl := startCluster(t, "n1", "n2")
	leases := cl.res("leases.coordination.k8s.io").Namespace(api.NamespaceNodeLease)
	for _, node := range []string{"n1", "n2"} {
		var first *api.Lease
		cl.eventually("the Lease of "+node, func() bool {
			obj, err := leases.Get(context.Background(), node)
			if err == nil {
				first = obj.(*api.Lease)
			}
			return err == nil
		})
		if first.Holder() != node || *first.Spec.LeaseDurationSeconds != 40 {
			t.Errorf("lease %s: holder %q, duration %d; want %s, 40", node, first.Holder(), *first.Spec.LeaseDurationSeconds, node)
		}
		if refs := first.OwnerReferences; len(refs) != 1 || refs[0].Kind != "Node" || refs[0].Name != node {
			t.Errorf("lease %s: owners %+v; want its Node", node, refs)
		}
		cl.eventually("a renewal of "+node+"'s Lease", func() bool {
			obj, err := leases.Get(context.Background(), node)
			return err == nil && obj.(*api.Lease).Spec.RenewTime.After(first.Spec.RenewTime.Time)
		})
	}
}
