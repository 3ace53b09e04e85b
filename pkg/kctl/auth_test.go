package kctl

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"kubelab/pkg/api"
)

// reviewAPI answers the two review kinds as the apiserver does: the posted
// object comes back with its status filled in. It allows every verb but
// delete, and records the specs of the access reviews it was asked.
type reviewAPI struct {
	mu    sync.Mutex
	specs []string // JSON
	user  api.UserInfo
}

func newReviewAPI(t *testing.T) (*reviewAPI, string) {
	a := &reviewAPI{user: api.UserInfo{Username: "kubernetes-admin", Groups: []string{"system:masters", "system:authenticated"}}}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return a, srv.URL
}

func (a *reviewAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.Method == http.MethodPost && r.URL.Path == selfSubjectReviewsPath:
		var review api.SelfSubjectReview
		_ = json.Unmarshal(body, &review)
		review.Status.UserInfo = a.user
		b, _ := json.Marshal(review)
		writeFake(w, http.StatusCreated, string(b))
	case r.Method == http.MethodPost && r.URL.Path == selfSubjectAccessReviewsPath:
		var review api.SelfSubjectAccessReview
		_ = json.Unmarshal(body, &review)
		spec, _ := json.Marshal(review.Spec)
		a.mu.Lock()
		a.specs = append(a.specs, string(spec))
		a.mu.Unlock()
		if attrs := review.Spec.ResourceAttributes; attrs != nil && attrs.Verb == "delete" {
			review.Status.Reason = "no RBAC policy matched"
		} else {
			review.Status.Allowed = true
		}
		b, _ := json.Marshal(review)
		writeFake(w, http.StatusCreated, string(b))
	default:
		writeStatus(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
	}
}

func TestWhoAmI(t *testing.T) {
	a, server := newReviewAPI(t)
	tests := []struct {
		name   string
		user   api.UserInfo
		args   []string
		out    string
		errOut string
		code   int
	}{
		{name: "a table, as kubectl prints it", user: a.user, args: []string{"auth", "whoami"},
			out: "ATTRIBUTE   VALUE\nUsername    kubernetes-admin\nGroups      [system:masters system:authenticated]\n"},
		{name: "a service account, with a UID and extras",
			user: api.UserInfo{Username: "system:serviceaccount:lab:robot", UID: "u-1", Groups: []string{"system:serviceaccounts"},
				Extra: map[string][]string{"authentication.kubernetes.io/pod-name": {"web-0"}}},
			args: []string{"auth", "whoami"},
			out: "ATTRIBUTE                                      VALUE\n" +
				"Username                                       system:serviceaccount:lab:robot\n" +
				"UID                                            u-1\n" +
				"Groups                                         [system:serviceaccounts]\n" +
				"Extra: authentication.kubernetes.io/pod-name   [web-0]\n"},
		{name: "yaml", user: a.user, args: []string{"auth", "whoami", "-o", "yaml"},
			out: "apiVersion: authentication.k8s.io/v1\nkind: SelfSubjectReview\nmetadata: {}\nstatus:\n  userInfo:\n" +
				"    groups:\n    - system:masters\n    - system:authenticated\n    username: kubernetes-admin\n"},
		{name: "jsonpath", user: a.user, args: []string{"auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"},
			out: "kubernetes-admin"},
		{name: "-o wide", user: a.user, args: []string{"auth", "whoami", "-o", "wide"},
			errOut: "error: output format \"wide\" is not supported by auth whoami: use yaml, json or jsonpath\n", code: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.user = tt.user
			out, errOut, code := kctl(t, server, "", tt.args...)
			if out != tt.out || errOut != tt.errOut || code != tt.code {
				t.Errorf("exit %d, stderr %q, out\n%s\nwant exit %d, stderr %q, out\n%s", code, errOut, out, tt.code, tt.errOut, tt.out)
			}
		})
	}
}

