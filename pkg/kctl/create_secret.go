package kctl

// kubectl create secret generic|tls|docker-registry: three ways to build
// a Secret. generic takes the keys of create configmap's sources
// (create_config.go); tls takes a certificate and its key, checked to be
// a pair before they are sent; docker-registry writes the
// .dockerconfigjson a kubelet reads imagePullSecrets from.

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
)

// The types of Secret these generators make, and the keys the tls and
// docker-registry ones fill.
const (
	secretTypeTLS              = "kubernetes.io/tls"
	secretTypeDockerConfigJSON = "kubernetes.io/dockerconfigjson"
	tlsCertKey                 = "tls.crt"
	tlsPrivateKeyKey           = "tls.key"
	dockerConfigJSONKey        = ".dockerconfigjson"
)

func newCreateSecretCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secret (docker-registry | generic | tls)",
		Short: "Create a secret using a specified subcommand",
	}
	cmd.AddCommand(newCreateSecretGenericCommand(g), newCreateSecretTLSCommand(g), newCreateSecretDockerRegistryCommand(g))
	return cmd
}

func newCreateSecretGenericCommand(g *globals) *cobra.Command {
	var src dataSources
	var secretType string
	var out generatorFlags
	cmd := &cobra.Command{
		Use:   "generic NAME [--type=string] [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none]",
		Short: "Create a secret from a local file, directory, or literal value",
		Example: "  kctl create secret generic my-secret --from-literal=username=admin --from-literal=password=s3cr3t!!\n" +
			"  kctl create secret generic my-secret --from-file=ssh-privatekey=path/to/id_rsa\n" +
			"  kctl create secret generic my-secret --from-env-file=path/to/bar.env",
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := nameArg(args)
			if err != nil {
				return err
			}
			s := g.newSecret(name, secretType)
			if err := src.read(g.getenv, addToSecret(s)); err != nil {
				return err
			}
			return g.emitGenerated(cmd, out, "secrets", s, actionCreated)
		},
	}
	src.addFlags(cmd, "secret")
	cmd.Flags().StringVar(&secretType, "type", "", "The type of secret to create")
	out.addFlags(cmd)
	return cmd
}

func newCreateSecretTLSCommand(g *globals) *cobra.Command {
	var certFile, keyFile string
	var out generatorFlags
	cmd := &cobra.Command{
		Use:     "tls NAME --cert=path/to/cert/file --key=path/to/key/file [--dry-run=server|client|none]",
		Short:   "Create a TLS secret",
		Example: "  kctl create secret tls tls-secret --cert=path/to/tls.crt --key=path/to/tls.key",
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := nameArg(args)
			if err != nil {
				return err
			}
			if certFile == "" || keyFile == "" {
				return fmt.Errorf("key and cert must be specified")
			}
			cert, err := readNamedFile(certFile)
			if err != nil {
				return err
			}
			key, err := readNamedFile(keyFile)
			if err != nil {
				return err
			}
			// A key that does not belong to the certificate would only
			// show when a client first fails its handshake; refuse it now.
			if _, err := tls.X509KeyPair(cert, key); err != nil {
				return err
			}
			s := g.newSecret(name, secretTypeTLS)
			s.Data[tlsCertKey], s.Data[tlsPrivateKeyKey] = cert, key
			return g.emitGenerated(cmd, out, "secrets", s, actionCreated)
		},
	}
	cmd.Flags().StringVar(&certFile, "cert", "", "Path to PEM encoded public key certificate.")
	cmd.Flags().StringVar(&keyFile, "key", "", "Path to private key associated with given certificate.")
	out.addFlags(cmd)
	return cmd
}

func newCreateSecretDockerRegistryCommand(g *globals) *cobra.Command {
	var server, username, password, email string
	var files []string
	var out generatorFlags
	cmd := &cobra.Command{
		Use: "docker-registry NAME --docker-username=user --docker-password=password --docker-email=email " +
			"[--docker-server=string] [--from-file=[key=]source] [--dry-run=server|client|none]",
		Short: "Create a secret for use with a Docker registry",
		Example: "  kctl create secret docker-registry my-secret --docker-server=registry.local:5000 " +
			"--docker-username=ci --docker-password=s3cr3t --docker-email=ci@example.com\n" +
			"  kctl create secret docker-registry my-secret --from-file=.dockerconfigjson=path/to/.docker/config.json",
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := nameArg(args)
			if err != nil {
				return err
			}
			if len(files) == 0 && (username == "" || password == "" || server == "") {
				return fmt.Errorf("either --from-file or the combination of --docker-username, --docker-password and --docker-server is required")
			}
			s := g.newSecret(name, secretTypeDockerConfigJSON)
			if len(files) > 0 {
				if err := (dataSources{files: files}).read(g.getenv, addToSecret(s)); err != nil {
					return err
				}
			} else {
				s.Data[dockerConfigJSONKey] = dockerConfigJSON(server, username, password, email)
			}
			return g.emitGenerated(cmd, out, "secrets", s, actionCreated)
		},
	}
	cmd.Flags().StringVar(&server, "docker-server", "https://index.docker.io/v1/", "Server location for Docker registry")
	cmd.Flags().StringVar(&username, "docker-username", "", "Username for Docker registry authentication")
	cmd.Flags().StringVar(&password, "docker-password", "", "Password for Docker registry authentication")
	cmd.Flags().StringVar(&email, "docker-email", "", "Email for Docker registry")
	cmd.Flags().StringSliceVar(&files, "from-file", nil, "Key files can be specified using their file path, in which case their base name is the key, "+
		"or with a key and file path: --from-file="+dockerConfigJSONKey+"=path/to/.docker/config.json")
	out.addFlags(cmd)
	return cmd
}

// dockerConfigJSON is ~/.docker/config.json for one registry, as kubectl
// writes it: the user and password, and again as auth, base64 of
// "user:password", which is what the docker client sends.
func dockerConfigJSON(server, username, password, email string) []byte {
	type entry struct {
		Username string `json:"username,omitempty"`
		Password string `json:"password,omitempty"`
		Email    string `json:"email,omitempty"`
		Auth     string `json:"auth,omitempty"`
	}
	auth := base64.StdEncoding.EncodeToString([]byte(username + ":" + password))
	b, _ := json.Marshal(map[string]map[string]entry{"auths": {server: {username, password, email, auth}}})
	return b
}

// newSecret is an empty Secret of the given type ("" lets the apiserver
// make it Opaque).
func (g *globals) newSecret(name, secretType string) *api.Secret {
	return &api.Secret{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: g.generatedMeta(name),
		Type: secretType, Data: map[string][]byte{}}
}

// addToSecret puts each key into s.data, whatever its bytes.
func addToSecret(s *api.Secret) addFunc {
	return func(key string, value []byte, _ bool) error {
		if errs := api.IsConfigMapKey(key); len(errs) > 0 {
			return fmt.Errorf("%q is not valid key name for a Secret %s", key, strings.Join(errs, ";"))
		}
		if _, ok := s.Data[key]; ok {
			return fmt.Errorf("cannot add key %s, another key by that name already exists", key)
		}
		s.Data[key] = value
		return nil
	}
}

// readNamedFile reads a file named by a flag, saying which on failure.
func readNamedFile(name string) ([]byte, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("Cannot read file %v, %v", name, err) //nolint:staticcheck // kubectl's message
	}
	return b, nil
}
