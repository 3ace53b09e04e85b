package kctl

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
	"kubelab/pkg/kubeconfig"
	"kubelab/pkg/pki"
)

// tokenAPI answers a TokenRequest with the token "token-of-<sa>", and
// everything else as the fake API does.
func newTokenAPI(t *testing.T) (*fakeAPI, string) {
	f := &fakeAPI{objects: map[string]string{}, logs: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/token") {
			f.ServeHTTP(w, r)
			return
		}
		var req api.TokenRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeStatus(w, http.StatusBadRequest, "BadRequest", err.Error())
			return
		}
		body, _ := json.Marshal(req.Spec)
		f.mu.Lock()
		f.requests = append(f.requests, fakeRequest{method: r.Method, path: r.URL.Path, body: string(body)})
		f.mu.Unlock()
		sa := lastSegment(strings.TrimSuffix(r.URL.Path, "/token"))
		req.Status.Token = "token-of-" + sa
		b, _ := json.Marshal(req)
		writeFake(w, http.StatusCreated, string(b))
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// TestCreateServiceAccountToken: the flags become a TokenRequest (its spec
// is compared), the answer's token is printed.
func TestCreateServiceAccountToken(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		out      string
		errOut   string
		postPath string
		spec     string
	}{
		{name: "a token", args: []string{"create", "token", "builder"}, out: "token-of-builder\n",
			postPath: "/api/v1/namespaces/default/serviceaccounts/builder/token", spec: `{"audiences":null}`},
		{name: "every flag", args: []string{"create", "token", "builder", "-n", "ci", "--duration", "1h", "--audience", "a", "--audience", "b",
			"--bound-object-kind", "Pod", "--bound-object-name", "kubia", "--bound-object-uid", "u-1"}, out: "token-of-builder\n",
			postPath: "/api/v1/namespaces/ci/serviceaccounts/builder/token",
			spec:     `{"audiences":["a","b"],"expirationSeconds":3600,"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"kubia","uid":"u-1"}}`},
		{name: "no name", args: []string{"create", "token"}, errOut: "error: exactly one NAME is required, got 0\n"},
		{name: "negative duration", args: []string{"create", "token", "b", "--duration", "-1s"},
			errOut: "error: --duration must be greater than or equal to 0\n"},
		{name: "milliseconds", args: []string{"create", "token", "b", "--duration", "1500ms"},
			errOut: "error: --duration cannot be expressed in units less than seconds\n"},
		{name: "empty audience", args: []string{"create", "token", "b", "--audience", ""}, errOut: "error: --audience must not be an empty string\n"},
		{name: "name without kind", args: []string{"create", "token", "b", "--bound-object-name", "p"},
			errOut: "error: --bound-object-name can only be set if --bound-object-kind is provided\n"},
		{name: "uid without kind", args: []string{"create", "token", "b", "--bound-object-uid", "u"},
			errOut: "error: --bound-object-uid can only be set if --bound-object-kind is provided\n"},
		{name: "kind without name", args: []string{"create", "token", "b", "--bound-object-kind", "Pod"},
			errOut: "error: --bound-object-name is required if --bound-object-kind is provided\n"},
		{name: "a kind kubelab does not bind to", args: []string{"create", "token", "b", "--bound-object-kind", "Secret", "--bound-object-name", "s"},
			errOut: "error: supported --bound-object-kind values are Pod\n"},
		{name: "--ttl is for bootstrap tokens", args: []string{"create", "token", "b", "--ttl", "1h"},
			errOut: "error: --ttl and --description go with --bootstrap\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newTokenAPI(t)
			out, errOut, code := kctl(t, server, "", tt.args...)
			if out != tt.out || errOut != tt.errOut || (code == 0) != (tt.errOut == "") {
				t.Errorf("got %q %q exit %d, want %q %q", out, errOut, code, tt.out, tt.errOut)
			}
			post := fake.last(http.MethodPost)
			if post.path != tt.postPath || post.body != tt.spec {
				t.Errorf("POST %s %s\nwant %s %s", post.path, post.body, tt.postPath, tt.spec)
			}
		})
	}
}

