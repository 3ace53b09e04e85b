package apiserver

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

const svcPath = "/api/v1/namespaces/default/services"

func testService(name, typ string, nodePort int32) *api.Service {
	return &api.Service{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.ServiceSpec{Type: typ, Selector: map[string]string{"app": "kubia"},
			Ports: []api.ServicePort{{Port: 80, TargetPort: api.FromInt(8080), NodePort: nodePort}}},
	}
}

func TestServiceAllocation(t *testing.T) {
	ts := newTestServer(t)
	var a, b api.Service
	ts.must(http.StatusCreated, "POST", svcPath, testService("a", "NodePort", 0)).into(t, &a)
	ts.must(http.StatusCreated, "POST", svcPath, testService("b", "NodePort", 0)).into(t, &b)
	if a.Spec.ClusterIP == "" || a.Spec.ClusterIP == b.Spec.ClusterIP || !strings.HasPrefix(a.Spec.ClusterIP, "10.96.0.") {
		t.Fatalf("cluster IPs %q %q", a.Spec.ClusterIP, b.Spec.ClusterIP)
	}
	pa, pb := a.Spec.Ports[0].NodePort, b.Spec.Ports[0].NodePort
	if pa < 30000 || pa > 30009 || pa == pb {
		t.Fatalf("node ports %d %d", pa, pb)
	}

	// A requested port that is taken is a 422 naming the port.
	st := ts.must(http.StatusUnprocessableEntity, "POST", svcPath, testService("c", "NodePort", pa)).status()
	want := fmt.Sprintf("spec.ports[0].nodePort: Invalid value: %d: provided port is already allocated", pa)
	if !strings.Contains(st.Message, want) {
		t.Fatalf("taken port: %q, want it to contain %q", st.Message, want)
	}
	// Nothing of the failed create was written.
	ts.must(http.StatusNotFound, "GET", svcPath+"/c", nil)

	// Out of range.
	st = ts.must(http.StatusUnprocessableEntity, "POST", svcPath, testService("d", "NodePort", 31000)).status()
	if !strings.Contains(st.Message, "provided port is not in the valid range. The range of valid ports is 30000-30009") {
		t.Fatalf("out of range: %q", st.Message)
	}

	// Deleting releases the port and IP for others.
	ts.must(http.StatusOK, "DELETE", svcPath+"/a", nil)
	ts.must(http.StatusCreated, "POST", svcPath, testService("e", "NodePort", pa))
}

func TestServiceUpdateKeepsAllocations(t *testing.T) {
	ts := newTestServer(t)
	var svc api.Service
	ts.must(http.StatusCreated, "POST", svcPath, testService("a", "NodePort", 0)).into(t, &svc)
	ip, port := svc.Spec.ClusterIP, svc.Spec.Ports[0].NodePort
	// A client that sends the spec without the allocated fields (kubectl
	// apply of the original manifest) keeps them.
	svc.Spec.ClusterIP, svc.Spec.ClusterIPs, svc.Spec.Ports[0].NodePort = "", nil, 0
	svc.ResourceVersion = ""
	var after api.Service
	ts.must(http.StatusOK, "PUT", svcPath+"/a", &svc).into(t, &after)
	if after.Spec.ClusterIP != ip || after.Spec.Ports[0].NodePort != port {
		t.Fatalf("after update: ip %s→%s port %d→%d", ip, after.Spec.ClusterIP, port, after.Spec.Ports[0].NodePort)
	}
	// Switching to ClusterIP releases the node port.
	after.Spec.Type = "ClusterIP"
	after.Spec.Ports[0].NodePort = 0
	after.Spec.ExternalTrafficPolicy = ""
	ts.must(http.StatusOK, "PUT", svcPath+"/a", &after)
	ts.must(http.StatusCreated, "POST", svcPath, testService("b", "NodePort", port))
}

func TestServiceIPRangeExhausted(t *testing.T) {
	ts := newTestServer(t)
	// 10.96.0.0/28 has 16 addresses: minus network, .1 and broadcast, 13.
	for i := 0; i < 13; i++ {
		ts.must(http.StatusCreated, "POST", svcPath, testService(fmt.Sprintf("s%d", i), "ClusterIP", 0))
	}
	st := ts.must(http.StatusInternalServerError, "POST", svcPath, testService("full", "ClusterIP", 0)).status()
	if !strings.Contains(st.Message, "no ClusterIP left") {
		t.Fatalf("exhausted: %q", st.Message)
	}
}

