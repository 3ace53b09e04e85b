package kctl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// deleteFlags are the flags of delete.
type deleteFlags struct {
	files          fileOptions
	selector       string
	all            bool
	allNamespaces  bool
	cascade        string
	gracePeriod    int64
	now            bool
	force          bool
	wait           bool
	timeout        time.Duration
	ignoreNotFound bool
	dryRun         string // dryrun.go
}

func newDeleteCommand(g *globals) *cobra.Command {
	var o deleteFlags
	cmd := &cobra.Command{
		Use:   "delete (-f FILENAME | TYPE NAME... | TYPE/NAME... | TYPE -l SELECTOR | TYPE --all)",
		Short: "Delete objects by file, name, label selector or all of a type",
		Long: "Delete asks the server to delete objects and returns at once: unlike kubectl, kctl does\n" +
			"not wait for them to be gone unless --wait is given, so that a student sees a pod\n" +
			"in Terminating with `kctl get pods` right after.\n\n" +
			"--cascade says what happens to the objects a deleted object owns: background (the\n" +
			"default) deletes them after it, foreground before it, orphan leaves them.",
		Example: "  kctl delete pod kubia\n  kctl delete -f examples/replicaset.yaml\n" +
			"  kctl delete rs kubia --cascade=orphan\n  kctl delete pods -l app=kubia\n  kctl delete pod kubia --now --wait",
		RunE: func(cmd *cobra.Command, args []string) error { return runDelete(cmd.Context(), g, o, args) },
	}
	f := cmd.Flags()
	o.files.addFlags(cmd, "delete")
	f.StringVarP(&o.selector, "selector", "l", "", "delete the objects matching this label selector")
	f.BoolVar(&o.all, "all", false, "delete every object of the type in the namespace")
	f.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "with -l or --all, in every namespace")
	f.StringVar(&o.cascade, "cascade", "background", "background, foreground or orphan: what becomes of the objects the deleted ones own")
	f.Lookup("cascade").NoOptDefVal = "background"
	f.Int64Var(&o.gracePeriod, "grace-period", -1, "seconds the object gets to shut down; -1 uses its own default, 0 needs --force")
	f.BoolVar(&o.now, "now", false, "shut down at once (same as --grace-period=1)")
	f.BoolVar(&o.force, "force", false, "with --grace-period=0 (the default then), remove the object without waiting for the node to confirm")
	f.BoolVar(&o.wait, "wait", false, "wait until the objects are gone (kubectl's default is true, kctl's is false)")
	f.DurationVar(&o.timeout, "timeout", 0, "with --wait, give up after this long (0: wait forever)")
	f.BoolVar(&o.ignoreNotFound, "ignore-not-found", false, "say nothing about objects that do not exist")
	addDryRunFlag(cmd, &o.dryRun)
	return cmd
}

// parseCascade maps --cascade to a propagation policy. true and false are
// kubectl's old boolean values.
func parseCascade(v string) (string, error) {
	switch strings.ToLower(v) {
	case "background", "true", "":
		return api.DeletePropagationBackground, nil
	case "foreground":
		return api.DeletePropagationForeground, nil
	case "orphan", "false":
		return api.DeletePropagationOrphan, nil
	}
	return "", fmt.Errorf("invalid cascade value (%s). Must be \"background\", \"foreground\", or \"orphan\"", v)
}

// deleteOptions builds the body of each DELETE from the flags, with
// kubectl's rules: --now is a grace period of 1; a grace period of 0
// without --force becomes 1, so that nothing is removed before its node
// stopped it by accident; --force alone means 0.
func deleteOptions(o deleteFlags) (*api.DeleteOptions, error) {
	policy, err := parseCascade(o.cascade)
	if err != nil {
		return nil, err
	}
	grace := o.gracePeriod
	if o.now {
		if grace != -1 {
			return nil, errors.New("--now and --grace-period cannot be specified together")
		}
		grace = 1
	}
	switch {
	case grace == 0 && !o.force:
		grace = 1
	case o.force && grace < 0:
		grace = 0
	}
	opts := &api.DeleteOptions{PropagationPolicy: &policy}
	if grace >= 0 {
		opts.GracePeriodSeconds = &grace
	}
	return opts, nil
}

// victim is one object to delete.
type victim struct {
	res       api.Resource
	namespace string
	name      string
	uid       string // known when listed; --wait uses it
}

