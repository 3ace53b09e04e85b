package kctl

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

func newCreateCommand(g *globals) *cobra.Command {
	var files fileOptions
	var dryRun string
	cmd := &cobra.Command{
		Use:   "create -f FILENAME | create KIND NAME [flags]",
		Short: "Create objects from manifests; an existing object is an error",
		Example: "  kctl create -f examples/pod.yaml\n  kctl create namespace custom-namespace\n" +
			"  kctl create role pod-reader --verb=get,list --resource=pods\n" +
			"  kctl create rolebinding read-pods --role=pod-reader --serviceaccount=default:builder\n" +
			"  kctl create token --bootstrap   # a token, and the kubelet line that joins a node with it",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fn := createOne
			if dryRun == dryRunClient {
				fn = func(context.Context, *client.Client, manifest, func(string)) (string, error) {
					return actionCreated, nil
				}
			}
			return runPerObject(cmd.Context(), g, files, "create", dryRun, fn)
		},
	}
	files.addFlags(cmd, "create")
	addDryRunFlag(cmd, &dryRun) // dryrun.go
	cmd.AddCommand(newCreateNamespaceCommand(g), newCreateServiceAccountCommand(g),
		newCreateRoleCommand(g), newCreateClusterRoleCommand(g),
		newCreateRoleBindingCommand(g), newCreateClusterRoleBindingCommand(g),
		newCreateTokenCommand(g), // create_token.go
		newCreateDeploymentCommand(g), newCreateJobCommand(g),
		newCreateCronJobCommand(g), // create_workloads.go
		newCreateConfigMapCommand(g),
		newCreateSecretCommand(g)) // create_config.go, create_secret.go
	return cmd
}

// createOne posts one object. Unlike apply it records no last-applied
// annotation, so a later apply warns and patches it in, as kubectl's does.
func createOne(ctx context.Context, c *client.Client, m manifest, _ func(string)) (string, error) {
	meta := m.obj.GetObjectMeta()
	created, err := c.Resource(m.res).Namespace(meta.Namespace).Create(ctx, m.obj)
	if err != nil {
		return "", err
	}
	meta.Name = created.GetObjectMeta().Name // the server's, for generateName
	return actionCreated, nil
}

// newCreateNamespaceCommand is `kctl create namespace NAME`, one of
// kubectl's generators: it builds the object instead of reading it. The
// other generators are serviceaccount below and the RBAC ones in
// create_rbac.go.
func newCreateNamespaceCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "namespace NAME",
		Aliases: []string{"ns"},
		Short:   "Create a namespace with the given name",
		Example: "  kctl create namespace custom-namespace",
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := nameArg(args)
			if err != nil {
				return err
			}
			ns := &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: name}}
			return g.createGenerated(cmd, "namespaces", ns, name)
		},
	}
}

// newCreateServiceAccountCommand is `kctl create serviceaccount NAME`.
func newCreateServiceAccountCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "serviceaccount NAME",
		Aliases: []string{"sa"},
		Short:   "Create a service account with the specified name",
		Example: "  kctl create serviceaccount my-service-account",
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := nameArg(args)
			if err != nil {
				return err
			}
			sa := &api.ServiceAccount{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: g.generatedMeta(name)}
			return g.createGenerated(cmd, "serviceaccounts", sa, name)
		},
	}
}

// nameArg is the one NAME a generator takes.
func nameArg(args []string) (string, error) {
	if len(args) != 1 {
		return "", fmt.Errorf("exactly one NAME is required, got %d", len(args))
	}
	return args[0], nil
}

// generatedMeta is the metadata of a namespaced object a generator
// builds: the namespace is written in only when -n was given, as
// kubectl's EnforceNamespace; the request's URL carries it anyway.
func (g *globals) generatedMeta(name string) api.ObjectMeta {
	m := api.ObjectMeta{Name: name}
	if g.namespaceSet {
		m.Namespace = g.namespace
	}
	return m
}

// createGenerated posts a generator's object to the named resource, in
// the -n namespace if it is namespaced, and prints "KIND/NAME created".
func (g *globals) createGenerated(cmd *cobra.Command, resource string, obj api.Object, name string) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	res := mustLookup(resource)
	if _, err := c.Resource(res).Namespace(namespaceFor(res, g.namespace)).Create(cmd.Context(), obj); err != nil {
		return err
	}
	fmt.Fprintf(g.out, "%s %s\n", objectLabel(res, name), actionCreated)
	return nil
}
