package kctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// getOptions are the flags of get.
type getOptions struct {
	output        string
	template      string
	labelColumns  []string
	selector      string
	fieldSelector string
	allNamespaces bool
	watch         bool
	watchOnly     bool
	showLabels    bool
	noHeaders     bool
	chunkSize     int64 // list in pages of this many (limit and continue); 0: at once
}

func newGetCommand(g *globals) *cobra.Command {
	var o getOptions
	cmd := &cobra.Command{
		Use:   "get TYPE[,TYPE...] [NAME...] | TYPE/NAME... | all",
		Short: "Show objects as a table, YAML, JSON, names or jsonpath",
		Example: "  kctl get pods -o wide\n  kctl get pod kubia -o yaml\n  kctl get all\n" +
			"  kctl get pods -l app=kubia -w\n  kctl get pods -o jsonpath='{.items[*].status.podIP}'\n" +
			"  kctl get pods -o jsonpath --template='{range .items[*]}{.metadata.name}{\"\\n\"}{end}'\n" +
			"  kctl get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName\n" +
			"  kctl get pods -L app,tier",
		RunE: func(cmd *cobra.Command, args []string) error { return runGet(cmd.Context(), g, o, args) },
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "output format: wide, yaml, json, name, jsonpath=TEMPLATE, jsonpath-file=FILE, "+
		"custom-columns=HEADER:PATH,… or custom-columns-file=FILE")
	f.StringVar(&o.template, "template", "", "the template of -o jsonpath or custom-columns, or the file of -o jsonpath-file or custom-columns-file")
	f.StringSliceVarP(&o.labelColumns, "label-columns", "L", nil, "add a column for each of these label keys (-L app,tier or -L app -L tier)")
	f.StringVarP(&o.selector, "selector", "l", "", "label selector, e.g. app=kubia,env!=prod")
	f.StringVar(&o.fieldSelector, "field-selector", "", "field selector, e.g. status.phase=Running")
	f.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "list objects of every namespace")
	f.BoolVarP(&o.watch, "watch", "w", false, "after listing, print a line per change")
	f.BoolVar(&o.watchOnly, "watch-only", false, "print a line per change, without listing first")
	f.BoolVar(&o.showLabels, "show-labels", false, "add a LABELS column")
	f.BoolVar(&o.noHeaders, "no-headers", false, "leave out the column names")
	f.Int64Var(&o.chunkSize, "chunk-size", 500, "Return large lists in chunks rather than all at once. Pass 0 to disable.")
	return cmd
}

