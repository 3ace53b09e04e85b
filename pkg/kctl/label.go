package kctl

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

func newLabelCommand(g *globals) *cobra.Command {
	var overwrite bool
	cmd := &cobra.Command{
		Use:   "label (TYPE NAME | TYPE/NAME) KEY=VALUE ... KEY- ...",
		Short: "Add, change or remove labels of an object",
		Long: "Label sets labels with a merge patch: KEY=VALUE adds or (with --overwrite) changes\n" +
			"a label, KEY- removes it. Selectors of ReplicaSets, Services and DaemonSet node\n" +
			"selectors react to the change.",
		Example: "  kctl label node sim-1 disk=ssd\n  kctl label pod kubia app-  # release it from its ReplicaSet",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLabel(cmd.Context(), g, args, overwrite)
		},
	}
	cmd.Flags().BoolVar(&overwrite, "overwrite", false, "allow changing the value of an existing label")
	return cmd
}

func runLabel(ctx context.Context, g *globals, args []string, overwrite bool) error {
	var objArgs, changes []string
	for _, a := range args {
		if strings.Contains(a, "=") || strings.HasSuffix(a, "-") {
			changes = append(changes, a)
		} else {
			objArgs = append(objArgs, a)
		}
	}
	set, remove, err := parseLabelChanges(changes)
	if err != nil {
		return err
	}
	targets, err := parseTargets("label", objArgs)
	if err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	for _, t := range targets {
		rc := c.Resource(t.res).Namespace(namespaceFor(t.res, g.namespace))
		for _, name := range t.names {
			obj, err := rc.Get(ctx, name)
			if err != nil {
				return err
			}
			current := obj.GetObjectMeta().Labels
			for k, v := range set {
				if old, ok := current[k]; ok && old != v && !overwrite {
					return fmt.Errorf("'%s' already has a value (%s), and --overwrite is false", k, old)
				}
			}
			patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": labelPatch(set, remove)}})
			if _, err := rc.Patch(ctx, name, client.MergePatch, patch, ""); err != nil {
				return err
			}
			fmt.Fprintf(g.out, "%s labeled\n", objectLabel(t.res, name))
		}
	}
	return nil
}

// parseLabelChanges splits KEY=VALUE and KEY- arguments, checking the key
// and value syntax as the apiserver would.
func parseLabelChanges(changes []string) (map[string]string, []string, error) {
	if len(changes) == 0 {
		return nil, nil, fmt.Errorf("at least one label update is required")
	}
	set := map[string]string{}
	var remove []string
	for _, ch := range changes {
		if key, ok := strings.CutSuffix(ch, "-"); ok && !strings.Contains(ch, "=") {
			remove = append(remove, key)
			continue
		}
		k, v, _ := strings.Cut(ch, "=")
		if errs := api.IsQualifiedName(k); len(errs) > 0 {
			return nil, nil, fmt.Errorf("invalid label key %q: %s", k, strings.Join(errs, "; "))
		}
		if errs := api.IsValidLabelValue(v); len(errs) > 0 {
			return nil, nil, fmt.Errorf("invalid label value %q: %s", v, strings.Join(errs, "; "))
		}
		set[k] = v
	}
	return set, remove, nil
}

// labelPatch is the labels part of a merge patch: null removes a key.
func labelPatch(set map[string]string, remove []string) map[string]any {
	out := map[string]any{}
	for k, v := range set {
		out[k] = v
	}
	for _, k := range remove {
		out[k] = nil
	}
	return out
}
