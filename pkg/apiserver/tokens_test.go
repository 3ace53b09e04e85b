package apiserver

import (
	"net/http"
	"strings"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
)

// asToken is ts with requests sent with a bearer token and no certificate.
func (ts *testServer) withToken(token string) *testServer {
	ts.t.Helper()
	c := *ts
	base := mustClientAs(ts.t, "")
	c.client = &http.Client{Transport: bearer{token, base.Transport}}
	return &c
}

type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

func (ts *testServer) token(ns, sa string, req *api.TokenRequest) string {
	ts.t.Helper()
	var out api.TokenRequest
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/"+ns+"/serviceaccounts/"+sa+"/token", req).into(ts.t, &out)
	if out.Status.Token == "" || out.Status.ExpirationTimestamp.IsZero() {
		ts.t.Fatalf("token request answered %+v", out)
	}
	return out.Status.Token
}

// A token bound to a pod authenticates as the account while the pod
// lives, with what RBAC grants the account, and stops with the pod.
func TestServiceAccountToken(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/serviceaccounts", &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "app"}})
	pod := testPod("web")
	pod.Spec.ServiceAccountName = "app"
	var created api.Pod
	ts.must(http.StatusCreated, "POST", podsPath, pod).into(t, &created)

	tok := ts.token("default", "app", &api.TokenRequest{Spec: api.TokenRequestSpec{
		BoundObjectRef: &api.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: "web", UID: created.UID}}})
	app := ts.withToken(tok)
	var review api.SelfSubjectReview
	app.must(http.StatusCreated, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", `{}`).into(t, &review)
	if u := review.Status.UserInfo; u.Username != "system:serviceaccount:default:app" ||
		!strings.Contains(strings.Join(u.Groups, ","), "system:serviceaccounts:default") || u.Extra[auth.ExtraPodName][0] != "web" {
		t.Fatalf("whoami = %+v", u)
	}
	app.must(http.StatusForbidden, "GET", podsPath, nil)
	ts.must(http.StatusCreated, "POST", rbacPath+"/namespaces/default/rolebindings", &api.RoleBinding{ObjectMeta: api.ObjectMeta{Name: "app-view"},
		Subjects: []api.Subject{{Kind: "ServiceAccount", Name: "app"}}, RoleRef: api.RoleRef{Kind: "ClusterRole", Name: "view"}})
	app.eventually(http.StatusOK, "GET", podsPath, nil)

	ts.must(http.StatusOK, "DELETE", podsPath+"/web?gracePeriodSeconds=0", nil)
	app.eventually(http.StatusUnauthorized, "GET", podsPath, nil)
	ts.withToken(tok+"x").must(http.StatusUnauthorized, "GET", podsPath, nil)
}

func TestTokenRequestRules(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/serviceaccounts", &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "app"}})
	for _, p := range []struct{ name, node, sa string }{{"on-a", "a", "app"}, {"on-b", "b", "app"}, {"other-sa", "a", "default"}} {
		pod := testPod(p.name)
		pod.Spec.NodeName, pod.Spec.ServiceAccountName = p.node, p.sa
		ts.must(http.StatusCreated, "POST", podsPath, pod)
	}
	const path = "/api/v1/namespaces/default/serviceaccounts/app/token"
	bound := func(pod string) *api.TokenRequest {
		return &api.TokenRequest{Spec: api.TokenRequestSpec{BoundObjectRef: &api.BoundObjectReference{Kind: "Pod", Name: pod}}}
	}
	ts.token("default", "app", &api.TokenRequest{}) // the admin: unbound is fine
	short := int64(60)
	ts.must(http.StatusUnprocessableEntity, "POST", path, &api.TokenRequest{Spec: api.TokenRequestSpec{ExpirationSeconds: &short}})
	ts.must(http.StatusNotFound, "POST", "/api/v1/namespaces/default/serviceaccounts/nobody/token", &api.TokenRequest{})
	ts.must(http.StatusForbidden, "POST", path, bound("other-sa")) // that pod runs as another account
	ts.must(http.StatusConflict, "POST", path, &api.TokenRequest{Spec: api.TokenRequestSpec{
		BoundObjectRef: &api.BoundObjectReference{Kind: "Pod", Name: "on-a", UID: "stale"}}})

	a := ts.as(auth.NodeUserPrefix+"a", auth.GroupNodes)
	a.eventually(http.StatusCreated, "POST", path, bound("on-a"))
	a.must(http.StatusForbidden, "POST", path, bound("on-b"))
	a.must(http.StatusForbidden, "POST", path, &api.TokenRequest{})
	ts.as("jane").must(http.StatusForbidden, "POST", path, &api.TokenRequest{})
}

// New pods get their ServiceAccount's credentials as a projected volume
// mounted at the well-known path, unless they or their account opt out.
func TestServiceAccountAdmission(t *testing.T) {
	ts := newTestServer(t)
	no := false
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/serviceaccounts",
		&api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "quiet"}, AutomountServiceAccountToken: &no})
	create := func(name string, mutate func(*api.Pod)) api.Pod {
		p := testPod(name)
		if mutate != nil {
			mutate(p)
		}
		var out api.Pod
		ts.must(http.StatusCreated, "POST", podsPath, p).into(t, &out)
		return out
	}
	p := create("plain", nil)
	if len(p.Spec.Volumes) != 1 || !strings.HasPrefix(p.Spec.Volumes[0].Name, "kube-api-access-") || p.Spec.Volumes[0].Projected == nil {
		t.Fatalf("volumes = %+v", p.Spec.Volumes)
	}
	src := p.Spec.Volumes[0].Projected.Sources
	if len(src) != 3 || src[0].ServiceAccountToken.Path != "token" || src[1].ConfigMap.Name != "kube-root-ca.crt" ||
		src[2].DownwardAPI.Items[0].FieldRef.FieldPath != "metadata.namespace" {
		t.Fatalf("sources = %+v", src)
	}
	m := p.Spec.Containers[0].VolumeMounts
	if len(m) != 1 || m[0].MountPath != api.ServiceAccountMountPath || !m[0].ReadOnly || m[0].Name != p.Spec.Volumes[0].Name {
		t.Fatalf("mounts = %+v", m)
	}
	for name, mutate := range map[string]func(*api.Pod){
		"pod-opts-out":     func(p *api.Pod) { p.Spec.AutomountServiceAccountToken = &no },
		"account-opts-out": func(p *api.Pod) { p.Spec.ServiceAccountName = "quiet" },
		"own-mount": func(p *api.Pod) {
			p.Spec.Volumes = []api.Volume{{Name: "mine", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}}}
			p.Spec.Containers[0].VolumeMounts = []api.VolumeMount{{Name: "mine", MountPath: api.ServiceAccountMountPath}}
		},
	} {
		p := create(name, mutate)
		for _, v := range p.Spec.Volumes {
			if v.Projected != nil {
				t.Errorf("%s: got a token volume %s", name, v.Name)
			}
		}
	}
}
