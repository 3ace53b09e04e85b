package kctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// fileOptions are the -f and -R flags of apply, create and delete.
type fileOptions struct {
	files     []string
	recursive bool
}

func (o *fileOptions) addFlags(cmd *cobra.Command, what string) {
	cmd.Flags().StringSliceVarP(&o.files, "filename", "f", nil, "file, directory or - (stdin) holding the objects to "+what)
	cmd.Flags().BoolVarP(&o.recursive, "recursive", "R", false, "with a directory for -f, also read its subdirectories")
}

func newApplyCommand(g *globals) *cobra.Command {
	var files fileOptions
	var dryRun string
	cmd := &cobra.Command{
		Use:   "apply -f FILENAME",
		Short: "Create objects, or update them to match their manifest",
		Long: "Apply makes the cluster match the manifests: objects that do not exist are created;\n" +
			"existing ones are patched with what changed since the last apply (remembered in the\n" +
			"kubectl.kubernetes.io/last-applied-configuration annotation). Fields set by others\n" +
			"are left alone.",
		Example: "  kctl apply -f examples/pod.yaml\n  kctl apply -f examples/\n  cat pod.yaml | kctl apply -f -",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dryRun == dryRunClient {
				return fmt.Errorf("--dry-run=client is not supported by kctl apply yet; use --dry-run=server")
			}
			return runPerObject(cmd.Context(), g, files, "apply", dryRun, applyOne)
		},
	}
	files.addFlags(cmd, "apply")
	addDryRunFlag(cmd, &dryRun) // dryrun.go
	return cmd
}

// objectFunc does one verb to one manifest and returns the word printed
// after its name ("created"); warn prints a warning line.
type objectFunc func(ctx context.Context, c *client.Client, m manifest, warn func(string)) (string, error)

// runPerObject reads the manifests and runs fn on each in order. An error
// about one object is printed and the others go ahead; the exit code says
// whether any failed. An unreachable server stops everything at once.
// With --dry-run=server (dryRun), fn's writes are sent as dry runs.
func runPerObject(ctx context.Context, g *globals, files fileOptions, verb, dryRun string, fn objectFunc) error {
	if err := checkDryRun(dryRun); err != nil {
		return err
	}
	ctx = dryRunContext(ctx, dryRun)
	warn := func(w string) { fmt.Fprintln(g.errOut, "Warning: "+w) }
	manifests, errs, err := readManifests(files.files, files.recursive, g.in, warn)
	if err != nil {
		return err
	}
	failed := false
	for _, e := range errs {
		fmt.Fprintln(g.errOut, errorLine(e))
		failed = true
	}
	if len(manifests) == 0 && !failed {
		return fmt.Errorf("no objects passed to %s", verb)
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	for _, m := range manifests {
		if err := setNamespace(m.obj, m.res, g.namespace, g.namespaceSet); err != nil {
			fmt.Fprintln(g.errOut, errorLine(err))
			failed = true
			continue
		}
		action, err := fn(ctx, c, m, warn)
		if err != nil {
			if isUnreachable(err) {
				return err
			}
			fmt.Fprintln(g.errOut, errorLine(err))
			failed = true
			continue
		}
		fmt.Fprintf(g.out, "%s %s%s\n", objectLabel(m.res, m.obj.GetObjectMeta().Name), action, dryRunSuffix(dryRun))
	}
	if failed {
		return errReported
	}
	return nil
}

// applyOne creates or patches one object; see apply_patch.go for how the
// patch is worked out.
func applyOne(ctx context.Context, c *client.Client, m manifest, warn func(string)) (string, error) {
	meta := m.obj.GetObjectMeta()
	if meta.Name == "" {
		if meta.GenerateName != "" {
			return "", errors.New("cannot use generateName with apply: give the object a metadata.name, or use kctl create")
		}
		return "", fmt.Errorf("a %s in %s has no metadata.name", m.res.Kind, m.source)
	}
	rc := c.Resource(m.res).Namespace(meta.Namespace)
	modified, err := manifestMap(m.obj)
	if err != nil {
		return "", err
	}
	live, err := rc.Get(ctx, meta.Name)
	if client.IsNotFound(err) {
		if err := setLastApplied(m.obj, modified); err != nil {
			return "", err
		}
		if _, err := rc.Create(ctx, m.obj); err != nil {
			return "", err
		}
		return actionCreated, nil
	}
	if err != nil {
		return "", err
	}
	current, err := toMap(live)
	if err != nil {
		return "", err
	}
	if annotationOf(current) == "" {
		warn(fmt.Sprintf("resource %s/%s is missing the %s annotation which is required by kctl apply. "+
			"kctl apply should only be used on resources created declaratively by kctl apply. "+
			"The missing annotation will be patched automatically.", m.res.Name, meta.Name, lastAppliedAnnotation))
	}
	action, patch, err := planApply(modified, current)
	if err != nil || action != actionConfigured {
		return action, err
	}
	if _, err := rc.Patch(ctx, meta.Name, client.StrategicMergePatch, patch, ""); err != nil {
		return "", err
	}
	return actionConfigured, nil
}

// setLastApplied records the manifest on the object about to be created,
// so that the next apply knows what the user wrote.
func setLastApplied(obj api.Object, modified map[string]any) error {
	b, err := json.Marshal(modified)
	if err != nil {
		return err
	}
	meta := obj.GetObjectMeta()
	ann := make(map[string]string, len(meta.Annotations)+1)
	for k, v := range meta.Annotations {
		ann[k] = v
	}
	ann[lastAppliedAnnotation] = string(b)
	meta.Annotations = ann
	return nil
}
