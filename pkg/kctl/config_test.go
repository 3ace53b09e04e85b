package kctl

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubelab/pkg/kubeconfig"
)

func TestFindKubeconfig(t *testing.T) {
	dir := t.TempDir()
	touch := func(path string) string {
		full := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		return full
	}
	explicit := touch("explicit.conf")
	envFile := touch("env.conf")
	adminConf := touch("work/.kubelab/admin.conf")
	homeConf := touch("home/.kube/config")
	missing := filepath.Join(dir, "missing.conf")
	work, home, none := filepath.Join(dir, "work"), filepath.Join(dir, "home"), filepath.Join(dir, "none")

	tests := []struct {
		name                     string
		flag, env, workDir, home string
		want                     string
	}{
		{"--kubeconfig wins", explicit, envFile, work, home, explicit},
		{"--kubeconfig, even missing: Load says so", missing, envFile, work, home, missing},
		{"then the first file of $KUBECONFIG that exists", "", missing + string(filepath.ListSeparator) + envFile, work, home, envFile},
		{"a $KUBECONFIG of missing files means none, as in kubectl", "", missing, work, home, ""},
		{"then make up's .kubelab/admin.conf", "", "", work, home, adminConf},
		{"then ~/.kube/config", "", "", none, home, homeConf},
		{"else none", "", "", none, none, ""},
		{"nowhere to look", "", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := findKubeconfig(tt.flag, tt.env, tt.workDir, tt.home); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestClientConfig: the context in use, with the flags written over it,
// is what the REST client is built from.
func TestClientConfig(t *testing.T) {
	pki := newTestPKI(t)
	dir := t.TempDir()
	caFile := writeFile(t, dir, "ca.pem", string(pki.caPEM))
	certFile := writeFile(t, dir, "admin.pem", string(pki.clientCert))
	keyFile := writeFile(t, dir, "admin-key.pem", string(pki.clientKey))
	writeFile(t, dir, "token", "from-the-file\n")
	kc := &kubeconfig.Config{
		Kind: "Config", APIVersion: "v1",
		Clusters: []kubeconfig.NamedCluster{
			{Name: "kubelab", Cluster: kubeconfig.Cluster{Server: "https://127.0.0.1:6443", CertificateAuthorityData: pki.caPEM}},
			{Name: "bare", Cluster: kubeconfig.Cluster{Server: "https://192.0.2.1:6443"}},
		},
		Users: []kubeconfig.NamedUser{
			{Name: "admin", User: kubeconfig.AuthInfo{ClientCertificateData: pki.clientCert, ClientKeyData: pki.clientKey}},
			{Name: "dev", User: kubeconfig.AuthInfo{Token: "s3cret"}},
			{Name: "robot", User: kubeconfig.AuthInfo{TokenFile: "token"}}, // relative to the file
		},
		Contexts: []kubeconfig.NamedContext{
			{Name: "admin", Context: kubeconfig.Context{Cluster: "kubelab", User: "admin"}},
			{Name: "dev", Context: kubeconfig.Context{Cluster: "kubelab", User: "dev", Namespace: "lab"}},
			{Name: "robot", Context: kubeconfig.Context{Cluster: "kubelab", User: "robot"}},
			{Name: "nobody", Context: kubeconfig.Context{Cluster: "bare"}},
			{Name: "broken", Context: kubeconfig.Context{Cluster: "gone"}},
		},
		CurrentContext: "admin",
	}
	path := filepath.Join(dir, "admin.conf")
	if err := kc.Write(path); err != nil {
		t.Fatal(err)
	}

	type want struct {
		server, token, tokenFile string
		ca, cert, insecure       bool // TLS trusts a CA, presents a certificate, checks nothing
		namespace                string
	}
	tests := []struct {
		name    string
		env     string // $KUBECONFIG
		flags   connFlags
		want    want
		wantErr string
	}{
		{name: "the current context", flags: connFlags{kubeconfig: path},
			want: want{server: "https://127.0.0.1:6443", ca: true, cert: true}},
		{name: "found through $KUBECONFIG", env: path,
			want: want{server: "https://127.0.0.1:6443", ca: true, cert: true}},
		{name: "--context, with its namespace", flags: connFlags{kubeconfig: path, context: "dev"},
			want: want{server: "https://127.0.0.1:6443", token: "s3cret", ca: true, namespace: "lab"}},
		{name: "a token file is relative to the kubeconfig", flags: connFlags{kubeconfig: path, context: "robot"},
			want: want{server: "https://127.0.0.1:6443", tokenFile: filepath.Join(dir, "token"), ca: true}},
		{name: "--token replaces the token file", flags: connFlags{kubeconfig: path, context: "robot", token: "flag"},
			want: want{server: "https://127.0.0.1:6443", token: "flag", ca: true}},
		{name: "--server keeps the user", flags: connFlags{kubeconfig: path, server: "https://10.0.0.1:6443"},
			want: want{server: "https://10.0.0.1:6443", ca: true, cert: true}},
		{name: "an http --server needs no TLS", flags: connFlags{kubeconfig: path, context: "dev", server: "http://127.0.0.1:8080"},
			want: want{server: "http://127.0.0.1:8080", token: "s3cret", namespace: "lab"}},
		{name: "the flags give a context without a user its credentials",
			flags: connFlags{kubeconfig: path, context: "nobody", caFile: caFile, certFile: certFile, keyFile: keyFile},
			want:  want{server: "https://192.0.2.1:6443", ca: true, cert: true}},
		{name: "--insecure-skip-tls-verify", flags: connFlags{kubeconfig: path, context: "nobody", insecure: true},
			want: want{server: "https://192.0.2.1:6443", insecure: true}},
		{name: "--server alone, without a kubeconfig", flags: connFlags{server: "http://127.0.0.1:8080"},
			want: want{server: "http://127.0.0.1:8080"}},
		{name: "--server and --token, without a kubeconfig", flags: connFlags{server: "https://127.0.0.1:6443", token: "t", caFile: caFile},
			want: want{server: "https://127.0.0.1:6443", token: "t", ca: true}},
		{name: "nothing at all",
			wantErr: "no kubeconfig: make up writes .kubelab/admin.conf; or give --kubeconfig or --server"},
		{name: "a $KUBECONFIG of missing files", env: filepath.Join(dir, "missing"),
			wantErr: "no kubeconfig: none of $KUBECONFIG (" + filepath.Join(dir, "missing") + ") exists"},
		{name: "a missing --kubeconfig", flags: connFlags{kubeconfig: filepath.Join(dir, "missing")},
			wantErr: "reading the kubeconfig: open " + filepath.Join(dir, "missing")},
		{name: "an unknown context", flags: connFlags{kubeconfig: path, context: "nope"},
			wantErr: path + `: context "nope" is not in the kubeconfig`},
		{name: "a context of a missing cluster", flags: connFlags{kubeconfig: path, context: "broken"},
			wantErr: path + `: context "broken": cluster "gone" is not in the kubeconfig`},
		{name: "a certificate without its key", flags: connFlags{kubeconfig: path, context: "nobody", certFile: certFile},
			wantErr: "client-certificate is given without its client-key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &globals{conn: tt.flags, getenv: func(key string) string {
				if key == "KUBECONFIG" {
					return tt.env
				}
				return ""
			}}
			cfg, err := g.clientConfig()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := want{server: cfg.Server, token: cfg.BearerToken, tokenFile: cfg.BearerTokenFile, namespace: g.contextNamespace()}
			if cfg.TLS != nil {
				got.ca, got.cert, got.insecure = cfg.TLS.RootCAs != nil, len(cfg.TLS.Certificates) == 1, cfg.TLS.InsecureSkipVerify
			}
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestKubeconfigGoesWithTheRequests: with no flag but --kubeconfig, the
// requests carry the user's token and go to the context's namespace;
// -n still wins.
func TestKubeconfigGoesWithTheRequests(t *testing.T) {
	fake, server := newFakeAPI(t)
	path := filepath.Join(t.TempDir(), "config")
	kc := kubeconfig.New("kubelab", server, nil, "dev", kubeconfig.AuthInfo{Token: "s3cret"})
	kc.Contexts[0].Context.Namespace = "lab"
	if err := kc.Write(path); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		path  string
		token string
	}{
		{"the context's namespace", []string{"get", "pods"}, "/api/v1/namespaces/lab/pods", "Bearer s3cret"},
		{"-n wins", []string{"get", "pods", "-n", "other"}, "/api/v1/namespaces/other/pods", "Bearer s3cret"},
		{"--token wins", []string{"get", "pods", "--token", "flag"}, "/api/v1/namespaces/lab/pods", "Bearer flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := kctlEnv(t, path, "", tc.args...)
			got := fake.last(http.MethodGet)
			if code != 0 || got.path != tc.path || got.authorization != tc.token {
				t.Errorf("exit %d, stderr %q, request %s with %q; want %s with %q", code, errOut, got.path, got.authorization, tc.path, tc.token)
			}
		})
	}
	_, errOut, code := kctlEnv(t, "", "", "get", "pods")
	if code != 1 || errOut != "error: no kubeconfig: make up writes .kubelab/admin.conf; or give --kubeconfig or --server\n" {
		t.Errorf("no kubeconfig: exit %d, stderr %q", code, errOut)
	}
}