func runGet(ctx context.Context, g *globals, o getOptions, args []string) error {
	targets, err := parseTargets("get", args)
	if err != nil {
		return err
	}
	p, err := newPrinter(o.output, o.template)
	if err != nil {
		return err
	}
	p.noHeaders, p.showLabels, p.labelColumns = o.noHeaders, o.showLabels, o.labelColumns
	named := false
	for _, t := range targets {
		named = named || len(t.names) > 0
	}
	switch {
	case named && o.selector != "":
		return errors.New("name cannot be provided when a selector is specified")
	case named && o.allNamespaces:
		return errors.New("a resource cannot be retrieved by name across all namespaces")
	}
	ns := g.namespace
	if o.allNamespaces {
		ns = ""
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	if o.watch || o.watchOnly {
		if len(targets) != 1 {
			return errors.New("you may only specify a single resource type when watching")
		}
		p.withNamespace = o.allNamespaces && targets[0].res.Namespaced
		return watch(ctx, g, c, p, targets[0], ns, o)
	}
	return getTargets(ctx, g, c, p, targets, ns, o)
}

// getTargets prints each target's objects: a table per type, or all
// objects together in the other formats.
func getTargets(ctx context.Context, g *globals, c *client.Client, p *printer, targets []target, ns string, o getOptions) error {
	p.withKind = len(targets) > 1
	single := len(targets) == 1 && len(targets[0].names) == 1
	var all []api.Object
	failed, tablesPrinted, anyNamespaced, named := false, 0, false, false
	for _, t := range targets {
		anyNamespaced = anyNamespaced || t.res.Namespaced
		named = named || len(t.names) > 0
		objs, errs := fetchFrom(ctx, sourceFor(c, t.res, ns, p.isTable()), t, o)
		for _, err := range errs {
			if isUnreachable(err) {
				return err
			}
			fmt.Fprintln(g.errOut, errorLine(err))
			failed = true
		}
		if !p.isTable() {
			all = append(all, objs...)
			continue
		}
		if len(objs) == 0 {
			continue
		}
		if tablesPrinted > 0 {
			fmt.Fprintln(g.out)
		}
		p.withNamespace = o.allNamespaces && t.res.Namespaced
		p.widths = nil // each type's table is aligned on its own
		if err := p.printTable(g.out, t.res, objs, true); err != nil {
			return err
		}
		tablesPrinted++
	}
	empty := tablesPrinted == 0 && len(all) == 0
	if empty && !named && (p.isTable() || p.format == formatName) {
		fmt.Fprintln(g.errOut, noResourcesMessage(ns, o.allNamespaces, anyNamespaced))
	}
	if !p.isTable() && (len(all) > 0 || !failed) {
		if err := p.printObjects(g.out, all, single); err != nil {
			return err
		}
	}
	if failed {
		return errReported
	}
	return nil
}

// sourceFor reads res in ns: as table rows, or whole objects.
func sourceFor(c *client.Client, res api.Resource, ns string, tables bool) source {
	return source{rc: c.Resource(res).Namespace(namespaceFor(res, ns)), res: res, tables: tables}
}

// fetch gets the named objects of a target one by one, or lists them.
func fetch(ctx context.Context, c *client.Client, t target, ns string, o getOptions) ([]api.Object, []error) {
	return fetchFrom(ctx, sourceFor(c, t.res, ns, false), t, o)
}

// fetchFrom is fetch from src: objects or table rows.
func fetchFrom(ctx context.Context, src source, t target, o getOptions) ([]api.Object, []error) {
	if len(t.names) == 0 {
		objs, _, err := src.list(ctx, client.ListOptions{LabelSelector: o.selector, FieldSelector: o.fieldSelector, Limit: o.chunkSize})
		if err != nil {
			return nil, []error{err}
		}
		return objs, nil
	}
	var objs []api.Object
	var errs []error
	for _, name := range t.names {
		obj, err := src.get(ctx, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs = append(objs, obj)
	}
	return objs, errs
}

// watch lists (unless --watch-only) and then prints one row per change
// until the user interrupts. A watch the server closes is reopened from the
// last version seen; one that is too old to resume starts from a new list.
func watch(ctx context.Context, g *globals, c *client.Client, p *printer, t target, ns string, o getOptions) error {
	src := sourceFor(c, t.res, ns, p.isTable())
	opts := client.ListOptions{LabelSelector: o.selector, FieldSelector: o.fieldSelector, Limit: o.chunkSize}
	if len(t.names) > 1 {
		return errors.New("watch is only supported on a single object or a whole type")
	}
	if len(t.names) == 1 {
		opts.FieldSelector = joinSelector(opts.FieldSelector, "metadata.name="+t.names[0])
	}
	objs, rv, err := src.list(ctx, opts)
	if err != nil {
		return err
	}
	printed, headed := 0, false
	show := func(batch []api.Object) error {
		if p.hasRows() {
			err := p.printTable(g.out, t.res, batch, !headed)
			headed = true
			return err
		}
		for _, obj := range batch {
			if printed > 0 && p.format == formatYAML {
				fmt.Fprintln(g.out, "---")
			}
			printed++
			if err := p.printObjects(g.out, []api.Object{obj}, true); err != nil {
				return err
			}
		}
		return nil
	}
	if !o.watchOnly {
		if len(objs) == 0 && p.isTable() {
			fmt.Fprintln(g.errOut, noResourcesMessage(ns, o.allNamespaces, t.res.Namespaced))
		} else if err := show(objs); err != nil {
			return err
		}
	}
	// The watch goes on until Ctrl-C, across the server ending it (reopen
	// from the last version seen), a 410 (list again for a fresh version)
	// and the server going away for a while (retry, backing off).
	backoff := 200 * time.Millisecond
	warned := false
	lost := func(err error) {
		if !warned {
			fmt.Fprintf(g.errOut, "Warning: lost the watch (%v); reconnecting…\n", err)
			warned = true
		}
		backoff = min(2*backoff, 5*time.Second)
	}
	for {
		opts.ResourceVersion = rv
		w, err := src.watch(ctx, opts)
		if err == nil {
			for ev := range w.ResultChan() {
				warned, backoff = false, 200*time.Millisecond
				rv = ev.Object.GetObjectMeta().ResourceVersion
				if ev.Type == api.Bookmark {
					continue
				}
				if err := show([]api.Object{ev.Object}); err != nil {
					w.Stop()
					return err
				}
			}
			err = w.Err()
		}
		switch {
		case ctx.Err() != nil:
			return nil
		case client.IsGone(err):
			// The server no longer has the events after rv: list again,
			// and show what changed since, so that nothing written in
			// between goes unseen (deletions in between are not seen:
			// kubectl misses them too).
			opts.ResourceVersion = ""
			items, fresh, lerr := src.list(ctx, opts)
			if lerr != nil && !transient(lerr) {
				return lerr
			}
			if lerr == nil {
				if newer := newerThan(items, rv); len(newer) > 0 {
					if err := show(newer); err != nil {
						return err
					}
				}
				rv = fresh
			}
		case err != nil && !errors.Is(err, io.EOF):
			if !transient(err) {
				return err
			}
			lost(err)
		}
		select { // reopen it, without hammering the server
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
	}
}

// newerThan keeps the objects written after revision rv.
func newerThan(objs []api.Object, rv string) []api.Object {
	last, err := strconv.ParseInt(rv, 10, 64)
	if err != nil {
		return objs
	}
	var out []api.Object
	for _, o := range objs {
		if v, err := strconv.ParseInt(o.GetObjectMeta().ResourceVersion, 10, 64); err != nil || v > last {
			out = append(out, o)
		}
	}
	return out
}

// transient reports an error worth retrying a watch over: no answer at
// all (the server is restarting) or a server-side failure (5xx).
func transient(err error) bool {
	st, ok := client.StatusOf(err)
	return !ok || st.Code >= 500
}

func joinSelector(a, b string) string {
	if a == "" {
		return b
	}
	return a + "," + b
}
