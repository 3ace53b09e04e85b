package apiserver

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
)

// A kubelet reads and writes its own Lease in kube-node-lease, which the
// apiserver makes at start, and no other (the Node authorizer, and
// NodeRestriction for the name of a create).
func TestNodeLeaseRestriction(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusOK, "GET", "/api/v1/namespaces/kube-node-lease", nil)
	const leases = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
	lease := func(name string) *api.Lease {
		renew := api.NewMicroTime(time.Now())
		return &api.Lease{ObjectMeta: api.ObjectMeta{Name: name},
			Spec: api.LeaseSpec{HolderIdentity: api.String(name), LeaseDurationSeconds: api.Int32(40), RenewTime: &renew}}
	}
	a := ts.as(auth.NodeUserPrefix+"a", auth.GroupNodes)
	var own api.Lease
	a.must(http.StatusCreated, "POST", leases, lease("a")).into(t, &own)
	if own.Spec.RenewTime == nil || !strings.Contains(string(a.must(http.StatusOK, "GET", leases+"/a", nil).body), `"renewTime":"`) {
		t.Fatalf("the Lease as stored: %+v", own.Spec)
	}
	own.Spec.RenewTime = &api.MicroTime{Time: own.Spec.RenewTime.Add(10 * time.Second)}
	a.must(http.StatusOK, "PUT", leases+"/a", &own)

	r := a.must(http.StatusForbidden, "POST", leases, lease("b"))
	if want := "can only access node lease with the same name as the requesting node"; !strings.Contains(r.status().Message, want) {
		t.Errorf("creating b's Lease: %q, want it to say %q", r.status().Message, want)
	}
	ts.must(http.StatusCreated, "POST", leases, lease("b"))
	a.must(http.StatusForbidden, "GET", leases+"/b", nil)
	a.must(http.StatusForbidden, "PUT", leases+"/b", lease("b"))
	a.must(http.StatusForbidden, "GET", leases, nil)
	a.must(http.StatusForbidden, "POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", lease("a"))
}
