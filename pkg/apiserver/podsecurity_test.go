package apiserver

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// hostPod is the pod of the security report: the node's disk, its network
// and its ssh port.
func hostPod(name string) *api.Pod {
	pod := testPod(name)
	pod.Spec.HostNetwork = true
	pod.Spec.Containers[0].Ports = []api.ContainerPort{{ContainerPort: 22, HostPort: 22}}
	pod.Spec.Volumes = []api.Volume{{Name: "data", VolumeSource: api.VolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/"}}}}
	return pod
}

func TestPodSecurityEnforced(t *testing.T) {
	ts := newTestServer(t)
	ns := func(name string, labels map[string]string) {
		ts.must(http.StatusCreated, "POST", "/api/v1/namespaces", &api.Namespace{ObjectMeta: api.ObjectMeta{Name: name, Labels: labels}})
	}
	ns("open", map[string]string{api.PodSecurityEnforceLabel: "privileged"})
	ns("strict", map[string]string{api.PodSecurityEnforceLabel: "restricted"})
	ns("plain", nil)
	const baseline = `violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), hostPath volumes (volume "data"), hostPort (container "kubia" uses hostPort 22)`
	tests := []struct {
		name      string
		namespace string
		pod       *api.Pod
		code      int
		want      string // in the refusal
	}{
		{name: "default is baseline", namespace: "default", pod: hostPod("x"), code: http.StatusForbidden, want: `pods "x" is forbidden: ` + baseline},
		{name: "unlabelled is baseline", namespace: "plain", pod: hostPod("x"), code: http.StatusForbidden, want: baseline},
		{name: "plain pod in baseline", namespace: "plain", pod: testPod("ok"), code: http.StatusCreated},
		{name: "kube-system is privileged", namespace: "kube-system", pod: hostPod("x"), code: http.StatusCreated},
		{name: "labelled privileged", namespace: "open", pod: hostPod("x"), code: http.StatusCreated},
		{name: "restricted is refused", namespace: "strict", pod: testPod("x"), code: http.StatusForbidden,
			want: `pods "x" is forbidden: violates PodSecurity "restricted:latest": restricted level not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do("POST", "/api/v1/namespaces/"+tt.namespace+"/pods", tt.pod)
			if st := r.status(); r.code != tt.code || !strings.Contains(st.Message, tt.want) {
				t.Fatalf("got %d %s, want %d with %q", r.code, r.body, tt.code, tt.want)
			}
			if r.code == http.StatusForbidden && r.status().Reason != "Forbidden" {
				t.Fatalf("reason %q, want Forbidden", r.status().Reason)
			}
		})
	}

	// A pod already running in a namespace made stricter since stays, and
	// its status, metadata and binding still change.
	ts.must(http.StatusOK, "PATCH", "/api/v1/namespaces/open", `{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"baseline"}}}`, mergePatch)
	path := "/api/v1/namespaces/open/pods/x"
	ts.must(http.StatusOK, "PATCH", path, `{"metadata":{"labels":{"tier":"db"}}}`, mergePatch)
	ts.must(http.StatusOK, "PATCH", path+"/status", `{"status":{"phase":"Running"}}`, mergePatch)
	ts.must(http.StatusCreated, "POST", path+"/binding", `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"x"},"target":{"kind":"Node","name":"n1"}}`)
	// A new image is a significant update: checked, and refused.
	st := ts.must(http.StatusForbidden, "PATCH", path, `{"spec":{"containers":[{"name":"kubia","image":"kubelab/kubia:v2"}]}}`, strategicPatch).status()
	if !strings.Contains(st.Message, baseline) {
		t.Fatalf("image update: %s", st.Message)
	}
}

func TestPodSecurityNamespaceLabel(t *testing.T) {
	ts := newTestServer(t)
	const want = `Namespace "x" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "open": must be one of privileged, baseline, restricted`
	st := ts.must(http.StatusUnprocessableEntity, "POST", "/api/v1/namespaces",
		&api.Namespace{ObjectMeta: api.ObjectMeta{Name: "x", Labels: map[string]string{api.PodSecurityEnforceLabel: "open"}}}).status()
	if st.Message != want {
		t.Fatalf("create: got %q, want %q", st.Message, want)
	}
	st = ts.must(http.StatusUnprocessableEntity, "PATCH", "/api/v1/namespaces/default",
		`{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"open"}}}`, mergePatch).status()
	if !strings.Contains(st.Message, `Invalid value: "open"`) {
		t.Fatalf("update: %s", st.Message)
	}
}

func TestPodSecurityWarnsOnWorkloads(t *testing.T) {
	ts := newTestServer(t)
	rs := testReplicaSet("web", 1)
	rs.Spec.Template.Spec.HostNetwork = true
	r := ts.must(http.StatusCreated, "POST", rsPath, rs)
	want := `299 - "would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)"`
	if got := r.headers.Values("Warning"); len(got) != 1 || got[0] != want {
		t.Fatalf("create warnings %q, want [%s]", got, want)
	}
	// An update that leaves the template alone says nothing.
	r = ts.must(http.StatusOK, "PATCH", rsPath+"/web", `{"metadata":{"labels":{"a":"b"}}}`, mergePatch)
	if got := r.headers.Values("Warning"); len(got) != 0 {
		t.Fatalf("unchanged template warned: %q", got)
	}
	r = ts.must(http.StatusOK, "PATCH", rsPath+"/web", `{"spec":{"template":{"spec":{"volumes":[{"name":"d","hostPath":{"path":"/"}}]}}}}`, mergePatch)
	want = `299 - "would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true), hostPath volumes (volume \"d\")"`
	if got := r.headers.Values("Warning"); len(got) != 1 || got[0] != want {
		t.Fatalf("update warnings %q, want [%s]", got, want)
	}
	ds := &api.DaemonSet{TypeMeta: api.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"}, ObjectMeta: api.ObjectMeta{Name: "proxy"},
		Spec: api.DaemonSetSpec{Selector: rs.Spec.Selector, Template: rs.Spec.Template}}
	if r = ts.must(http.StatusCreated, "POST", "/apis/apps/v1/namespaces/kube-system/daemonsets", ds); len(r.headers.Values("Warning")) != 0 {
		t.Fatalf("kube-system warned: %q", r.headers.Values("Warning"))
	}
}

func TestBootstrapLabelsKubeSystem(t *testing.T) {
	ts := newTestServer(t) // Bootstrap made kube-system
	level := func() string {
		var ns api.Namespace
		ts.must(http.StatusOK, "GET", "/api/v1/namespaces/kube-system", nil).into(t, &ns)
		return ns.Labels[api.PodSecurityEnforceLabel]
	}
	if got := level(); got != "privileged" {
		t.Fatalf("new kube-system: level %q, want privileged", got)
	}
	// An older cluster's kube-system, without the label, gets it.
	ts.must(http.StatusOK, "PATCH", "/api/v1/namespaces/kube-system", `{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":null,"keep":"me"}}}`, mergePatch)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.srv.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	if got := level(); got != "privileged" {
		t.Fatalf("old kube-system: level %q, want privileged", got)
	}
	var ns api.Namespace
	ts.must(http.StatusOK, "GET", "/api/v1/namespaces/kube-system", nil).into(t, &ns)
	if ns.Labels["keep"] != "me" {
		t.Fatalf("labels %v: the others were lost", ns.Labels)
	}
	// A third start writes nothing.
	before := ts.storeRevision()
	if err := ts.srv.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	if after := ts.storeRevision(); after != before {
		t.Fatalf("Bootstrap wrote again: revision %d → %d", before, after)
	}
}
