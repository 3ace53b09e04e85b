package kctl

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/printers"
)

// describeFunc writes the kind-specific part of `kctl describe` for one
// object. Each kind's function is short: it writes fields and sections
// through the describer and ends with d.events.
type describeFunc func(ctx context.Context, d *describer, obj api.Object) error

// describers holds the function of each kind; other kinds get the
// metadata and their events.
var describers = map[string]describeFunc{
	"Pod":                   describePod,
	"Service":               describeService,
	"Node":                  describeNode,
	"ReplicaSet":            describeReplicaSet,
	"ReplicationController": describeReplicationController,
	"DaemonSet":             describeDaemonSet,
	"StatefulSet":           describeStatefulSet,
	"Deployment":            describeDeployment, // describe_workloads.go
	"Job":                   describeJob,
	"CronJob":               describeCronJob,
	"Namespace":             describeNamespace,
	"Endpoints":             describeEndpoints,
	"ConfigMap":             describeConfigMap,
	"Secret":                describeSecret,
	"ServiceAccount":        describeServiceAccount,
	"PersistentVolume":      describePersistentVolume, // describe_storage.go
	"PersistentVolumeClaim": describePersistentVolumeClaim,
	"StorageClass":          describeStorageClass,
	"Role":                  describeRole,
	"ClusterRole":           describeRole,
	"RoleBinding":           describeBinding,
	"ClusterRoleBinding":    describeBinding,
}

func newDescribeCommand(g *globals) *cobra.Command {
	var selector string
	var allNamespaces bool
	cmd := &cobra.Command{
		Use:     "describe TYPE [NAME...] | TYPE/NAME",
		Short:   "Show an object in detail, with its recent events",
		Example: "  kctl describe pod kubia\n  kctl describe nodes\n  kctl describe rs -l app=kubia",
		RunE: func(cmd *cobra.Command, args []string) error {
			targets, err := parseTargets("describe", args)
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			ns := g.namespace
			if allNamespaces {
				ns = ""
			}
			return runDescribe(cmd.Context(), g, c, targets, ns, selector)
		},
	}
	cmd.Flags().StringVarP(&selector, "selector", "l", "", "describe the objects matching this label selector")
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "describe objects of every namespace")
	return cmd
}

func runDescribe(ctx context.Context, g *globals, c *client.Client, targets []target, ns, selector string) error {
	failed, printed, anyNamespaced := false, 0, false
	for _, t := range targets {
		anyNamespaced = anyNamespaced || t.res.Namespaced
		objs, errs := fetch(ctx, c, t, ns, getOptions{selector: selector})
		for _, err := range errs {
			if isUnreachable(err) {
				return err
			}
			fmt.Fprintln(g.errOut, errorLine(err))
			failed = true
		}
		for _, obj := range objs {
			if printed > 0 {
				fmt.Fprintln(g.out)
			}
			printed++
			if err := describeObject(ctx, g.out, c, obj, g.now()); err != nil {
				return err
			}
		}
	}
	if printed == 0 && !failed {
		fmt.Fprintln(g.errOut, noResourcesMessage(ns, ns == "", anyNamespaced))
	}
	if failed {
		return errReported
	}
	return nil
}

// describeObject writes one object's description to out.
func describeObject(ctx context.Context, out io.Writer, c *client.Client, obj api.Object, now time.Time) error {
	d := &describer{tw: tabwriter.NewWriter(out, 0, 8, 2, ' ', 0), c: c, now: now}
	fn := describers[obj.GetTypeMeta().Kind]
	if fn == nil {
		fn = describeGeneric
	}
	err := fn(ctx, d, obj)
	if ferr := d.tw.Flush(); err == nil {
		err = ferr
	}
	return err
}

// describer writes kubectl's describe layout: "Key:<tab>value" lines at
// indentation levels of two spaces, aligned by a tabwriter, so that the
// values of consecutive fields line up.
type describer struct {
	tw  *tabwriter.Writer
	c   *client.Client
	now time.Time
}

// line writes one line at an indentation level.
func (d *describer) line(level int, format string, args ...any) {
	fmt.Fprintf(d.tw, strings.Repeat("  ", level)+format+"\n", args...)
}

// field writes "key:  value".
func (d *describer) field(level int, key string, value any) {
	d.line(level, "%s:\t%v", key, value)
}

// multiline writes "key:  first" and the other values below the first,
// aligned with it; <none> when there are none.
func (d *describer) multiline(level int, key string, values []string) {
	if len(values) == 0 {
		d.field(level, key, "<none>")
		return
	}
	d.field(level, key, values[0])
	for _, v := range values[1:] {
		d.line(level, "\t%s", v)
	}
}

