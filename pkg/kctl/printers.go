package kctl

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"sigs.k8s.io/yaml"

	"kubelab/pkg/api"
)

// Output formats of -o.
const (
	formatTable    = ""
	formatWide     = "wide"
	formatYAML     = "yaml"
	formatJSON     = "json"
	formatName     = "name"
	formatJSONPath = "jsonpath"
)

// printer prints objects in the format -o asked for.
type printer struct {
	format   string
	jsonpath *jsonPath // with formatJSONPath

	noHeaders     bool
	showLabels    bool
	withNamespace bool // -A: a NAMESPACE column first
	withKind      bool // several types: NAME reads pod/kubia
	now           time.Time
	widths        []int // of the table columns printed so far
}

// newPrinter checks -o: "", wide, yaml, json, name or jsonpath=TEMPLATE.
func newPrinter(output string) (*printer, error) {
	p := &printer{now: time.Now()}
	format, template, hasTemplate := strings.Cut(output, "=")
	switch format {
	case formatTable, formatWide, formatYAML, formatJSON, formatName:
		if hasTemplate {
			return nil, fmt.Errorf("output format %q takes no template", format)
		}
	case formatJSONPath:
		if template == "" {
			return nil, fmt.Errorf("template format specified but no template given")
		}
		jp, err := parseJSONPath(template)
		if err != nil {
			return nil, err
		}
		p.jsonpath = jp
	default:
		return nil, fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,jsonpath,name,wide,yaml", output)
	}
	p.format = format
	return p, nil
}

// isTable reports whether the output is a table (plain or wide).
func (p *printer) isTable() bool { return p.format == formatTable || p.format == formatWide }

// printObjects prints objects in a non-table format. single says the user
// asked for one object by name: it is printed alone; otherwise they are
// wrapped in a List, as kubectl does even for one item.
func (p *printer) printObjects(w io.Writer, objs []api.Object, single bool) error {
	if p.format == formatName {
		for _, obj := range objs {
			fmt.Fprintln(w, nameOf(obj))
		}
		return nil
	}
	var data any = listOf(objs)
	if single && len(objs) == 1 {
		data = objs[0]
	}
	switch p.format {
	case formatJSON:
		b, err := json.MarshalIndent(data, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case formatYAML:
		b, err := yaml.Marshal(data)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	case formatJSONPath:
		generic, err := toGeneric(data)
		if err != nil {
			return err
		}
		return p.jsonpath.execute(w, generic)
	}
	return fmt.Errorf("output format %q cannot print objects one by one", p.format)
}

// objectList is the List kubectl prints for several objects.
type objectList struct {
	APIVersion string       `json:"apiVersion"`
	Items      []api.Object `json:"items"`
	Kind       string       `json:"kind"`
	Metadata   struct {
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
}

func listOf(objs []api.Object) objectList {
	if objs == nil {
		objs = []api.Object{}
	}
	return objectList{APIVersion: "v1", Kind: "List", Items: objs}
}

// nameOf is `-o name` for one object: pod/kubia.
func nameOf(obj api.Object) string {
	res, _ := api.ResourceOf(obj)
	return objectLabel(res, obj.GetObjectMeta().Name)
}

// toGeneric turns typed data into what jsonpath walks: maps, slices,
// strings, float64s, bools.
func toGeneric(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

// printTable prints objects of one resource as a table; header says
// whether to print the column names first (watch prints them once). The
// printer remembers the column widths, so that the rows a watch prints
// later line up with the first ones.
func (p *printer) printTable(w io.Writer, res api.Resource, objs []api.Object, header bool) error {
	t := tableFor(res)
	var rows [][]string
	if header && !p.noHeaders {
		cols := t.headers
		if p.format == formatWide {
			cols = append(append([]string(nil), cols...), t.wide...)
		}
		rows = append(rows, p.decorate("NAMESPACE", cols, "LABELS"))
	}
	for _, obj := range objs {
		cells := t.row(obj, p.now)
		if p.format != formatWide {
			cells = cells[:len(t.headers)]
		}
		if p.withKind {
			cells[0] = objectLabel(res, cells[0])
		}
		meta := obj.GetObjectMeta()
		rows = append(rows, p.decorate(meta.Namespace, cells, formatLabels(meta.Labels)))
	}
	var lines []string
	lines, p.widths = alignRows(rows, p.widths)
	for _, l := range lines {
		if _, err := fmt.Fprintln(w, l); err != nil {
			return err
		}
	}
	return nil
}

// decorate adds the NAMESPACE and LABELS columns to a row when asked for.
func (p *printer) decorate(namespace string, cells []string, labels string) []string {
	if p.withNamespace {
		cells = append([]string{namespace}, cells...)
	}
	if p.showLabels {
		cells = append(cells, labels)
	}
	return cells
}

// Tables are aligned as kubectl aligns them: each column as wide as its
// widest cell plus three spaces, and at least six.
const (
	columnPadding  = 3
	columnMinWidth = 6
)

// alignRows pads the cells of rows into aligned lines. widths are the
// column widths to start from (nil the first time); the widths used come
// back, grown where a cell needed more room.
func alignRows(rows [][]string, widths []int) ([]string, []int) {
	for _, r := range rows {
		for i, cell := range r {
			if i == len(widths) {
				widths = append(widths, columnMinWidth)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(cell)+columnPadding)
		}
	}
	lines := make([]string, len(rows))
	for n, r := range rows {
		var b strings.Builder
		for i, cell := range r {
			b.WriteString(cell)
			if i < len(r)-1 { // the last column is not padded
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)))
			}
		}
		lines[n] = b.String()
	}
	return lines, widths
}

// formatLabels prints a label map as a selector: app=kubia,env=dev.
func formatLabels(labels map[string]string) string {
	if len(labels) == 0 {
		return "<none>"
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + labels[k]
	}
	return strings.Join(parts, ",")
}

// age is how long ago t was, in kubectl's short form; <unknown> if unset.
func age(t api.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return humanDuration(now.Sub(t.Time))
}

// humanDuration writes a duration with the precision a human wants: exact
// seconds for the first two minutes, then two units while the smaller one
// still matters, then one: 5s, 3m20s, 52m, 3h4m, 20h, 4d5h, 30d, 2y.
func humanDuration(d time.Duration) string {
	const day, year = 24 * time.Hour, 365 * 24 * time.Hour
	switch {
	case d < -time.Second:
		return "<invalid>"
	case d < 0:
		return "0s"
	case d < 2*time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < 10*time.Minute:
		return twoUnits(d, time.Minute, "m", time.Second, "s")
	case d < 3*time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 8*time.Hour:
		return twoUnits(d, time.Hour, "h", time.Minute, "m")
	case d < 2*day:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	case d < 8*day:
		return twoUnits(d, day, "d", time.Hour, "h")
	case d < 2*year:
		return fmt.Sprintf("%dd", int(d/day))
	case d < 8*year:
		return twoUnits(d, year, "y", day, "d")
	}
	return fmt.Sprintf("%dy", int(d/year))
}

// twoUnits writes d as a whole number of big units and the rest in small
// units, leaving the small part out when it is zero: 3m20s, 3m.
func twoUnits(d, big time.Duration, bigName string, small time.Duration, smallName string) string {
	n := int(d / big)
	rest := int((d % big) / small)
	if rest == 0 {
		return fmt.Sprintf("%d%s", n, bigName)
	}
	return fmt.Sprintf("%d%s%d%s", n, bigName, rest, smallName)
}
