package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kubeconfig"
	"kubelab/pkg/pki"
)

// The apiserver's front door, with the real binary: who may come in
// (authentication: a client certificate the cluster CA signed, or a
// token of --token-auth-file) and what each may do once in (the
// authorizers: RBAC for people, the Node authorizer for kubelets).

// startSecureAPIServer starts bin/apiserver with the run's PKI and, when
// tokens is not empty, a --token-auth-file holding it; it returns the
// address.
func startSecureAPIServer(t *testing.T, tokens string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the apiserver")
	}
	addr := freeAddr(t)
	args := append([]string{"--listen", addr, "--data-dir", t.TempDir(), "--log-level", "warn"},
		apiserverTLSFlags(t)...)
	if tokens != "" {
		file := filepath.Join(t.TempDir(), "tokens.csv")
		if err := os.WriteFile(file, []byte(tokens), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--token-auth-file", file)
	}
	start(t, "apiserver", args...)
	waitHealthy(t, "https://"+addr)
	return addr
}

// TestAuthentication: no credentials get 401 but for the health checks;
// a certificate another CA signed does not get past the TLS handshake; a
// token of the token file is a user, an unknown token is not.
func TestAuthentication(t *testing.T) {
	addr := startSecureAPIServer(t, "tok-alice,alice,1001,\"system:masters\"\n")
	anonymous := &tls.Config{RootCAs: clusterRoots(t)}
	foreign := foreignClientTLS(t)
	for _, tc := range []struct {
		name  string
		tls   *tls.Config
		token string
		path  string
		want  int // the status code; 0: the TLS handshake fails
	}{
		{name: "anonymous, pods", tls: anonymous, path: "/api/v1/namespaces/default/pods", want: http.StatusUnauthorized},
		{name: "anonymous, /healthz", tls: anonymous, path: "/healthz", want: http.StatusOK},
		{name: "a certificate of another CA", tls: foreign, path: "/api/v1/namespaces/default/pods", want: 0},
		{name: "a certificate of another CA, /healthz", tls: foreign, path: "/healthz", want: 0},
		{name: "the admin's certificate", tls: adminTLS(t), path: "/api/v1/namespaces/default/pods", want: http.StatusOK},
		{name: "a token of the token file", tls: anonymous, token: "tok-alice", path: "/api/v1/namespaces/default/pods", want: http.StatusOK},
		{name: "an unknown token", tls: anonymous, token: "tok-mallory", path: "/api/v1/namespaces/default/pods", want: http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hc := &http.Client{Timeout: 10 * time.Second,
				Transport: &http.Transport{TLSClientConfig: tc.tls, DisableKeepAlives: true}}
			req, err := http.NewRequest("GET", "https://"+addr+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := hc.Do(req)
			if tc.want == 0 {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("got %d, want the TLS handshake to fail", resp.StatusCode)
				}
				if !strings.Contains(err.Error(), "remote error: tls: ") { // the server refused it
					t.Fatalf("got %v, want a TLS error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("got %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}

	// kctl with the token in its kubeconfig is alice.
	kc := kubeconfig.New(pki.DefaultClusterName, "https://"+addr, caPEM(t), "alice", kubeconfig.AuthInfo{Token: "tok-alice"})
	path := filepath.Join(t.TempDir(), "alice.conf")
	if err := kc.Write(path); err != nil {
		t.Fatal(err)
	}
	if out, err := kctlAs(t, path, addr, "auth", "whoami"); err != nil || !strings.Contains(out, "alice") {
		t.Errorf("kctl auth whoami with alice's token: %v\n%s", err, out)
	}
}

// TestRBACNamespaceViewer: a user granted the view ClusterRole by a
// RoleBinding in ns1, and a Role that lets them create RoleBindings
// there, reads ns1 and nothing else, changes nothing, and cannot bind
// themselves a role they do not hold (edit); kctl auth says the same.
func TestRBACNamespaceViewer(t *testing.T) {
	addr := startSecureAPIServer(t, "")
	admin := adminClient(t, addr)
	ctx := context.Background()
	for _, obj := range []api.Object{
		&api.Namespace{ObjectMeta: api.ObjectMeta{Name: "ns1"}},
		&api.Namespace{ObjectMeta: api.ObjectMeta{Name: "ns2"}},
		securityPod("ns1", "web", "", ""),
		securityPod("ns2", "web", "", ""),
		&api.Role{ObjectMeta: api.ObjectMeta{Name: "bind-roles", Namespace: "ns1"},
			Rules: []api.PolicyRule{{Verbs: []string{"create"}, APIGroups: []string{api.RBACGroup}, Resources: []string{"rolebindings"}}}},
		roleBinding("ns1", "viewer-view", "ClusterRole", "view", "viewer"),
		roleBinding("ns1", "viewer-bind-roles", "Role", "bind-roles", "viewer"),
	} {
		if _, err := admin.For(obj).Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	kc := userKubeconfig(t, addr, "viewer")
	viewer := clientFor(t, kc, addr)
	pods := func(ns string) *client.ResourceClient { return viewer.Resource(mustLookup(t, "pods")).Namespace(ns) }
	// The authorizers read roles and bindings from a cache: it catches up
	// within moments.
	eventually(t, "the viewer's bindings to take effect", func() bool {
		return mayI(ctx, viewer, "list", "", "pods", "ns1") && mayI(ctx, viewer, "create", api.RBACGroup, "rolebindings", "ns1")
	})

	for _, tc := range []struct {
		name string
		do   func() error
		want int32  // 0: allowed
		msg  string // in the refusal
	}{
		{name: "list pods in ns1", do: func() error { _, _, err := pods("ns1").List(ctx, client.ListOptions{}); return err }},
		{name: "get a pod in ns1", do: func() error { _, err := pods("ns1").Get(ctx, "web"); return err }},
		{name: "delete a pod in ns1", do: func() error { return pods("ns1").Delete(ctx, "web", nil) }, want: http.StatusForbidden},
		{name: "list pods in ns2", do: func() error { _, _, err := pods("ns2").List(ctx, client.ListOptions{}); return err }, want: http.StatusForbidden},
		{name: "bind itself edit in ns1 (escalation)", do: func() error {
			rb := roleBinding("ns1", "viewer-edit", "ClusterRole", "edit", "viewer")
			_, err := viewer.For(rb).Create(ctx, rb)
			return err
		}, want: http.StatusForbidden, msg: "attempting to grant RBAC permissions not currently held"},
		// What it holds it may grant: the Role above lets it bind.
		{name: "bind itself view in ns1", do: func() error {
			rb := roleBinding("ns1", "viewer-view-again", "ClusterRole", "view", "viewer")
			_, err := viewer.For(rb).Create(ctx, rb)
			return err
		}},
		{name: "bind itself view in ns2", do: func() error {
			rb := roleBinding("ns2", "viewer-view", "ClusterRole", "view", "viewer")
			_, err := viewer.For(rb).Create(ctx, rb)
			return err
		}, want: http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if got := statusCode(err); got != tc.want {
				t.Fatalf("got %d (%v), want %d (0: allowed)", got, err, tc.want)
			}
			if tc.msg != "" && !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want an error saying %q", err, tc.msg)
			}
		})
	}
	if _, err := admin.Resource(mustLookup(t, "rolebindings")).Namespace("ns1").Get(ctx, "viewer-edit"); !client.IsNotFound(err) {
		t.Errorf("the escalating RoleBinding: %v, want it not to exist", err)
	}

	t.Run("kctl auth", func(t *testing.T) {
		out, err := kctlAs(t, kc, addr, "auth", "can-i", "delete", "pods", "-n", "ns1")
		var exit *exec.ExitError
		if words := strings.Fields(out); !errors.As(err, &exit) || exit.ExitCode() != 1 || len(words) == 0 || words[0] != "no" {
			t.Errorf("kctl auth can-i delete pods -n ns1: %v, want exit status 1 and no\n%s", err, out)
		}
		if out, err := kctlAs(t, kc, addr, "auth", "can-i", "list", "pods", "-n", "ns1"); err != nil || strings.TrimSpace(out) != "yes" {
			t.Errorf("kctl auth can-i list pods -n ns1: %v, want yes\n%s", err, out)
		}
		if out, err := kctlAs(t, kc, addr, "auth", "whoami"); err != nil || !strings.Contains(out, "viewer") {
			t.Errorf("kctl auth whoami: %v, want viewer\n%s", err, out)
		}
	})
}

// TestNodeAuthorizer: a kubelet's credential opens its own node and the
// Secrets its pods use, not another node nor other Secrets.
func TestNodeAuthorizer(t *testing.T) {
	addr := startSecureAPIServer(t, "")
	admin := adminClient(t, addr)
	ctx := context.Background()
	for _, obj := range []api.Object{
		&api.Node{ObjectMeta: api.ObjectMeta{Name: "a"}},
		&api.Node{ObjectMeta: api.ObjectMeta{Name: "b"}},
		&api.Secret{ObjectMeta: api.ObjectMeta{Name: "for-a", Namespace: "default"}, StringData: map[string]string{"k": "v"}},
		&api.Secret{ObjectMeta: api.ObjectMeta{Name: "for-b", Namespace: "default"}, StringData: map[string]string{"k": "v"}},
		securityPod("default", "on-a", "a", "for-a"),
		securityPod("default", "on-b", "b", "for-b"),
	} {
		if _, err := admin.For(obj).Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	kubelet := clientFor(t, kubeletKubeconfig(t, "a"), addr)
	nodes, secrets := kubelet.Resource(mustLookup(t, "nodes")), kubelet.Resource(mustLookup(t, "secrets")).Namespace("default")
	// The authorizer reads the pods of a node from a cache: it catches up
	// within moments.
	eventually(t, "node a to read the Secret of its pod", func() bool {
		_, err := secrets.Get(ctx, "for-a")
		return err == nil
	})
	label := []byte(`{"metadata":{"labels":{"disk":"ssd"}}}`)
	for _, tc := range []struct {
		name string
		do   func() error
		want int32 // 0: allowed
	}{
		{name: "patch its own Node", do: func() error { _, err := nodes.Patch(ctx, "a", client.MergePatch, label, ""); return err }},
		{name: "patch Node b", do: func() error { _, err := nodes.Patch(ctx, "b", client.MergePatch, label, ""); return err }, want: http.StatusForbidden},
		{name: "read a Secret its pod uses", do: func() error { _, err := secrets.Get(ctx, "for-a"); return err }},
		{name: "read a Secret only a pod of b uses", do: func() error { _, err := secrets.Get(ctx, "for-b"); return err }, want: http.StatusForbidden},
		{name: "list Secrets", do: func() error { _, _, err := secrets.List(ctx, client.ListOptions{}); return err }, want: http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if got := statusCode(err); got != tc.want {
				t.Fatalf("got %d (%v), want %d (0: allowed)", got, err, tc.want)
			}
		})
	}
}

// mayI asks the apiserver whether c's user may do verb on resource in ns:
// a SelfSubjectAccessReview, as kctl auth can-i sends.
func mayI(ctx context.Context, c *client.Client, verb, group, resource, ns string) bool {
	review := api.SelfSubjectAccessReview{TypeMeta: api.TypeMeta{APIVersion: api.AuthorizationGroup + "/v1", Kind: "SelfSubjectAccessReview"},
		Spec: api.SelfSubjectAccessReviewSpec{ResourceAttributes: &api.ResourceAttributes{Namespace: ns, Verb: verb, Group: group, Resource: resource}}}
	body, err := json.Marshal(review)
	if err != nil {
		return false
	}
	out, err := c.Do(ctx, "POST", "/apis/"+api.AuthorizationGroup+"/v1/selfsubjectaccessreviews", body, "application/json")
	if err != nil || json.Unmarshal(out, &review) != nil {
		return false
	}
	return review.Status.Allowed
}

// statusCode is the HTTP status of an API error; 0 for none, -1 for an
// error that is not an API status.
func statusCode(err error) int32 {
	if err == nil {
		return 0
	}
	if st, ok := client.StatusOf(err); ok {
		return st.Code
	}
	return -1
}

// securityPod is a pod in ns, bound to node when node is given, with an
// environment variable from secret when given.
func securityPod(ns, name, node, secret string) *api.Pod {
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns},
		Spec: api.PodSpec{NodeName: node, Containers: []api.Container{{Name: "app", Image: "kubelab/kubia:latest"}}}}
	if secret != "" {
		pod.Spec.Containers[0].Env = []api.EnvVar{{Name: "PASSWORD",
			ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: secret, Key: "k"}}}}
	}
	return pod
}

