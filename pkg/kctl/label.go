package kctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// kctl label and kctl annotate change one map of an object's metadata
// with a merge patch: KEY=VALUE sets a key, KEY- removes it, and a key
// that already has another value changes only with --overwrite. They
// differ in their words and in what they check before asking the server.

// metaUpdate is the run of one label or annotate command.
type metaUpdate struct {
	verb      string // "label", "annotate"
	field     string // "labels" or "annotations"
	done      string // "labeled", "annotated"
	set       map[string]string
	remove    []string
	overwrite bool
	// conflicts returns the --overwrite error for the keys that already
	// hold another value, in the verb's own words, or nil.
	conflicts       func(current, set map[string]string) error
	selector        string // -l, instead of names
	all             bool   // --all, instead of names
	list            bool   // annotate --list: print instead of changing
	resourceVersion string // --resource-version: change only that version
}

// addFlags adds the flags label and annotate share.
func (u *metaUpdate) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&u.overwrite, "overwrite", false, "allow changing the value of an existing "+strings.TrimSuffix(u.field, "s"))
	f.StringVarP(&u.selector, "selector", "l", "", "change the objects matching this label selector")
	f.BoolVar(&u.all, "all", false, "change every object of the type in the namespace")
	f.StringVar(&u.resourceVersion, "resource-version", "", "change the object only if this is its current resourceVersion (one object only)")
}

func newLabelCommand(g *globals) *cobra.Command {
	u := &metaUpdate{verb: "label", field: "labels", done: "labeled", conflicts: labelConflicts}
	cmd := &cobra.Command{
		Use:   "label (TYPE NAME | TYPE/NAME | TYPE -l SELECTOR) KEY=VALUE ... KEY- ...",
		Short: "Add, change or remove labels of an object",
		Long: "Label sets labels with a merge patch: KEY=VALUE adds or (with --overwrite) changes\n" +
			"a label, KEY- removes it. Selectors of ReplicaSets, Services and DaemonSet node\n" +
			"selectors react to the change.",
		Example: "  kctl label node sim-1 disk=ssd\n  kctl label pod kubia app-  # release it from its ReplicaSet",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMetaUpdate(cmd.Context(), g, u, args)
		},
	}
	u.addFlags(cmd)
	return cmd
}

func newAnnotateCommand(g *globals) *cobra.Command {
	u := &metaUpdate{verb: "annotate", field: "annotations", done: "annotated", conflicts: annotationConflicts}
	cmd := &cobra.Command{
		Use:   "annotate (TYPE NAME | TYPE/NAME | TYPE -l SELECTOR) KEY=VALUE ... KEY- ...",
		Short: "Add, change or remove annotations of an object",
		Long: "Annotate sets annotations with a merge patch: KEY=VALUE adds or (with --overwrite)\n" +
			"changes an annotation, KEY- removes it. Annotations hold what selectors never look\n" +
			"at: descriptions, tools' notes, a change cause.",
		Example: "  kctl annotate pod kubia description='my first pod'\n" +
			"  kctl annotate pod kubia description='the first pod' --overwrite\n" +
			"  kctl annotate pods -l app=kubia team-\n  kctl annotate pod kubia --list",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMetaUpdate(cmd.Context(), g, u, args)
		},
	}
	u.addFlags(cmd)
	cmd.Flags().BoolVar(&u.list, "list", false, "print the annotations of the objects instead of changing them")
	return cmd
}

func runMetaUpdate(ctx context.Context, g *globals, u *metaUpdate, args []string) error {
	what := strings.TrimSuffix(u.field, "s")
	objArgs, changes, err := splitPairs(args, what)
	if err != nil {
		return err
	}
	if u.set, u.remove, err = parseMetaChanges(changes, u.field); err != nil {
		return err
	}
	if len(u.set)+len(u.remove) == 0 && !u.list {
		return fmt.Errorf("at least one %s update is required", what)
	}
	if u.all && u.selector != "" {
		return errors.New("cannot set --all and --selector at the same time")
	}
	targets, err := parseTargets(u.verb, objArgs)
	if err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	type found struct {
		rc  *client.ResourceClient
		res api.Resource
		obj api.Object
	}
	var objs []found
	for _, t := range targets {
		if len(t.names) == 0 && !u.all && u.selector == "" {
			return errors.New("resource(s) were provided, but no name was specified")
		}
		got, errs := fetch(ctx, c, t, g.namespace, getOptions{selector: u.selector})
		if len(errs) > 0 {
			return errs[0]
		}
		rc := c.Resource(t.res).Namespace(namespaceFor(t.res, g.namespace))
		for _, obj := range got {
			objs = append(objs, found{rc, t.res, obj})
		}
	}
	if u.resourceVersion != "" && len(objs) != 1 {
		return errors.New("--resource-version may only be used with a single resource")
	}
	for _, f := range objs {
		if err := u.apply(ctx, g, f.rc, f.res, f.obj); err != nil {
			return err
		}
	}
	return nil
}

