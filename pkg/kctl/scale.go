package kctl

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

func newScaleCommand(g *globals) *cobra.Command {
	var replicas int32
	var current int32
	cmd := &cobra.Command{
		Use:   "scale --replicas=COUNT (TYPE NAME | TYPE/NAME)",
		Short: "Set a new size for a deployment, replica set, replication controller, or stateful set",
		Long: "Scale writes the desired count through the scale subresource; the replicaset\n" +
			"controller then creates or deletes pods until the count is met.",
		Example: "  kctl scale rs kubia --replicas=5\n  kctl scale --replicas=0 rc/kubia",
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("replicas") {
				return fmt.Errorf("the --replicas flag is required")
			}
			if replicas < 0 {
				return fmt.Errorf("the --replicas flag must be 0 or more, got %d", replicas)
			}
			precondition := int32(-1)
			if cmd.Flags().Changed("current-replicas") {
				precondition = current
			}
			return runScale(cmd.Context(), g, args, replicas, precondition)
		},
	}
	cmd.Flags().Int32Var(&replicas, "replicas", 0, "the new desired number of replicas")
	cmd.Flags().Int32Var(&current, "current-replicas", 0, "only scale if the current desired count is this")
	return cmd
}

func runScale(ctx context.Context, g *globals, args []string, replicas, current int32) error {
	targets, err := parseTargets("scale", args)
	if err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	failed := false
	for _, t := range targets {
		if !t.res.HasSubresource("scale") {
			return fmt.Errorf("the server does not support scaling %s", t.res.Name)
		}
		if len(t.names) == 0 {
			return fmt.Errorf("resource(s) were provided, but no name was specified")
		}
		rc := c.Resource(t.res).Namespace(namespaceFor(t.res, g.namespace))
		for _, name := range t.names {
			if err := scaleOne(ctx, rc, name, replicas, current); err != nil {
				if isUnreachable(err) {
					return err
				}
				fmt.Fprintln(g.errOut, errorLine(err))
				failed = true
				continue
			}
			fmt.Fprintf(g.out, "%s scaled\n", objectLabel(t.res, name))
		}
	}
	if failed {
		return errReported
	}
	return nil
}

// scaleOne reads the scale (for the precondition and resourceVersion) and
// writes it back with the new count; a concurrent change is a conflict.
func scaleOne(ctx context.Context, rc *client.ResourceClient, name string, replicas, current int32) error {
	var sc api.Scale
	if err := rc.Subresource(ctx, "GET", name, "scale", nil, &sc); err != nil {
		return err
	}
	if current >= 0 && sc.Spec.Replicas != current {
		return fmt.Errorf("expected replicas to be %d, was %d", current, sc.Spec.Replicas)
	}
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"replicas": replicas}})
	_, err := rc.Raw(ctx, "PATCH", name, "scale", nil, patch, client.MergePatch)
	return err
}
