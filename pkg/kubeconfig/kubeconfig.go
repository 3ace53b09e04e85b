// Package kubeconfig reads and writes kubeconfig files, the format
// kubectl and client-go use: clusters (where the apiserver is and which CA
// to trust), users (a client certificate or a token), and contexts that
// pair them. kubelab's components, kctl and the real kubectl all read the
// files `make up` writes under .kubelab/.
package kubeconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// Config is a kubeconfig, clientcmd's v1 Config with the fields kubelab
// uses. []byte fields are base64 in the file (the *-data keys).
type Config struct {
	Kind           string         `json:"kind"`
	APIVersion     string         `json:"apiVersion"`
	Preferences    struct{}       `json:"preferences"`
	Clusters       []NamedCluster `json:"clusters"`
	Users          []NamedUser    `json:"users"`
	Contexts       []NamedContext `json:"contexts"`
	CurrentContext string         `json:"current-context"`

	dir string // the file's directory: relative paths in it are relative to it
}

// NamedCluster is one apiserver.
type NamedCluster struct {
	Name    string  `json:"name"`
	Cluster Cluster `json:"cluster"`
}

// Cluster says where an apiserver is and how to check its certificate.
type Cluster struct {
	Server                   string `json:"server"`
	CertificateAuthority     string `json:"certificate-authority,omitempty"`
	CertificateAuthorityData []byte `json:"certificate-authority-data,omitempty"`
	InsecureSkipTLSVerify    bool   `json:"insecure-skip-tls-verify,omitempty"`
	TLSServerName            string `json:"tls-server-name,omitempty"`
}

// NamedUser is one set of credentials.
type NamedUser struct {
	Name string   `json:"name"`
	User AuthInfo `json:"user"`
}

// AuthInfo is a client certificate and key, or a bearer token.
type AuthInfo struct {
	ClientCertificate     string `json:"client-certificate,omitempty"`
	ClientCertificateData []byte `json:"client-certificate-data,omitempty"`
	ClientKey             string `json:"client-key,omitempty"`
	ClientKeyData         []byte `json:"client-key-data,omitempty"`
	Token                 string `json:"token,omitempty"`
	TokenFile             string `json:"tokenFile,omitempty"`
}

// NamedContext pairs a cluster with a user.
type NamedContext struct {
	Name    string  `json:"name"`
	Context Context `json:"context"`
}

// Context is a cluster, a user, and the namespace to work in.
type Context struct {
	Cluster   string `json:"cluster"`
	User      string `json:"user"`
	Namespace string `json:"namespace,omitempty"`
}

// New returns a kubeconfig with one cluster, one user and one context
// pairing them, which is current: what kubeadm writes for each component.
func New(clusterName, server string, caPEM []byte, userName string, user AuthInfo) *Config {
	ctx := userName + "@" + clusterName
	return &Config{
		Kind: "Config", APIVersion: "v1",
		Clusters:       []NamedCluster{{Name: clusterName, Cluster: Cluster{Server: server, CertificateAuthorityData: caPEM}}},
		Users:          []NamedUser{{Name: userName, User: user}},
		Contexts:       []NamedContext{{Name: ctx, Context: Context{Cluster: clusterName, User: userName}}},
		CurrentContext: ctx,
	}
}

// Load reads a kubeconfig file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the kubeconfig: %w", err)
	}
	var c Config
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("the kubeconfig %s is not valid: %v", path, err)
	}
	c.dir = filepath.Dir(path)
	return &c, nil
}

// Marshal is c as the YAML Write saves.
func (c *Config) Marshal() ([]byte, error) { return yaml.Marshal(c) }

// Write saves c to path, readable by its owner only: it holds a key or a
// token. It writes a temporary file and renames it, so that a reader
// never sees half a file.
func (c *Config) Write(path string) error {
	data, err := c.Marshal()
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing the kubeconfig: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing the kubeconfig: %w", err)
	}
	return nil
}

// Resolved is what a client needs from a kubeconfig's context: the
// server, a TLS configuration trusting the cluster's CA and presenting the
// user's certificate, and the user's token if it has one.
type Resolved struct {
	Context   string
	Cluster   string
	User      string
	Server    string
	Namespace string
	TLS       *tls.Config // nil for an http:// server
	// CAData is the PEM of the CA the cluster's certificate is checked
	// against (certificate-authority-data, or the certificate-authority
	// file's); nil for an http:// server, or one the system's roots vouch
	// for. The controller manager publishes it in every namespace.
	CAData    []byte
	Token     string
	TokenFile string
}

