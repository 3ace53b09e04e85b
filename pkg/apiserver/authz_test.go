package apiserver

import (
	"context"
	"crypto/tls"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
)

// eventually repeats a request until it gets code: the authorizers read
// caches that see a new binding a few milliseconds after it is written.
func (ts *testServer) eventually(code int, method, path string, body any) response {
	ts.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := ts.do(method, path, body)
		if r.code == code {
			return r
		}
		if time.Now().After(deadline) {
			ts.t.Fatalf("%s %s: got %d, want %d: %s", method, path, r.code, code, r.body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAnonymousIsUnauthorized(t *testing.T) {
	anon := newTestServer(t).as("")
	r := anon.must(http.StatusUnauthorized, "GET", podsPath, nil)
	if st := r.status(); st.Reason != "Unauthorized" || st.Code != 401 {
		t.Fatalf("status = %+v", st)
	}
	for _, path := range []string{"/healthz", "/livez", "/readyz", "/version"} {
		anon.must(http.StatusOK, "GET", path, nil)
	}
	anon.must(http.StatusUnauthorized, "GET", "/api", nil)
	anon.must(http.StatusUnauthorized, "GET", "/metrics", nil)
}

// A client certificate another CA signed fails the handshake: it never
// becomes a request at all.
func TestForeignCertificateIsRefused(t *testing.T) {
	ts := newTestServer(t)
	other, err := pkiNewCA(t)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := other.IssueClient("kubernetes-admin", []string{auth.GroupMasters}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Go's client offers no certificate the server's CA list does not
	// name, so the request arrives anonymous (401); a client that offers
	// it anyway fails the handshake. Either way: refused.
	c := clientWithPair(t, certPEM, keyPEM)
	if resp, err := c.Get(ts.http.URL + podsPath); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a certificate from another CA got %d, want 401 or a failed handshake", resp.StatusCode)
		}
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	forced := clientWith(&tls.Config{RootCAs: testPKI.roots,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }})
	if resp, err := forced.Get(ts.http.URL + podsPath); err == nil {
		resp.Body.Close()
		t.Fatalf("a certificate from another CA, offered anyway, got %d, want a failed handshake", resp.StatusCode)
	}
}

func TestTokenFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tokens.csv")
	if err := os.WriteFile(file, []byte("s3cret,alice,uid-1,\"system:masters\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	authn, err := authenticatorFor(file)
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, func(c *Config) { c.Authenticator = authn })
	get := func(token string) int {
		req, _ := http.NewRequest("GET", ts.http.URL+podsPath, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := mustClientAs(t, "").Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("s3cret"); code != http.StatusOK {
		t.Errorf("the file's token got %d, want 200", code)
	}
	if code := get("guess"); code != http.StatusUnauthorized {
		t.Errorf("an unknown token got %d, want 401", code)
	}
	if _, err := authenticatorFor(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "--token-auth-file") {
		t.Errorf("a missing token file: %v, want an error naming --token-auth-file", err)
	}
}

func TestWhoAmIAndCanI(t *testing.T) {
	ts := newTestServer(t)
	jane := ts.as("jane", "devs")
	var review api.SelfSubjectReview
	jane.must(http.StatusCreated, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
		`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`).into(t, &review)
	if u := review.Status.UserInfo; u.Username != "jane" || strings.Join(u.Groups, ",") != "devs,system:authenticated" {
		t.Fatalf("whoami = %+v", u)
	}
	ask := func(c *testServer, verb, resource, ns string) api.SubjectAccessReviewStatus {
		var r api.SelfSubjectAccessReview
		c.must(http.StatusCreated, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
			&api.SelfSubjectAccessReview{Spec: api.SelfSubjectAccessReviewSpec{ResourceAttributes: &api.ResourceAttributes{
				Verb: verb, Resource: resource, Namespace: ns}}}).into(t, &r)
		return r.Status
	}
	if st := ask(jane, "list", "pods", "default"); st.Allowed {
		t.Fatalf("jane may list pods before any binding: %+v", st)
	}
	if st := ask(ts, "delete", "namespaces", ""); !st.Allowed || !strings.Contains(st.Reason, "system:masters") {
		t.Fatalf("the admin may not delete namespaces: %+v", st)
	}
	jane.must(http.StatusBadRequest, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", `{"spec":{}}`)
	jane.must(http.StatusMethodNotAllowed, "GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", nil)
}

func bindView(ts *testServer, ns, user string) {
	ts.t.Helper()
	ts.must(http.StatusCreated, "POST", rbacPath+"/namespaces/"+ns+"/rolebindings",
		&api.RoleBinding{ObjectMeta: api.ObjectMeta{Name: user + "-view"},
			Subjects: []api.Subject{{Kind: "User", Name: user}}, RoleRef: api.RoleRef{Kind: "ClusterRole", Name: "view"}})
}

// A view user reads and cannot write; a binding in ns1 gives nothing in
// ns2; the 403 says what was refused, as Kubernetes'.
func TestRBACView(t *testing.T) {
	ts := newTestServer(t)
	for _, ns := range []string{"ns1", "ns2"} {
		ts.must(http.StatusCreated, "POST", "/api/v1/namespaces", &api.Namespace{ObjectMeta: api.ObjectMeta{Name: ns}})
		ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/"+ns+"/pods", testPod("p"))
	}
	bindView(ts, "ns1", "viewer")
	v := ts.as("viewer")
	v.eventually(http.StatusOK, "GET", "/api/v1/namespaces/ns1/pods", nil)
	v.must(http.StatusOK, "GET", "/api/v1/namespaces/ns1/pods/p", nil)
	r := v.must(http.StatusForbidden, "DELETE", "/api/v1/namespaces/ns1/pods/p", nil)
	want := `pods "p" is forbidden: User "viewer" cannot delete resource "pods" in API group "" in the namespace "ns1"`
	if st := r.status(); st.Reason != "Forbidden" || st.Message != want {
		t.Errorf("403 = %+v, want the message %q", st, want)
	}
	// The subject is the group-qualified resource, without a subresource.
	for _, c := range []struct{ method, path, want string }{
		{"POST", "/api/v1/namespaces/ns1/pods/p/exec",
			`pods "p" is forbidden: User "viewer" cannot create resource "pods/exec" in API group "" in the namespace "ns1"`},
		{"DELETE", "/apis/apps/v1/namespaces/ns1/deployments/web",
			`deployments.apps "web" is forbidden: User "viewer" cannot delete resource "deployments" in API group "apps" in the namespace "ns1"`},
	} {
		if st := v.must(http.StatusForbidden, c.method, c.path, nil).status(); st.Message != c.want {
			t.Errorf("%s %s: 403 %q, want %q", c.method, c.path, st.Message, c.want)
		}
	}
	v.must(http.StatusForbidden, "GET", "/api/v1/namespaces/ns2/pods", nil)
	v.must(http.StatusForbidden, "GET", "/api/v1/pods", nil) // all namespaces is not ns1
	v.must(http.StatusForbidden, "GET", "/api/v1/namespaces/ns1/secrets", nil)
	v.must(http.StatusOK, "GET", "/api", nil) // discovery, for every authenticated user
	v.must(http.StatusOK, "GET", "/api/v1/namespaces/ns1", nil)
	v.must(http.StatusForbidden, "GET", "/api/v1/namespaces/ns2", nil)
	ts.must(http.StatusOK, "GET", "/api/v1/namespaces/ns1/pods/p", nil) // nothing was deleted
}

// A user allowed to write RoleBindings still cannot grant what they do
// not hold, nor write a Role with more than they hold; with the bind verb
// on the role, or holding its rules, they can.
func TestRBACEscalation(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces", &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "ns1"}})
	ts.must(http.StatusCreated, "POST", rbacPath+"/namespaces/ns1/roles", &api.Role{ObjectMeta: api.ObjectMeta{Name: "rbac-writer"},
		Rules: []api.PolicyRule{{Verbs: []string{"create", "update"}, APIGroups: []string{api.RBACGroup}, Resources: []string{"rolebindings", "roles"}}}})
	ts.must(http.StatusCreated, "POST", rbacPath+"/namespaces/ns1/rolebindings", &api.RoleBinding{ObjectMeta: api.ObjectMeta{Name: "mallory"},
		Subjects: []api.Subject{{Kind: "User", Name: "mallory"}}, RoleRef: api.RoleRef{Kind: "Role", Name: "rbac-writer"}})
	m := ts.as("mallory")
	// A role within what mallory holds is fine (once the binding is seen).
	m.eventually(http.StatusCreated, "POST", rbacPath+"/namespaces/ns1/roles", &api.Role{ObjectMeta: api.ObjectMeta{Name: "small"},
		Rules: []api.PolicyRule{{Verbs: []string{"create"}, APIGroups: []string{api.RBACGroup}, Resources: []string{"roles"}}}})
	grantEdit := &api.RoleBinding{ObjectMeta: api.ObjectMeta{Name: "mallory-edit"},
		Subjects: []api.Subject{{Kind: "User", Name: "mallory"}}, RoleRef: api.RoleRef{Kind: "ClusterRole", Name: "edit"}}
	r := m.must(http.StatusForbidden, "POST", rbacPath+"/namespaces/ns1/rolebindings", grantEdit)
	if st := r.status(); !strings.Contains(st.Message, "attempting to grant RBAC permissions not currently held") {
		t.Errorf("escalation refusal = %q", st.Message)
	}
	m.must(http.StatusForbidden, "POST", rbacPath+"/namespaces/ns1/roles", &api.Role{ObjectMeta: api.ObjectMeta{Name: "all-pods"},
		Rules: []api.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{""}, Resources: []string{"pods"}}}})
	// With bind on the edit ClusterRole, the binding goes through.
	ts.must(http.StatusCreated, "POST", rbacPath+"/namespaces/ns1/roles", &api.Role{ObjectMeta: api.ObjectMeta{Name: "bind-edit"},
		Rules: []api.PolicyRule{{Verbs: []string{"bind"}, APIGroups: []string{api.RBACGroup}, Resources: []string{"clusterroles"}, ResourceNames: []string{"edit"}}}})
	ts.must(http.StatusCreated, "POST", rbacPath+"/namespaces/ns1/rolebindings", &api.RoleBinding{ObjectMeta: api.ObjectMeta{Name: "mallory-bind"},
		Subjects: []api.Subject{{Kind: "User", Name: "mallory"}}, RoleRef: api.RoleRef{Kind: "Role", Name: "bind-edit"}})
	m.eventually(http.StatusCreated, "POST", rbacPath+"/namespaces/ns1/rolebindings", grantEdit)
	m.eventually(http.StatusCreated, "POST", "/api/v1/namespaces/ns1/configmaps", &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "now-an-editor"}})
}

// The node authorizer and NodeRestriction: a kubelet writes its own Node
// and the status of its own pods, and reads only the Secrets its pods use.
func TestNodeAuthorizer(t *testing.T) {
	ts := newTestServer(t)
	for _, n := range []string{"a", "b"} {
		ts.must(http.StatusCreated, "POST", "/api/v1/nodes", &api.Node{ObjectMeta: api.ObjectMeta{Name: n}})
	}
	for _, s := range []string{"used", "unused"} {
		ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/secrets",
			&api.Secret{ObjectMeta: api.ObjectMeta{Name: s}, StringData: map[string]string{"k": "v"}})
	}
	onA := testPod("on-a")
	onA.Spec.NodeName = "a"
	onA.Spec.Containers[0].Env = []api.EnvVar{{Name: "K", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "used", Key: "k"}}}}
	ts.must(http.StatusCreated, "POST", podsPath, onA)
	onB := testPod("on-b")
	onB.Spec.NodeName = "b"
	ts.must(http.StatusCreated, "POST", podsPath, onB)

	a := ts.as(auth.NodeUserPrefix+"a", auth.GroupNodes)
	a.eventually(http.StatusOK, "GET", "/api/v1/namespaces/default/secrets/used", nil)
	a.must(http.StatusForbidden, "GET", "/api/v1/namespaces/default/secrets/unused", nil)
	a.must(http.StatusForbidden, "GET", "/api/v1/namespaces/default/secrets", nil)
	a.must(http.StatusOK, "PATCH", "/api/v1/nodes/a/status", `{"status":{"phase":"Running"}}`, mergePatch)
	a.must(http.StatusForbidden, "PATCH", "/api/v1/nodes/b/status", `{"status":{"phase":"Running"}}`, mergePatch)
	a.must(http.StatusForbidden, "PATCH", "/api/v1/nodes/b", `{"metadata":{"labels":{"x":"y"}}}`, mergePatch)
	a.must(http.StatusForbidden, "DELETE", "/api/v1/nodes/a", nil)
	status := `{"status":{"phase":"Running"}}`
	a.must(http.StatusOK, "PATCH", podsPath+"/on-a/status", status, mergePatch)
	a.must(http.StatusForbidden, "PATCH", podsPath+"/on-b/status", status, mergePatch)
	a.must(http.StatusForbidden, "POST", podsPath, testPod("mirror"))
	a.must(http.StatusNotFound, "DELETE", podsPath+"/gone-already", nil) // a kubelet's last delete, too late: 404, not 403
	// NodeRestriction: not even its own taints.
	r := a.must(http.StatusForbidden, "PATCH", "/api/v1/nodes/a", `{"spec":{"taints":[{"key":"k","effect":"NoSchedule"}]}}`, mergePatch)
	if !strings.Contains(r.status().Message, "taints") {
		t.Errorf("refusal %q does not name the taints", r.status().Message)
	}
}

