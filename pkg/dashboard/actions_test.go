package dashboard

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// Actions go to the API with the viewer's token, and what the API says is
// what the next page says.
func TestActionsGoAsTheViewer(t *testing.T) {
	f := newFixture(t, node("n1", true, "4", "8Gi"))
	f.api.answer("PATCH", "/apis/apps/v1/namespaces/default/replicasets/kubia/scale", http.StatusOK, map[string]any{})
	f.api.answer("DELETE", "/api/v1/namespaces/default/pods/kubia-a", http.StatusOK, map[string]any{})
	f.api.answer("PATCH", "/api/v1/nodes/n1", http.StatusForbidden, api.Status{Reason: "Forbidden", Code: 403,
		Message: `nodes "n1" is forbidden: User "` + userAlice + `" cannot patch resource "nodes" in API group "" at the cluster scope`})
	b := f.browser()
	b.signIn(goodToken)
	if _, body := b.get("/"); !strings.Contains(text(body), "acting as "+userAlice) {
		t.Fatalf("the header should name the viewer:\n%s", text(body))
	}

	tests := []struct {
		name      string
		path      string
		form      url.Values
		want      recorded
		wantFlash string
	}{
		{name: "scale", path: "/actions/scale",
			form:      url.Values{"resource": {"replicasets"}, "namespace": {"default"}, "name": {"kubia"}, "replicas": {"5"}, "return": {"/workloads?ns=default"}},
			want:      recorded{Method: "PATCH", Path: "/apis/apps/v1/namespaces/default/replicasets/kubia/scale", ContentType: "application/merge-patch+json", Body: `{"spec":{"replicas":5}}`},
			wantFlash: "replicaset.apps/kubia scaled to 5"},
		{name: "delete a pod", path: "/actions/delete-pod",
			form:      url.Values{"namespace": {"default"}, "name": {"kubia-a"}, "return": {"/pods/default/kubia-a"}},
			want:      recorded{Method: "DELETE", Path: "/api/v1/namespaces/default/pods/kubia-a"},
			wantFlash: "pod/kubia-a deleted"},
		{name: "cordon, refused by RBAC", path: "/actions/cordon",
			form:      url.Values{"node": {"n1"}, "cordon": {"true"}, "return": {"/"}},
			want:      recorded{Method: "PATCH", Path: "/api/v1/nodes/n1", ContentType: "application/merge-patch+json", Body: `{"spec":{"unschedulable":true}}`},
			wantFlash: `Error from server (Forbidden): nodes "n1" is forbidden: User "` + userAlice + `" cannot patch resource "nodes"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.api.sent())
			resp := b.post(tc.path, tc.form)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.form.Get("return") {
				t.Fatalf("POST %s: %d to %q", tc.path, resp.StatusCode, resp.Header.Get("Location"))
			}
			sent := f.api.sent()[before:]
			if len(sent) != 1 {
				t.Fatalf("the API got %d requests: %+v", len(sent), sent)
			}
			got := sent[0]
			if got.Auth != "Bearer "+goodToken {
				t.Errorf("sent with Authorization %q, want the viewer's token", got.Auth)
			}
			got.Auth, got.ClientCert = "", false
			if got != tc.want {
				t.Errorf("sent %+v\nwant %+v", got, tc.want)
			}
			_, body := b.get(tc.form.Get("return"))
			if !strings.Contains(text(body), tc.wantFlash) {
				t.Errorf("the next page should say %q:\n%s", tc.wantFlash, text(body))
			}
		})
	}
}

// Without a token an action is refused, with a message that says how to
// sign in, and nothing reaches the API.
func TestActionsNeedAViewer(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	resp := b.post("/actions/scale", url.Values{"resource": {"replicasets"}, "namespace": {"default"}, "name": {"kubia"}, "replicas": {"5"}, "return": {"/"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
	if _, body := b.get("/"); !strings.Contains(text(body), "sign in first: actions go to the API as you") {
		t.Fatalf("the page should say why:\n%s", text(body))
	}
	if sent := f.api.sent(); len(sent) != 0 {
		t.Fatalf("the API got %+v", sent)
	}
}

// A viewer's request carries the viewer's token and the cluster's CA, and
// never the dashboard's own client certificate, which would make the
// apiserver take it for the dashboard.
func TestViewerRequestsCarryNoClientCertificate(t *testing.T) {
	var sawCert bool
	var auth string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawCert = len(r.TLS.PeerCertificates) > 0
		auth = r.Header.Get("Authorization")
		writeJSON(w, http.StatusCreated, api.SelfSubjectReview{Status: api.SelfSubjectReviewStatus{UserInfo: api.UserInfo{Username: userAlice}}})
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	// The dashboard's own configuration: the CA, and its client certificate.
	own := &tls.Config{RootCAs: roots, Certificates: srv.TLS.Certificates}
	user, err := newViewerAPI(srv.URL, own).whoAmI(t.Context(), goodToken)
	if err != nil {
		t.Fatal(err)
	}
	if user != userAlice || auth != "Bearer "+goodToken || sawCert {
		t.Fatalf("user %q, Authorization %q, client certificate sent: %v", user, auth, sawCert)
	}
}

// Signing in checks the token with the apiserver first.
func TestSignIn(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	resp := b.post("/login", url.Values{"token": {"not-a-token"}, "return": {"/"}})
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(text(string(body)), "The apiserver does not take this token: Error from server (Unauthorized)") {
		t.Fatalf("a bad token: %d\n%s", resp.StatusCode, text(string(body)))
	}
	b.signIn(goodToken)
	if _, body := b.get("/"); !strings.Contains(text(body), "Signed in as "+userAlice) {
		t.Fatalf("after signing in:\n%s", text(body))
	}
	b.post("/logout", url.Values{"return": {"/"}})
	if _, body := b.get("/"); !strings.Contains(text(body), "sign in to act") {
		t.Fatalf("after signing out:\n%s", text(body))
	}
}
