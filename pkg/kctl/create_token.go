package kctl

// kctl create token does two things, as kubectl and kubeadm do:
//
//   - `create token SERVICEACCOUNT` asks the apiserver for a token of a
//     ServiceAccount (POST serviceaccounts/NAME/token, a TokenRequest) and
//     prints it: short-lived, for an audience, perhaps bound to a Pod.
//     Flags and errors follow kubectl's create_token.go.
//   - `create token --bootstrap` makes a bootstrap token, the Secret that
//     holds it in kube-system, and prints the kubelet command line that
//     joins a new machine with it, as `kubeadm token create
//     --print-join-command` does. The line carries the hash of the
//     cluster CA, which the new node checks the CA it is handed against
//     before it sends the token anywhere.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
	"kubelab/pkg/client"
	"kubelab/pkg/pki"
)

// tokenFlags are the flags of create token.
type tokenFlags struct {
	duration                       time.Duration
	audiences                      []string
	boundKind, boundName, boundUID string

	bootstrap   bool
	ttl         time.Duration
	description string
}

func newCreateTokenCommand(g *globals) *cobra.Command {
	var f tokenFlags
	cmd := &cobra.Command{
		Use:   "token SERVICEACCOUNT | --bootstrap",
		Short: "Request a service account token, or make a bootstrap token that joins a node",
		Example: "  kctl create token builder --duration 10m\n" +
			"  kctl create token builder --audience https://example.com --bound-object-kind Pod --bound-object-name kubia\n" +
			"  kctl create token --bootstrap --ttl 2h --description \"worker w1\"   # prints the kubelet line that joins a node",
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.bootstrap {
				return g.createBootstrapToken(cmd, f, args)
			}
			return g.createServiceAccountToken(cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&f.duration, "duration", 0, "requested lifetime of the token; the server may give another (default: the server's, an hour)")
	fl.StringArrayVar(&f.audiences, "audience", nil, "audience of the token (default: the apiserver); repeat for several")
	fl.StringVar(&f.boundKind, "bound-object-kind", "", "kind of an object to bind the token to: Pod. The token is refused once it is gone")
	fl.StringVar(&f.boundName, "bound-object-name", "", "name of the object to bind the token to; requires --bound-object-kind")
	fl.StringVar(&f.boundUID, "bound-object-uid", "", "UID of the object to bind the token to (default: the existing object's)")
	fl.BoolVar(&f.bootstrap, "bootstrap", false, "make a bootstrap token for joining a node, and print the kubelet command line that joins with it")
	fl.DurationVar(&f.ttl, "ttl", 24*time.Hour, "with --bootstrap: how long the token is valid; 0 never expires")
	fl.StringVar(&f.description, "description", "", "with --bootstrap: what the token is for, for people")
	return cmd
}

// createServiceAccountToken posts a TokenRequest and prints the token.
func (g *globals) createServiceAccountToken(cmd *cobra.Command, f tokenFlags, args []string) error {
	name, err := nameArg(args)
	if err != nil {
		return err
	}
	if cmd.Flags().Changed("ttl") || f.description != "" {
		return errors.New("--ttl and --description go with --bootstrap")
	}
	req, err := f.tokenRequest()
	if err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	var out api.TokenRequest
	if err := c.Resource(mustLookup("serviceaccounts")).Namespace(g.namespace).Subresource(cmd.Context(), "POST", name, "token", req, &out); err != nil {
		return err
	}
	fmt.Fprintln(g.out, out.Status.Token)
	return nil
}

// tokenRequest checks the flags as kubectl does and builds the request.
// kubectl also binds to a Secret or a Node; kubelab's apiserver binds to
// Pods only.
func (f tokenFlags) tokenRequest() (*api.TokenRequest, error) {
	if f.duration < 0 {
		return nil, errors.New("--duration must be greater than or equal to 0")
	}
	if f.duration%time.Second != 0 {
		return nil, errors.New("--duration cannot be expressed in units less than seconds")
	}
	for _, a := range f.audiences {
		if a == "" {
			return nil, errors.New("--audience must not be an empty string")
		}
	}
	req := &api.TokenRequest{TypeMeta: api.TypeMeta{APIVersion: api.AuthenticationGroup + "/v1", Kind: "TokenRequest"},
		Spec: api.TokenRequestSpec{Audiences: f.audiences}}
	if f.duration > 0 {
		req.Spec.ExpirationSeconds = api.Int64(int64(f.duration / time.Second))
	}
	switch {
	case f.boundKind == "" && f.boundName != "":
		return nil, errors.New("--bound-object-name can only be set if --bound-object-kind is provided")
	case f.boundKind == "" && f.boundUID != "":
		return nil, errors.New("--bound-object-uid can only be set if --bound-object-kind is provided")
	case f.boundKind == "":
	case f.boundKind != "Pod":
		return nil, errors.New("supported --bound-object-kind values are Pod")
	case f.boundName == "":
		return nil, errors.New("--bound-object-name is required if --bound-object-kind is provided")
	default:
		req.Spec.BoundObjectRef = &api.BoundObjectReference{Kind: f.boundKind, APIVersion: "v1", Name: f.boundName, UID: f.boundUID}
	}
	return req, nil
}

// createBootstrapToken makes a bootstrap token's Secret and prints how a
// node joins with it.
func (g *globals) createBootstrapToken(cmd *cobra.Command, f tokenFlags, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("--bootstrap takes no SERVICEACCOUNT, got %q", args[0])
	}
	for _, name := range []string{"duration", "audience", "bound-object-kind", "bound-object-name", "bound-object-uid"} {
		if cmd.Flags().Changed(name) {
			return fmt.Errorf("--%s is for a service account's token, not with --bootstrap", name)
		}
	}
	if f.ttl < 0 {
		return errors.New("--ttl must be greater than or equal to 0")
	}
	server, hash, err := g.joinTarget()
	if err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	id, secret, err := auth.NewBootstrapToken()
	if err != nil {
		return err
	}
	s := auth.BootstrapTokenSecret(id, secret, f.ttl, []string{auth.DefaultBootstrapTokenGroup}, f.description)
	if _, err := c.Resource(mustLookup("secrets")).Namespace(api.NamespaceSystem).Create(cmd.Context(), s); err != nil {
		return err
	}
	token := id + "." + secret
	expires := "never"
	if f.ttl > 0 {
		expires = fmt.Sprintf("%s (in %s)", g.now().Add(f.ttl).UTC().Format(time.RFC3339), f.ttl)
	}
	fmt.Fprintf(g.out, "token:         %s\nca-cert-hash:  %s\nexpires:       %s\n\n", token, hash, expires)
	fmt.Fprintf(g.out, "To join a machine as node NAME, run there (as root, with Docker):\n\n")
	fmt.Fprintf(g.out, "  kubelet --server %s --bootstrap-token %s --ca-cert-hash %s --node-name NAME --runtime docker --address 0.0.0.0%s\n",
		server, token, hash, clusterDNSFlag(cmd.Context(), c))
	if isLoopback(server) {
		fmt.Fprintf(g.errOut, "Warning: %s is a loopback address, which another machine cannot reach: "+
			"use an address of the control plane that the machine reaches and the apiserver's certificate names\n", server)
	}
	return nil
}