func TestCanI(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		spec   string // what was asked, "" for nothing
		out    string
		errOut string
		code   int
	}{
		{name: "a type, in the context's namespace", args: []string{"create", "pods"},
			spec: `{"resourceAttributes":{"namespace":"default","verb":"create","resource":"pods"}}`, out: "yes\n"},
		{name: "a short name and a name, in a namespace", args: []string{"get", "po/kubia", "-n", "lab"},
			spec: `{"resourceAttributes":{"namespace":"lab","verb":"get","resource":"pods","name":"kubia"}}`, out: "yes\n"},
		{name: "a kind of a group", args: []string{"list", "ReplicaSet", "-A"},
			spec: `{"resourceAttributes":{"verb":"list","group":"apps","resource":"replicasets"}}`, out: "yes\n"},
		{name: "a group-qualified type", args: []string{"update", "roles.rbac.authorization.k8s.io"},
			spec: `{"resourceAttributes":{"namespace":"default","verb":"update","group":"rbac.authorization.k8s.io","resource":"roles"}}`, out: "yes\n"},
		{name: "a subresource", args: []string{"get", "pods", "--subresource=log"},
			spec: `{"resourceAttributes":{"namespace":"default","verb":"get","resource":"pods","subresource":"log"}}`, out: "yes\n"},
		{name: "a cluster-scoped type is asked about in no namespace", args: []string{"list", "nodes"},
			spec: `{"resourceAttributes":{"verb":"list","resource":"nodes"}}`, out: "yes\n"},
		{name: "with a warning when -n names one", args: []string{"list", "nodes", "-n", "lab"},
			spec: `{"resourceAttributes":{"verb":"list","resource":"nodes"}}`, out: "yes\n",
			errOut: "Warning: resource 'nodes' is not namespace scoped\n"},
		{name: "anything", args: []string{"*", "*", "-A"},
			spec: `{"resourceAttributes":{"verb":"*","resource":"*"}}`, out: "yes\n"},
		{name: "a type kctl does not know is asked about all the same", args: []string{"get", "widgets.example.com"},
			spec: `{"resourceAttributes":{"namespace":"default","verb":"get","group":"example.com","resource":"widgets"}}`, out: "yes\n",
			errOut: "Warning: the server doesn't have a resource type 'widgets.example.com'\n"},
		{name: "an unknown verb is asked about too", args: []string{"frobnicate", "pods"},
			spec: `{"resourceAttributes":{"namespace":"default","verb":"frobnicate","resource":"pods"}}`, out: "yes\n",
			errOut: "Warning: verb 'frobnicate' is not a known verb\n"},
		{name: "a URL", args: []string{"get", "/healthz"},
			spec: `{"nonResourceAttributes":{"path":"/healthz","verb":"get"}}`, out: "yes\n"},
		{name: "no, and why", args: []string{"delete", "nodes/n1"},
			spec: `{"resourceAttributes":{"verb":"delete","resource":"nodes","name":"n1"}}`, out: "no - no RBAC policy matched\n", code: 1},
		{name: "no, quietly", args: []string{"delete", "pods", "-q"},
			spec: `{"resourceAttributes":{"namespace":"default","verb":"delete","resource":"pods"}}`, code: 1},
		{name: "yes, quietly", args: []string{"get", "pods", "--quiet"},
			spec: `{"resourceAttributes":{"namespace":"default","verb":"get","resource":"pods"}}`},
		{name: "one argument", args: []string{"get"},
			errOut: "error: you must specify two arguments: verb resource or verb resource/resourceName\n", code: 1},
		{name: "a subresource of a URL", args: []string{"get", "/healthz", "--subresource=log"},
			errOut: "error: --subresource can not be used with a NONRESOURCEURL\n", code: 1},
		{name: "--list", args: []string{"--list"}, errOut: "error: kctl auth can-i --list is not supported yet\n", code: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, server := newReviewAPI(t)
			out, errOut, code := kctl(t, server, "", append([]string{"auth", "can-i"}, tt.args...)...)
			if out != tt.out || errOut != tt.errOut || code != tt.code {
				t.Errorf("exit %d, stderr %q, out %q; want exit %d, stderr %q, out %q", code, errOut, out, tt.code, tt.errOut, tt.out)
			}
			var want []string
			if tt.spec != "" {
				want = []string{tt.spec}
			}
			if len(a.specs) != len(want) || (len(want) == 1 && a.specs[0] != want[0]) {
				t.Errorf("asked %q, want %q", a.specs, want)
			}
		})
	}
}