func TestHeadlessAndExternalName(t *testing.T) {
	ts := newTestServer(t)
	h := testService("h", "ClusterIP", 0)
	h.Spec.ClusterIP = "None"
	var got api.Service
	ts.must(http.StatusCreated, "POST", svcPath, h).into(t, &got)
	if got.Spec.ClusterIP != "None" {
		t.Fatalf("headless got %q", got.Spec.ClusterIP)
	}
	x := &api.Service{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: api.ObjectMeta{Name: "x"},
		Spec: api.ServiceSpec{Type: "ExternalName", ExternalName: "example.com"}}
	var ext api.Service
	ts.must(http.StatusCreated, "POST", svcPath, x).into(t, &ext)
	if ext.Spec.ClusterIP != "" {
		t.Fatalf("ExternalName got a ClusterIP %q", ext.Spec.ClusterIP)
	}
}

func TestNodePodCIDRs(t *testing.T) {
	ts := newTestServer(t)
	cidrs := map[string]bool{}
	for _, name := range []string{"n1", "n2", "n3"} {
		var n api.Node
		ts.must(http.StatusCreated, "POST", "/api/v1/nodes", &api.Node{ObjectMeta: api.ObjectMeta{Name: name}}).into(t, &n)
		cidrs[n.Spec.PodCIDR] = true
	}
	for _, want := range []string{"10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"} {
		if !cidrs[want] {
			t.Fatalf("pod CIDRs %v lack %s", cidrs, want)
		}
	}
	ts.must(http.StatusOK, "DELETE", "/api/v1/nodes/n2", nil)
	var n api.Node
	ts.must(http.StatusCreated, "POST", "/api/v1/nodes", &api.Node{ObjectMeta: api.ObjectMeta{Name: "n4"}}).into(t, &n)
	if n.Spec.PodCIDR != "10.244.1.0/24" {
		t.Fatalf("freed CIDR not reused: %s", n.Spec.PodCIDR)
	}
}

// Allocations live in etcd: a second apiserver (or a restarted one) on the
// same store never hands out an address the first one gave.
func TestAllocationsSurviveRestart(t *testing.T) {
	first := newTestServer(t)
	var a api.Service
	first.must(http.StatusCreated, "POST", svcPath, testService("a", "NodePort", 0)).into(t, &a)
	second := startTestServer(t, first.prefix)
	st := second.must(http.StatusUnprocessableEntity, "POST", svcPath, testService("b", "NodePort", a.Spec.Ports[0].NodePort)).status()
	if !strings.Contains(st.Message, "already allocated") {
		t.Fatalf("second apiserver: %q", st.Message)
	}
	ip := testService("c", "ClusterIP", 0)
	ip.Spec.ClusterIP = a.Spec.ClusterIP
	st = second.must(http.StatusUnprocessableEntity, "POST", svcPath, ip).status()
	if !strings.Contains(st.Message, "spec.clusterIP: Invalid value: \""+a.Spec.ClusterIP+"\": provided IP is already allocated") {
		t.Fatalf("taken IP: %q", st.Message)
	}
}

// Nodes registering at the same moment each get a pod CIDR of their own: a
// CIDR chosen by two requests at once is claimed by one, and the other
// chooses again.
func TestConcurrentAllocationsChooseAgain(t *testing.T) {
	ts := newTestServer(t)
	const n = 8
	errs := make(chan string, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			r := ts.do("POST", "/api/v1/nodes", &api.Node{ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("n%d", i)}})
			if r.code != http.StatusCreated {
				errs <- fmt.Sprintf("node n%d: %d %s", i, r.code, r.body)
				return
			}
			errs <- ""
		}(i)
	}
	for i := 0; i < n; i++ {
		if e := <-errs; e != "" {
			t.Fatal(e)
		}
	}
	var list api.List[api.Node]
	ts.must(http.StatusOK, "GET", "/api/v1/nodes", nil).into(t, &list)
	seen := map[string]bool{}
	for _, node := range list.Items {
		if seen[node.Spec.PodCIDR] {
			t.Fatalf("pod CIDR %s given twice", node.Spec.PodCIDR)
		}
		seen[node.Spec.PodCIDR] = true
	}
}