// clusterDNSFlag is " --cluster-dns IP" when the cluster runs the DNS
// add-on (addons/dns.yaml), whose Service make up's kubelets are given.
func clusterDNSFlag(ctx context.Context, c *client.Client) string {
	obj, err := c.Resource(mustLookup("services")).Namespace(api.NamespaceSystem).Get(ctx, "kube-dns")
	if err != nil {
		return ""
	}
	if ip := obj.(*api.Service).Spec.ClusterIP; ip != "" && ip != "None" {
		return " --cluster-dns " + ip
	}
	return ""
}

// joinTarget is the server of the context in use and the hash of its
// cluster CA, which a joining node checks the CA it is handed against.
func (g *globals) joinTarget() (server, hash string, err error) {
	kc, path, err := g.mustKubeconfig()
	if err != nil {
		return "", "", err
	}
	m, err := minify(kc, g.conn.context)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", path, err)
	}
	g.conn.applyTo(m)
	cl := m.Clusters[0].Cluster
	caPEM := cl.CertificateAuthorityData
	if len(caPEM) == 0 && cl.CertificateAuthority != "" {
		file := cl.CertificateAuthority
		if !filepath.IsAbs(file) { // relative to the kubeconfig, as in kubectl
			file = filepath.Join(filepath.Dir(path), file)
		}
		if caPEM, err = os.ReadFile(file); err != nil {
			return "", "", fmt.Errorf("the cluster CA: %w", err)
		}
	}
	if len(caPEM) == 0 {
		return "", "", fmt.Errorf("%s: the cluster %q names no CA, and a joining node needs the hash of one", path, m.Clusters[0].Name)
	}
	ca, err := pki.ParseCert(caPEM)
	if err != nil {
		return "", "", fmt.Errorf("%s: the cluster CA: %w", path, err)
	}
	return cl.Server, pki.CACertHash(ca), nil
}

// isLoopback reports whether server's host is a loopback address.
func isLoopback(server string) bool {
	u, err := url.Parse(server)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}
