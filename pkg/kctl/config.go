package kctl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"kubelab/pkg/client"
	"kubelab/pkg/kubeconfig"
)

// kctl finds its cluster as kubectl does: in a kubeconfig, whose context
// names a cluster (the server, and the CA that signed its certificate), a
// user (a client certificate and key, or a bearer token) and a namespace.
// `make up` writes .kubelab/admin.conf, which kctl reads when run in the
// repository, so the quick start needs no flag. kubectl's flags override
// the file field by field.

// connFlags are kubectl's flags that choose the kubeconfig and its context
// and override what they say.
type connFlags struct {
	kubeconfig string // --kubeconfig
	context    string // --context, instead of the file's current-context
	server     string // -s, --server
	token      string // --token
	caFile     string // --certificate-authority
	certFile   string // --client-certificate
	keyFile    string // --client-key
	insecure   bool   // --insecure-skip-tls-verify
}

func (f *connFlags) addFlags(cmd *cobra.Command) {
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.kubeconfig, "kubeconfig", "", "the kubeconfig file to use (default: $KUBECONFIG, .kubelab/admin.conf, ~/.kube/config)")
	pf.StringVar(&f.context, "context", "", "the kubeconfig context to use (default: its current-context)")
	pf.StringVarP(&f.server, "server", "s", "", "the address of the apiserver, e.g. https://127.0.0.1:6443")
	pf.StringVar(&f.token, "token", "", "bearer token to authenticate with")
	pf.StringVar(&f.caFile, "certificate-authority", "", "file of the CA certificate that signed the apiserver's")
	pf.StringVar(&f.certFile, "client-certificate", "", "file of the client certificate to authenticate with")
	pf.StringVar(&f.keyFile, "client-key", "", "file of the client certificate's key")
	pf.BoolVar(&f.insecure, "insecure-skip-tls-verify", false, "do not check the apiserver's certificate: the connection is then open to impostors")
}

// findKubeconfig says which kubeconfig to read: the --kubeconfig flag,
// else $KUBECONFIG, else .kubelab/admin.conf in workDir (what make up
// writes), else ~/.kube/config in home. It returns "" when none exists.
// The flag is returned even when the file is missing, for Load to report.
// A $KUBECONFIG whose files are all missing means none, as in kubectl:
// the defaults are not asked then.
func findKubeconfig(flag, env, workDir, home string) string {
	if flag != "" {
		return flag
	}
	var candidates []string
	switch {
	case env != "":
		// kubectl merges every file of the list. kubelab's files hold
		// one cluster each, so the first that exists is enough.
		candidates = filepath.SplitList(env)
	default:
		if workDir != "" {
			candidates = append(candidates, filepath.Join(workDir, ".kubelab", "admin.conf"))
		}
		if home != "" {
			candidates = append(candidates, filepath.Join(home, ".kube", "config"))
		}
	}
	for _, path := range candidates {
		if _, err := os.Stat(path); path != "" && !errors.Is(err, fs.ErrNotExist) {
			return path // an unreadable file is Load's to report
		}
	}
	return ""
}

// kubeconfig reads the kubeconfig kctl uses. It returns nil and "" when
// there is none, which is an error only for those who need one.
func (g *globals) kubeconfig() (*kubeconfig.Config, string, error) {
	path := findKubeconfig(g.conn.kubeconfig, g.getenv("KUBECONFIG"), g.workDir, g.home)
	if path == "" {
		return nil, "", nil
	}
	kc, err := kubeconfig.Load(path)
	return kc, path, err
}

// mustKubeconfig is kubeconfig for the commands that read or edit the
// file itself: no file is an error.
func (g *globals) mustKubeconfig() (*kubeconfig.Config, string, error) {
	kc, path, err := g.kubeconfig()
	if err == nil && kc == nil {
		err = g.noKubeconfig("--kubeconfig")
	}
	return kc, path, err
}

// noKubeconfig says that no kubeconfig was found and what to do about it.
func (g *globals) noKubeconfig(flags string) error {
	if env := g.getenv("KUBECONFIG"); env != "" {
		return fmt.Errorf("no kubeconfig: none of $KUBECONFIG (%s) exists; unset it to use the .kubelab/admin.conf make up writes, or give %s", env, flags)
	}
	return fmt.Errorf("no kubeconfig: make up writes .kubelab/admin.conf; or give %s", flags)
}