// labels writes a label map one pair per line, sorted.
func (d *describer) labels(level int, key string, m map[string]string) {
	var pairs []string
	for k, v := range m {
		if key == "Annotations" && k == lastAppliedAnnotation {
			continue // kubectl leaves out the applied manifest too
		}
		pairs = append(pairs, k+"="+v)
	}
	if key == "Annotations" {
		for i, p := range pairs {
			pairs[i] = strings.Replace(p, "=", ": ", 1)
		}
	}
	sort.Strings(pairs)
	d.multiline(level, key, pairs)
}

// table writes a header, a dashed rule and rows at a level.
func (d *describer) table(level int, headers []string, rows [][]string) {
	rule := make([]string, len(headers))
	for i, h := range headers {
		rule[i] = strings.Repeat("-", len(h))
	}
	d.line(level, "%s", strings.Join(headers, "\t"))
	d.line(level, "%s", strings.Join(rule, "\t"))
	for _, r := range rows {
		d.line(level, "%s", strings.Join(r, "\t"))
	}
}

// meta writes Name, Namespace (for namespaced objects), Labels and
// Annotations, the opening of most descriptions.
func (d *describer) meta(m *api.ObjectMeta) {
	d.field(0, "Name", m.Name)
	if m.Namespace != "" {
		d.field(0, "Namespace", m.Namespace)
	}
	d.labels(0, "Labels", m.Labels)
	d.labels(0, "Annotations", m.Annotations)
}

// events writes the Events section: the events about obj, oldest first.
// It asks the server with a field selector and checks the result too.
func (d *describer) events(ctx context.Context, obj api.Object) error {
	m := obj.GetObjectMeta()
	res, _ := api.Lookup("events")
	ns := m.Namespace
	if ns == "" {
		ns = "default" // events about cluster-scoped objects live there
	}
	sel := fmt.Sprintf("involvedObject.name=%s,involvedObject.namespace=%s,involvedObject.uid=%s", m.Name, m.Namespace, m.UID)
	list, _, err := d.c.Resource(res).Namespace(ns).List(ctx, client.ListOptions{FieldSelector: sel})
	if err != nil {
		return err
	}
	var rows [][]string
	sortEvents(list)
	for _, o := range list {
		e := o.(*api.Event)
		if e.InvolvedObject.UID != m.UID && e.InvolvedObject.UID != "" {
			continue
		}
		rows = append(rows, []string{e.Type, e.Reason, eventAge(e, d.now), eventSource(e), strings.TrimSpace(e.Message)})
	}
	if len(rows) == 0 {
		d.field(0, "Events", "<none>")
		return nil
	}
	d.line(0, "Events:")
	d.table(1, []string{"Type", "Reason", "Age", "From", "Message"}, rows)
	return nil
}

// eventAge is "5s", or "3m (x4 over 10m)" for a repeated event.
func eventAge(e *api.Event, now time.Time) string {
	last := printers.Age(printers.EventLastSeen(e), now)
	if e.Count > 1 {
		return fmt.Sprintf("%s (x%d over %s)", last, e.Count, printers.Age(printers.EventFirstSeen(e), now))
	}
	return last
}

func eventSource(e *api.Event) string {
	s := e.Source.Component
	if s == "" {
		s = e.ReportingController
	}
	if e.Source.Host != "" {
		s += ", " + e.Source.Host
	}
	return s
}

// timestamp formats a time as kubectl's describe does, in local time.
func timestamp(t api.Time) string {
	if t.IsZero() {
		return "<unset>"
	}
	return t.Local().Format(time.RFC1123Z)
}

// describeGeneric is the description of kinds without a function of
// their own: the metadata, then the events.
func describeGeneric(ctx context.Context, d *describer, obj api.Object) error {
	d.meta(obj.GetObjectMeta())
	if e, ok := obj.(*api.Event); ok {
		d.field(0, "Involved Object", printers.EventObject(e.InvolvedObject))
		d.field(0, "Type", e.Type)
		d.field(0, "Reason", e.Reason)
		d.field(0, "Message", e.Message)
		d.field(0, "Source", eventSource(e))
		d.field(0, "First Timestamp", timestamp(printers.EventFirstSeen(e)))
		d.field(0, "Last Timestamp", timestamp(printers.EventLastSeen(e)))
		d.field(0, "Count", max(e.Count, 1))
		return nil
	}
	return d.events(ctx, obj)
}

// orDefault is s, or def when s is empty: "<none>" and "<unset>" cells.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
