package kctl

import (
	"context"

	"github.com/spf13/cobra"

	"kubelab/pkg/client"
)

func newCreateCommand(g *globals) *cobra.Command {
	var files fileOptions
	cmd := &cobra.Command{
		Use:     "create -f FILENAME",
		Short:   "Create objects from manifests; an existing object is an error",
		Example: "  kctl create -f examples/pod.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPerObject(cmd.Context(), g, files, "create", createOne)
		},
	}
	files.addFlags(cmd, "create")
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
