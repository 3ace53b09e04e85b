package apiserver

import (
	"net/http"
	"testing"

	"kubelab/pkg/api"
)

func TestGracefulPodDeletion(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", podsPath, testPod("bound"))
	ts.must(http.StatusCreated, "POST", podsPath+"/bound/binding",
		&api.Binding{ObjectMeta: api.ObjectMeta{Name: "bound"}, Target: api.ObjectReference{Kind: "Node", Name: "n1"}})

	// A bound pod stays, marked, until its node agent confirms.
	var pod api.Pod
	ts.must(http.StatusOK, "DELETE", podsPath+"/bound", nil).into(t, &pod)
	if pod.DeletionTimestamp == nil || pod.DeletionGracePeriodSeconds == nil || *pod.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("bound pod after delete: %+v", pod.ObjectMeta)
	}
	ts.must(http.StatusOK, "GET", podsPath+"/bound", nil)
	// Status updates from the node agent do not remove it.
	pod.Status.Phase = api.PodRunning
	ts.must(http.StatusOK, "PUT", podsPath+"/bound/status", &pod)
	ts.must(http.StatusOK, "GET", podsPath+"/bound", nil)
	// The node agent's delete with grace 0 removes it.
	ts.must(http.StatusOK, "DELETE", podsPath+"/bound?gracePeriodSeconds=0", nil)
	ts.must(http.StatusNotFound, "GET", podsPath+"/bound", nil)

	// An unbound pod goes at once.
	ts.must(http.StatusCreated, "POST", podsPath, testPod("free"))
	ts.must(http.StatusOK, "DELETE", podsPath+"/free", nil)
	ts.must(http.StatusNotFound, "GET", podsPath+"/free", nil)
}

func TestBindingOnce(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", podsPath, testPod("p"))
	b := &api.Binding{ObjectMeta: api.ObjectMeta{Name: "p", Annotations: map[string]string{"why": "fits"}},
		Target: api.ObjectReference{Kind: "Node", Name: "n1"}}
	ts.must(http.StatusCreated, "POST", podsPath+"/p/binding", b)
	var pod api.Pod
	ts.must(http.StatusOK, "GET", podsPath+"/p", nil).into(t, &pod)
	if pod.Annotations["why"] != "fits" {
		t.Fatalf("binding annotations not copied: %v", pod.Annotations)
	}
	if pod.Spec.NodeName != "n1" || len(pod.Status.Conditions) != 1 || pod.Status.Conditions[0].Type != api.PodScheduled {
		t.Fatalf("after binding: node=%q conditions=%+v", pod.Spec.NodeName, pod.Status.Conditions)
	}
	b.Target.Name = "n2"
	st := ts.must(http.StatusConflict, "POST", podsPath+"/p/binding", b).status()
	if st.Message != `Operation cannot be fulfilled on pods "p": pod p is already assigned to node "n1"` {
		t.Fatalf("second binding: %q", st.Message)
	}
}

func TestPropagationPolicyAddsFinalizers(t *testing.T) {
	tests := []struct {
		policy, finalizer string
	}{
		{"Orphan", "orphan"},
		{"Foreground", "foregroundDeletion"},
	}
	for _, tc := range tests {
		t.Run(tc.policy, func(t *testing.T) {
			ts := newTestServer(t)
			ts.must(http.StatusCreated, "POST", rsPath, testReplicaSet("web", 1))
			var rs api.ReplicaSet
			ts.must(http.StatusOK, "DELETE", rsPath+"/web", &api.DeleteOptions{PropagationPolicy: api.String(tc.policy)}).into(t, &rs)
			if rs.DeletionTimestamp == nil || len(rs.Finalizers) != 1 || rs.Finalizers[0] != tc.finalizer {
				t.Fatalf("after delete: %+v", rs.ObjectMeta)
			}
			// The garbage collector removes the finalizer when done: then it goes.
			rs.Finalizers = nil
			ts.must(http.StatusOK, "PUT", rsPath+"/web", &rs)
			ts.must(http.StatusNotFound, "GET", rsPath+"/web", nil)
		})
	}
	t.Run("Background", func(t *testing.T) {
		ts := newTestServer(t)
		ts.must(http.StatusCreated, "POST", rsPath, testReplicaSet("web", 1))
		ts.must(http.StatusOK, "DELETE", rsPath+"/web?propagationPolicy=Background", nil)
		ts.must(http.StatusNotFound, "GET", rsPath+"/web", nil)
	})
}

func TestDeletePreconditions(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", podsPath, testPod("p"))
	ts.must(http.StatusConflict, "DELETE", podsPath+"/p", &api.DeleteOptions{Preconditions: &api.Precondition{UID: api.String("other")}})
	ts.must(http.StatusOK, "GET", podsPath+"/p", nil)
}

func TestNamespaceLifecycle(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces", &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "lab"}})
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/lab/pods", testPod("p"))
	var ns api.Namespace
	ts.must(http.StatusOK, "DELETE", "/api/v1/namespaces/lab", nil).into(t, &ns)
	if ns.Status.Phase != api.NamespaceTerminating {
		t.Fatalf("phase = %s", ns.Status.Phase)
	}
	st := ts.must(http.StatusForbidden, "POST", "/api/v1/namespaces/lab/pods", testPod("q")).status()
	if st.Message != `pods "q" is forbidden: unable to create new content in namespace lab because it is being terminated` {
		t.Fatalf("create in terminating namespace: %q", st.Message)
	}
	// The namespace controller finalizes it once empty.
	ns.Spec.Finalizers = nil
	ts.must(http.StatusOK, "PUT", "/api/v1/namespaces/lab/finalize", &ns)
	ts.must(http.StatusNotFound, "GET", "/api/v1/namespaces/lab", nil)
}