// clientConfig is what the REST client needs from the context in use: the
// server, the TLS configuration and the token, flags written over the file.
// --server alone, without a file, is enough for a plain-http apiserver.
func (g *globals) clientConfig() (client.Config, error) {
	kc, path, err := g.kubeconfig()
	if err != nil {
		return client.Config{}, err
	}
	inFile := func(err error) error { return fmt.Errorf("%s: %w", path, err) }
	if kc == nil {
		if g.conn.server == "" {
			return client.Config{}, g.noKubeconfig("--kubeconfig or --server")
		}
		kc = &kubeconfig.Config{
			Clusters:       []kubeconfig.NamedCluster{{Name: "kctl"}},
			Contexts:       []kubeconfig.NamedContext{{Name: "kctl", Context: kubeconfig.Context{Cluster: "kctl"}}},
			CurrentContext: "kctl",
		}
		inFile = func(err error) error { return fmt.Errorf("no kubeconfig, only --server: %w", err) }
	}
	m, err := minify(kc, g.conn.context)
	if err != nil {
		return client.Config{}, inFile(err)
	}
	g.conn.applyTo(m)
	r, err := m.Resolve("")
	if err != nil {
		return client.Config{}, inFile(err)
	}
	return client.Config{Server: r.Server, TLS: r.TLS, BearerToken: r.Token, BearerTokenFile: r.TokenFile}, nil
}

// contextNamespace is the namespace of the context in use; "" when it
// names none, or when there is no kubeconfig (its error comes from
// clientConfig, when a command needs the server).
func (g *globals) contextNamespace() string {
	kc, _, err := g.kubeconfig()
	if err != nil || kc == nil {
		return ""
	}
	m, err := minify(kc, g.conn.context)
	if err != nil {
		return ""
	}
	return m.Contexts[0].Context.Namespace
}

// minify returns a copy of kc holding only the named context ("" for the
// current one), its cluster and its user, as `kubectl config view
// --minify` shows it. The entries are copies: changing them leaves kc as
// it was. The copy keeps kc's directory, which paths in it are relative to.
func minify(kc *kubeconfig.Config, name string) (*kubeconfig.Config, error) {
	if name == "" {
		name = kc.CurrentContext
	}
	if name == "" {
		return nil, errors.New("the kubeconfig has no current-context; name one with --context")
	}
	m := *kc
	m.CurrentContext = name
	m.Contexts, m.Clusters, m.Users = nil, nil, nil
	for _, c := range kc.Contexts {
		if c.Name == name {
			m.Contexts = []kubeconfig.NamedContext{c}
			break
		}
	}
	if m.Contexts == nil {
		return nil, fmt.Errorf("context %q is not in the kubeconfig", name)
	}
	ctx := m.Contexts[0].Context
	for _, c := range kc.Clusters {
		if c.Name == ctx.Cluster {
			m.Clusters = []kubeconfig.NamedCluster{c}
			break
		}
	}
	if m.Clusters == nil {
		return nil, fmt.Errorf("context %q: cluster %q is not in the kubeconfig", name, ctx.Cluster)
	}
	if ctx.User == "" {
		return &m, nil
	}
	for _, u := range kc.Users {
		if u.Name == ctx.User {
			m.Users = []kubeconfig.NamedUser{u}
			break
		}
	}
	if m.Users == nil {
		return nil, fmt.Errorf("context %q: user %q is not in the kubeconfig", name, ctx.User)
	}
	return &m, nil
}

// applyTo writes the flags over the one context of m, a minified
// kubeconfig. A file named by a flag replaces the file's data as well,
// as in kubectl.
func (f connFlags) applyTo(m *kubeconfig.Config) {
	cl := &m.Clusters[0].Cluster
	if f.server != "" {
		cl.Server = f.server
	}
	if f.caFile != "" {
		cl.CertificateAuthority, cl.CertificateAuthorityData = absPath(f.caFile), nil
	}
	if f.insecure {
		cl.InsecureSkipTLSVerify = true
	}
	if f.token == "" && f.certFile == "" && f.keyFile == "" {
		return
	}
	if len(m.Users) == 0 { // a context without a user: the flags make one
		m.Users = []kubeconfig.NamedUser{{Name: "kctl-flags"}}
		m.Contexts[0].Context.User = m.Users[0].Name
	}
	u := &m.Users[0].User
	if f.token != "" {
		u.Token, u.TokenFile = f.token, ""
	}
	if f.certFile != "" {
		u.ClientCertificate, u.ClientCertificateData = absPath(f.certFile), nil
	}
	if f.keyFile != "" {
		u.ClientKey, u.ClientKeyData = absPath(f.keyFile), nil
	}
}

// absPath makes a path from the command line absolute: relative paths in
// a kubeconfig are relative to its directory, those on the command line to
// the working directory.
func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