// The default policy comes back at start: a deleted default binding is
// recreated, a changed one put back, unless it opts out of autoupdate.
func TestDefaultPolicyReconciled(t *testing.T) {
	ts := newTestServer(t)
	const crb = rbacPath + "/clusterrolebindings/"
	ts.must(http.StatusOK, "DELETE", crb+"system:kube-scheduler", nil)
	ts.must(http.StatusOK, "PATCH", crb+"system:node-proxier", `{"subjects":[{"kind":"User","name":"someone-else"}]}`, mergePatch)
	ts.must(http.StatusOK, "PATCH", crb+"system:kube-dns",
		`{"metadata":{"annotations":{"rbac.authorization.kubernetes.io/autoupdate":"false"}},"subjects":[{"kind":"User","name":"mine"}]}`, mergePatch)
	srv, err := New(withAuth(Config{Store: ts.store, Logger: zap.NewNop()}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	var b api.ClusterRoleBinding
	ts.must(http.StatusOK, "GET", crb+"system:kube-scheduler", nil).into(t, &b)
	ts.must(http.StatusOK, "GET", crb+"system:node-proxier", nil).into(t, &b)
	if b.Subjects[0].Name != auth.UserKubeProxy {
		t.Errorf("system:node-proxier subjects = %+v, want put back", b.Subjects)
	}
	ts.must(http.StatusOK, "GET", crb+"system:kube-dns", nil).into(t, &b)
	if b.Subjects[0].Name != "mine" {
		t.Errorf("system:kube-dns subjects = %+v, want kept (autoupdate false)", b.Subjects)
	}
}

// A kubelet refused because the authorizer's cache has not seen its pod
// yet is asked again over the store: what the store says decides.
func TestNodeAuthorizerAfresh(t *testing.T) {
	ts := newTestServer(t)
	pod := testPod("fresh")
	pod.Spec.NodeName = "a"
	pod.Spec.Containers[0].Env = []api.EnvVar{{Name: "K", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "s", Key: "k"}}}}
	ts.must(http.StatusCreated, "POST", podsPath, pod)
	a := auth.Attributes{User: &auth.User{Name: auth.NodeUserPrefix + "a", Groups: []string{auth.GroupNodes}}, Verb: "get",
		ResourceRequest: true, Resource: "secrets", Namespace: "default", Name: "s"}
	if d, reason, _ := ts.srv.authorizeNodeAfresh(context.Background(), a, auth.NoOpinion, "", nil); d != auth.Allow {
		t.Errorf("node a reading the secret of its pod: %v %s", d, reason)
	}
	a.User = &auth.User{Name: auth.NodeUserPrefix + "b", Groups: []string{auth.GroupNodes}}
	if d, _, _ := ts.srv.authorizeNodeAfresh(context.Background(), a, auth.NoOpinion, "", nil); d == auth.Allow {
		t.Error("node b may read the secret of a pod on node a")
	}
}