// roleBinding grants the role of kind (Role or ClusterRole) to user in ns.
func roleBinding(ns, name, kind, role, user string) *api.RoleBinding {
	return &api.RoleBinding{ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns},
		Subjects: []api.Subject{{Kind: api.SubjectUser, APIGroup: api.RBACGroup, Name: user}},
		RoleRef:  api.RoleRef{APIGroup: api.RBACGroup, Kind: kind, Name: role}}
}

// caPEM is the cluster CA's certificate.
func caPEM(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(pkiFile(t, pki.CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// clusterRoots trusts the cluster CA, and nothing else.
func clusterRoots(t *testing.T) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM(t)) {
		t.Fatal("no certificate in the CA file")
	}
	return pool
}

// foreignClientTLS trusts the cluster CA but presents a certificate of
// another CA, for a user in system:masters: it must not matter what a
// certificate says when the cluster CA did not sign it. It presents it
// whatever the server asks for: Go's client, left to choose, would send
// no certificate to a server that names other CAs, and be anonymous.
func foreignClientTLS(t *testing.T) *tls.Config {
	t.Helper()
	other, err := pki.NewCA("not-the-cluster-ca")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := other.IssueClient("mallory", []string{"system:masters"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{RootCAs: clusterRoots(t),
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }}
}