// apply changes one object, or prints its annotations with --list.
func (u *metaUpdate) apply(ctx context.Context, g *globals, rc *client.ResourceClient, res api.Resource, obj api.Object) error {
	meta := obj.GetObjectMeta()
	current := meta.Labels
	if u.field == "annotations" {
		current = meta.Annotations
	}
	if u.list {
		for _, k := range sortedKeys(current) {
			fmt.Fprintf(g.out, "%s=%s\n", k, current[k])
		}
		return nil
	}
	if !u.overwrite {
		if err := u.conflicts(current, u.set); err != nil {
			return err
		}
	}
	patchMeta := map[string]any{u.field: metaPatch(u.set, u.remove)}
	if u.resourceVersion != "" {
		patchMeta["resourceVersion"] = u.resourceVersion
	}
	patch, _ := json.Marshal(map[string]any{"metadata": patchMeta})
	if _, err := rc.Patch(ctx, meta.Name, client.MergePatch, patch, ""); err != nil {
		return err
	}
	fmt.Fprintf(g.out, "%s %s\n", objectLabel(res, meta.Name), u.done)
	return nil
}

// splitPairs separates TYPE NAME arguments from the KEY=VALUE and KEY-
// that must follow them, as kubectl does.
func splitPairs(args []string, what string) (objArgs, pairs []string, err error) {
	for _, a := range args {
		isPair := (strings.Contains(a, "=") && a[0] != '=') || (strings.HasSuffix(a, "-") && a != "-")
		switch {
		case isPair:
			pairs = append(pairs, a)
		case len(pairs) > 0:
			return nil, nil, fmt.Errorf("all resources must be specified before %s changes: %s", what, a)
		default:
			objArgs = append(objArgs, a)
		}
	}
	return objArgs, pairs, nil
}

// parseMetaChanges splits KEY=VALUE and KEY- arguments. Label keys and
// values are checked here, as kubectl does; annotations are left to the
// server, which checks only their size.
func parseMetaChanges(changes []string, field string) (map[string]string, []string, error) {
	set := map[string]string{}
	var remove []string
	for _, ch := range changes {
		k, v, isSet := strings.Cut(ch, "=")
		if !isSet {
			remove = append(remove, strings.TrimSuffix(ch, "-"))
			continue
		}
		if field == "labels" {
			if errs := api.IsQualifiedName(k); len(errs) > 0 {
				return nil, nil, fmt.Errorf("invalid label key %q: %s", k, strings.Join(errs, "; "))
			}
			if errs := api.IsValidLabelValue(v); len(errs) > 0 {
				return nil, nil, fmt.Errorf("invalid label value %q: %s", v, strings.Join(errs, "; "))
			}
		}
		set[k] = v
	}
	var both []string
	for _, k := range remove {
		if _, ok := set[k]; ok {
			both = append(both, k)
		}
	}
	if len(both) > 0 {
		return nil, nil, fmt.Errorf("can not both modify and remove the following %s(s) in the same command: %s",
			strings.TrimSuffix(field, "s"), strings.Join(both, ", "))
	}
	return set, remove, nil
}

// labelConflicts is kubectl label's error: the first label in the way.
func labelConflicts(current, set map[string]string) error {
	for _, k := range sortedKeys(set) {
		if old, ok := current[k]; ok && old != set[k] {
			return fmt.Errorf("'%s' already has a value (%s), and --overwrite is false", k, old)
		}
	}
	return nil
}

// annotationConflicts is kubectl annotate's error: every annotation in
// the way.
func annotationConflicts(current, set map[string]string) error {
	var in []string
	for _, k := range sortedKeys(set) {
		if old, ok := current[k]; ok && old != set[k] {
			in = append(in, fmt.Sprintf("'%s' already has a value (%s)", k, old))
		}
	}
	if len(in) == 0 {
		return nil
	}
	return fmt.Errorf("--overwrite is false but found the following declared annotation(s): %s", strings.Join(in, "; "))
}

// metaPatch is the labels or annotations part of a merge patch: null
// removes a key.
func metaPatch(set map[string]string, remove []string) map[string]any {
	out := map[string]any{}
	for k, v := range set {
		out[k] = v
	}
	for _, k := range remove {
		out[k] = nil
	}
	return out
}