func runDelete(ctx context.Context, g *globals, o deleteFlags, args []string) error {
	opts, err := deleteOptions(o)
	if err != nil {
		return err
	}
	if err := checkDryRun(o.dryRun); err != nil {
		return err
	}
	ctx = dryRunContext(ctx, o.dryRun)
	if c := strings.ToLower(o.cascade); c == "true" || c == "false" {
		fmt.Fprintf(g.errOut, "warning: --cascade=%s is deprecated (boolean value) and can be replaced with --cascade=%s.\n",
			c, map[string]string{"true": "background", "false": "orphan"}[c])
	}
	if opts.GracePeriodSeconds != nil && *opts.GracePeriodSeconds == 0 {
		fmt.Fprintln(g.errOut, "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.")
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	victims, failed, err := findVictims(ctx, g, c, o, args)
	if err != nil {
		return err
	}
	for _, v := range victims {
		if err := deleteOne(ctx, g, c, v, opts, o); err != nil {
			if isUnreachable(err) {
				return err
			}
			if !(o.ignoreNotFound && client.IsNotFound(err)) {
				fmt.Fprintln(g.errOut, errorLine(err))
				failed = true
			}
		}
	}
	if failed {
		return errReported
	}
	return nil
}

// findVictims turns -f, the arguments and -l/--all into the objects to
// delete. failed reports manifests that could not be read (already
// printed).
func findVictims(ctx context.Context, g *globals, c *client.Client, o deleteFlags, args []string) ([]victim, bool, error) {
	if len(o.files.files) > 0 {
		if len(args) > 0 || o.selector != "" || o.all {
			return nil, false, errors.New("with -f, give no resource names, -l or --all: the objects are the file's")
		}
		warn := func(w string) { fmt.Fprintln(g.errOut, "Warning: "+w) }
		manifests, errs, err := readManifests(o.files.files, o.files.recursive, g.in, warn)
		if err != nil {
			return nil, false, err
		}
		for _, e := range errs {
			fmt.Fprintln(g.errOut, errorLine(e))
		}
		var victims []victim
		for _, m := range manifests {
			if err := setNamespace(m.obj, m.res, g.namespace, g.namespaceSet); err != nil {
				return nil, false, err
			}
			meta := m.obj.GetObjectMeta()
			victims = append(victims, victim{res: m.res, namespace: meta.Namespace, name: meta.Name})
		}
		return victims, len(errs) > 0, nil
	}
	if len(args) == 0 {
		return nil, false, errors.New("you must provide one or more resources by argument or filename")
	}
	targets, err := parseTargets("delete", args)
	if err != nil {
		return nil, false, err
	}
	ns := g.namespace
	if o.allNamespaces {
		ns = ""
	}
	var victims []victim
	listed := false
	for _, t := range targets {
		switch {
		case len(t.names) > 0 && (o.selector != "" || o.all):
			return nil, false, errors.New("name cannot be provided when a selector or --all is specified")
		case len(t.names) > 0:
			for _, name := range t.names {
				victims = append(victims, victim{res: t.res, namespace: namespaceFor(t.res, g.namespace), name: name})
			}
		case o.selector != "" || o.all:
			listed = true
			objs, _, err := c.Resource(t.res).Namespace(namespaceFor(t.res, ns)).List(ctx, client.ListOptions{LabelSelector: o.selector})
			if err != nil {
				return nil, false, err
			}
			for _, obj := range objs {
				m := obj.GetObjectMeta()
				victims = append(victims, victim{res: t.res, namespace: m.Namespace, name: m.Name, uid: m.UID})
			}
		default:
			return nil, false, errors.New("resource(s) were provided, but no name was specified: give names, -l SELECTOR or --all")
		}
	}
	if listed && len(victims) == 0 {
		fmt.Fprintln(g.out, "No resources found")
	}
	return victims, false, nil
}

// deleteOne deletes one object, prints `pod "kubia" deleted`, and with
// --wait waits until it is gone.
func deleteOne(ctx context.Context, g *globals, c *client.Client, v victim, opts *api.DeleteOptions, o deleteFlags) error {
	rc := c.Resource(v.res).Namespace(v.namespace)
	if o.wait && v.uid == "" {
		obj, err := rc.Get(ctx, v.name)
		if err != nil {
			return err
		}
		v.uid = obj.GetObjectMeta().UID
	}
	if o.dryRun != dryRunClient {
		if err := rc.Delete(ctx, v.name, opts); err != nil {
			return err
		}
	}
	verb := "deleted"
	if opts.GracePeriodSeconds != nil && *opts.GracePeriodSeconds == 0 {
		verb = "force deleted"
	}
	fmt.Fprintf(g.out, "%s \"%s\" %s%s\n", kindLabel(v.res), v.name, verb, dryRunSuffix(o.dryRun))
	if !o.wait || o.dryRun != dryRunNone {
		return nil
	}
	return waitGone(ctx, rc, v, o.timeout)
}

// waitGone polls until the object is gone, or replaced by a new one of the
// same name (a different uid).
func waitGone(ctx context.Context, rc *client.ResourceClient, v victim, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		obj, err := rc.Get(ctx, v.name)
		switch {
		case client.IsNotFound(err):
			return nil
		case err == nil && obj.GetObjectMeta().UID != v.uid:
			return nil
		case err != nil && ctx.Err() == nil:
			return err
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("timed out waiting for %s to be deleted", objectLabel(v.res, v.name))
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
}