// Resolve picks the named context, or the current one when name is "",
// and loads the files and data it refers to.
func (c *Config) Resolve(name string) (*Resolved, error) {
	if name == "" {
		name = c.CurrentContext
	}
	if name == "" {
		return nil, errors.New("the kubeconfig has no current-context; name one with --context")
	}
	var ctx *Context
	for i := range c.Contexts {
		if c.Contexts[i].Name == name {
			ctx = &c.Contexts[i].Context
		}
	}
	if ctx == nil {
		return nil, fmt.Errorf("context %q is not in the kubeconfig", name)
	}
	var cl *Cluster
	for i := range c.Clusters {
		if c.Clusters[i].Name == ctx.Cluster {
			cl = &c.Clusters[i].Cluster
		}
	}
	if cl == nil {
		return nil, fmt.Errorf("context %q: cluster %q is not in the kubeconfig", name, ctx.Cluster)
	}
	var user AuthInfo
	if ctx.User != "" {
		found := false
		for i := range c.Users {
			if c.Users[i].Name == ctx.User {
				user, found = c.Users[i].User, true
			}
		}
		if !found {
			return nil, fmt.Errorf("context %q: user %q is not in the kubeconfig", name, ctx.User)
		}
	}
	r := &Resolved{Context: name, Cluster: ctx.Cluster, User: ctx.User, Server: cl.Server, Namespace: ctx.Namespace,
		Token: user.Token, TokenFile: c.path(user.TokenFile)}
	if !strings.HasPrefix(cl.Server, "https://") {
		return r, nil
	}
	ca, err := orFile(cl.CertificateAuthorityData, c.path(cl.CertificateAuthority), "certificate-authority")
	if err != nil {
		return nil, fmt.Errorf("context %q: %w", name, err)
	}
	tc, err := TLSConfig(TLSFiles{
		CAData: ca, Cert: c.path(user.ClientCertificate), CertData: user.ClientCertificateData,
		Key: c.path(user.ClientKey), KeyData: user.ClientKeyData,
		Insecure: cl.InsecureSkipTLSVerify, ServerName: cl.TLSServerName,
	})
	if err != nil {
		return nil, fmt.Errorf("context %q: %w", name, err)
	}
	r.TLS, r.CAData = tc, ca
	return r, nil
}

// path makes a path in the file relative to the file's directory.
func (c *Config) path(p string) string {
	if p == "" || filepath.IsAbs(p) || c.dir == "" {
		return p
	}
	return filepath.Join(c.dir, p)
}

// TLSFiles name a CA to trust and a client certificate to present, as
// files or as PEM data (data wins).
type TLSFiles struct {
	CA, Cert, Key             string
	CAData, CertData, KeyData []byte
	Insecure                  bool // do not check the server's certificate (kubectl's --insecure-skip-tls-verify)
	ServerName                string
}

// TLSConfig builds a client TLS configuration. Without a CA the system's
// roots are trusted; a certificate needs its key.
func TLSConfig(f TLSFiles) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: f.Insecure, ServerName: f.ServerName}
	ca, err := orFile(f.CAData, f.CA, "certificate-authority")
	if err != nil {
		return nil, err
	}
	if ca != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, errors.New("certificate-authority: no PEM certificate in it")
		}
		tc.RootCAs = pool
	}
	cert, err := orFile(f.CertData, f.Cert, "client-certificate")
	if err != nil {
		return nil, err
	}
	key, err := orFile(f.KeyData, f.Key, "client-key")
	if err != nil {
		return nil, err
	}
	switch {
	case cert != nil && key != nil:
		pair, err := tls.X509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("client certificate and key: %v", err)
		}
		tc.Certificates = []tls.Certificate{pair}
	case cert != nil:
		return nil, errors.New("client-certificate is given without its client-key")
	case key != nil:
		return nil, errors.New("client-key is given without its client-certificate")
	}
	return tc, nil
}

func orFile(data []byte, path, what string) ([]byte, error) {
	if len(data) > 0 {
		return data, nil
	}
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return b, nil
}
