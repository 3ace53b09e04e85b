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
	cmd := &cobra.Command{
		Use:     "create -f FILENAME | create namespace NAME",
		Short:   "Create objects from manifests; an existing object is an error",
		Example: "  kctl create -f examples/pod.yaml\n  kctl create namespace custom-namespace",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPerObject(cmd.Context(), g, files, "create", createOne)
		},
	}
	files.addFlags(cmd, "create")
	cmd.AddCommand(newCreateNamespaceCommand(g))
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
// kubectl's generators: it builds the object instead of reading it.
func newCreateNamespaceCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "namespace NAME",
		Aliases: []string{"ns"},
		Short:   "Create a namespace with the given name",
		Example: "  kctl create namespace custom-namespace",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("exactly one NAME is required, got %d", len(args))
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			res := mustLookup("namespaces")
			ns := &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: args[0]}}
			if _, err := c.Resource(res).Create(cmd.Context(), ns); err != nil {
				return err
			}
			fmt.Fprintf(g.out, "%s %s\n", objectLabel(res, args[0]), actionCreated)
			return nil
		},
	}
}