// TestCreateBootstrapToken: --bootstrap writes the token's Secret and
// prints the token, the hash of the kubeconfig's CA and the kubelet line.
func TestCreateBootstrapToken(t *testing.T) {
	tp := newTestPKI(t)
	ca, err := pki.ParseCert(tp.caPEM)
	if err != nil {
		t.Fatal(err)
	}
	hash := pki.CACertHash(ca)
	tests := []struct {
		name        string
		args        []string
		caFile      bool // the kubeconfig names its CA by a relative path
		noCA        bool
		dns         bool // the DNS add-on's Service exists
		ttl         time.Duration
		description string
		errOut      string
	}{
		{name: "defaults", args: []string{"--bootstrap"}, ttl: 24 * time.Hour},
		{name: "the cluster's DNS", args: []string{"--bootstrap"}, dns: true, ttl: 24 * time.Hour},
		{name: "ttl and description", args: []string{"--bootstrap", "--ttl", "2h", "--description", "worker w1"}, ttl: 2 * time.Hour, description: "worker w1"},
		{name: "never expires", args: []string{"--bootstrap", "--ttl", "0"}},
		{name: "CA in a file", args: []string{"--bootstrap"}, caFile: true, ttl: 24 * time.Hour},
		{name: "no CA", args: []string{"--bootstrap"}, noCA: true, errOut: `names no CA, and a joining node needs the hash of one`},
		{name: "a name too", args: []string{"--bootstrap", "builder"}, errOut: `error: --bootstrap takes no SERVICEACCOUNT, got "builder"`},
		{name: "a service account's flag", args: []string{"--bootstrap", "--duration", "1h"},
			errOut: "error: --duration is for a service account's token, not with --bootstrap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newTLSAPI(t, tp)
			dir := t.TempDir()
			path := filepath.Join(dir, "admin.conf")
			kc := kubeconfig.New("kubelab", server, tp.caPEM, "kubernetes-admin",
				kubeconfig.AuthInfo{ClientCertificateData: tp.clientCert, ClientKeyData: tp.clientKey})
			switch {
			case tt.caFile:
				writeFile(t, dir, "ca.crt", string(tp.caPEM))
				kc.Clusters[0].Cluster.CertificateAuthorityData, kc.Clusters[0].Cluster.CertificateAuthority = nil, "ca.crt"
			case tt.noCA:
				kc.Clusters[0].Cluster.CertificateAuthorityData = nil
				kc.Clusters[0].Cluster.InsecureSkipTLSVerify = true
			}
			if err := kc.Write(path); err != nil {
				t.Fatal(err)
			}
			if tt.dns {
				fake.objects["/api/v1/namespaces/kube-system/services/kube-dns"] = `{"apiVersion":"v1","kind":"Service",` +
					`"metadata":{"name":"kube-dns","namespace":"kube-system"},"spec":{"clusterIP":"10.96.0.10"}}`
			}
			before := time.Now()
			out, errOut, code := kctlEnv(t, "", "", append([]string{"--kubeconfig", path, "create", "token"}, tt.args...)...)
			if tt.errOut != "" {
				if code == 0 || !strings.Contains(errOut, tt.errOut) || fake.count(http.MethodPost) != 0 {
					t.Fatalf("exit %d, stderr %q, %d POSTs; want an error with %q and nothing created", code, errOut, fake.count(http.MethodPost), tt.errOut)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			m := regexp.MustCompile(`(?m)^token: +([a-z0-9]{6})\.([a-z0-9]{16})\n` +
				`ca-cert-hash: +(\S+)\n`).FindStringSubmatch(out)
			if m == nil || m[3] != hash {
				t.Fatalf("output\n%s\nwant the token and the hash %s", out, hash)
			}
			id, secret := m[1], m[2]
			line := "  kubelet --server " + server + " --bootstrap-token " + id + "." + secret + " --ca-cert-hash " + hash + " --node-name NAME"
			if tt.dns {
				line += " --runtime docker --address 0.0.0.0 --cluster-dns 10.96.0.10\n"
			}
			if !strings.Contains(out, line) {
				t.Errorf("output\n%s\nwant a line with %q", out, line)
			}
			if !strings.Contains(errOut, "is a loopback address") {
				t.Errorf("stderr %q, want a warning that 127.0.0.1 is not reachable from another machine", errOut)
			}

			post := fake.last(http.MethodPost)
			var s api.Secret
			if err := json.Unmarshal([]byte(post.body), &s); err != nil {
				t.Fatal(err)
			}
			if post.path != "/api/v1/namespaces/kube-system/secrets" || s.Name != "bootstrap-token-"+id || s.Type != auth.SecretTypeBootstrapToken ||
				string(s.Data["token-id"]) != id || string(s.Data["token-secret"]) != secret ||
				string(s.Data["auth-extra-groups"]) != auth.DefaultBootstrapTokenGroup || string(s.Data["description"]) != tt.description {
				t.Errorf("POST %s: %s", post.path, post.body)
			}
			exp, set, err := auth.BootstrapTokenExpiration(&s)
			if err != nil || set != (tt.ttl > 0) || (set && (exp.Before(before.Add(tt.ttl).Truncate(time.Second)) || exp.After(time.Now().Add(tt.ttl)))) {
				t.Errorf("expiration %v (set %v, %v), want in %s", exp, set, err, tt.ttl)
			}
		})
	}
}
