package kctl

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/yaml"

	"kubelab/pkg/api"
	"kubelab/pkg/printers"
)

// Output formats of -o. The ones ending in -file read their template
// from the file named after "=" (or by --template).
const (
	formatTable             = ""
	formatWide              = "wide"
	formatYAML              = "yaml"
	formatJSON              = "json"
	formatName              = "name"
	formatJSONPath          = "jsonpath"
	formatJSONPathFile      = "jsonpath-file"
	formatCustomColumns     = "custom-columns"
	formatCustomColumnsFile = "custom-columns-file"
)

// printer prints objects in the format -o asked for.
type printer struct {
	format   string
	jsonpath *jsonPath      // jsonpath and jsonpath-file
	columns  []customColumn // custom-columns and custom-columns-file

	noHeaders     bool
	showLabels    bool
	labelColumns  []string // -L: a column per label key
	withNamespace bool     // -A: a NAMESPACE column first
	withKind      bool     // several types: NAME reads pod/kubia
	// tableColumns are the server's columns of the table being printed:
	// a watch's events after the first come without them.
	tableColumns []printers.Column
	widths       []int // of the table columns printed so far
}

// newPrinter checks -o and --template as kubectl does: "", wide, yaml,
// json, name, jsonpath=TEMPLATE, jsonpath-file=FILE,
// custom-columns=SPEC, custom-columns-file=FILE; template, when given,
// is the TEMPLATE, SPEC or FILE of the bare format (-o jsonpath
// --template='{…}').
func newPrinter(output, template string) (*printer, error) {
	p := &printer{}
	format, value, hasValue := strings.Cut(output, "=")
	if template != "" {
		switch {
		case format == formatTable && !hasValue:
			return nil, fmt.Errorf("--template needs -o jsonpath, jsonpath-file, custom-columns or custom-columns-file (kctl has no go-template)")
		case hasValue:
			return nil, unknownFormat(output)
		}
		value, hasValue = template, true
	}
	p.format = format
	switch format {
	case formatTable, formatWide, formatYAML, formatJSON, formatName:
		if hasValue && template == "" {
			return nil, fmt.Errorf("output format %q takes no template", format)
		}
		return p, nil
	case formatJSONPath, formatJSONPathFile:
		if value == "" {
			return nil, fmt.Errorf("template format specified but no template given")
		}
		if format == formatJSONPathFile {
			b, err := os.ReadFile(value)
			if err != nil {
				return nil, fmt.Errorf("error reading --template %s, %v", value, err)
			}
			value = string(b)
		}
		jp, err := parseJSONPath(value)
		if err != nil {
			return nil, err
		}
		p.jsonpath = jp
		return p, nil
	case formatCustomColumns, formatCustomColumnsFile:
		if value == "" {
			return nil, fmt.Errorf("custom-columns format specified but no custom columns given")
		}
		read := parseCustomColumns
		if format == formatCustomColumnsFile {
			read = readCustomColumnsFile
		}
		cols, err := read(value)
		if err != nil {
			return nil, err
		}
		p.columns = cols
		return p, nil
	}
	return nil, unknownFormat(output)
}

// newDataPrinter is newPrinter for commands that print one document, not
// objects of a kind (config view, auth whoami): yaml, json or jsonpath.
func newDataPrinter(output, command string) (*printer, error) {
	p, err := newPrinter(output, "")
	if err != nil {
		return nil, err
	}
	if p.format != formatYAML && p.format != formatJSON && p.jsonpath == nil {
		return nil, fmt.Errorf("output format %q is not supported by %s: use yaml, json or jsonpath", output, command)
	}
	return p, nil
}

func unknownFormat(output string) error {
	return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: "+
		"custom-columns,custom-columns-file,json,jsonpath,jsonpath-file,name,wide,yaml", output)
}

// isTable reports whether the output is one of kctl's tables (plain or
// wide), printed a table per type.
func (p *printer) isTable() bool { return p.format == formatTable || p.format == formatWide }

// hasRows reports whether the output is rows under a header: a table or
// custom columns. A watch prints the header once and a row per change.
func (p *printer) hasRows() bool { return p.isTable() || p.columns != nil }

// printObjects prints objects in a non-table format. single says the user
// asked for one object by name: it is printed alone; otherwise they are
// wrapped in a List, as kubectl does even for one item.
func (p *printer) printObjects(w io.Writer, objs []api.Object, single bool) error {
	switch {
	case p.format == formatName:
		for _, obj := range objs {
			fmt.Fprintln(w, nameOf(obj))
		}
		return nil
	case p.columns != nil: // one table for every kind, as kubectl prints a List
		return p.printTable(w, api.Resource{}, objs, true)
	}
	var data any = listOf(objs)
	if single && len(objs) == 1 {
		data = objs[0]
	}
	return p.printData(w, data)
}

// printData prints anything JSON can encode (an object, a List, kctl's
// config) as -o json, yaml or jsonpath.
func (p *printer) printData(w io.Writer, data any) error {
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
	case formatJSONPath, formatJSONPathFile:
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
// later line up with the first ones. With custom columns, objs are whole
// objects and res does not matter; otherwise they are the rows of the
// server's Table (tableRow).
func (p *printer) printTable(w io.Writer, res api.Resource, objs []api.Object, header bool) error {
	if p.columns != nil {
		rows, err := customRows(p.columns, objs, header && !p.noHeaders)
		if err != nil {
			return err
		}
		return p.writeRows(w, rows)
	}
	for _, obj := range objs {
		if r, ok := obj.(*tableRow); ok && len(r.columns) > 0 {
			p.tableColumns = r.columns
			break
		}
	}
	shown := p.shownColumns()
	var rows [][]string
	if header && !p.noHeaders {
		names := make([]string, len(shown))
		for i, c := range shown {
			names[i] = strings.ToUpper(p.tableColumns[c].Name)
		}
		rows = append(rows, p.decorate("NAMESPACE", names, labelColumnHeaders(p.labelColumns), "LABELS"))
	}
	for _, obj := range objs {
		r, ok := obj.(*tableRow)
		if !ok {
			return fmt.Errorf("kctl: a %T where the row of a table was expected", obj)
		}
		cells := make([]string, len(shown))
		for i, c := range shown {
			if c < len(r.cells) {
				cells[i] = fmt.Sprint(r.cells[c])
			}
			if p.withKind && p.tableColumns[c].Format == "name" {
				cells[i] = objectLabel(res, cells[i])
			}
		}
		rows = append(rows, p.decorate(r.Namespace, cells, labelValues(r.Labels, p.labelColumns), printers.FormatLabels(r.Labels)))
	}
	return p.writeRows(w, rows)
}

// shownColumns are the indexes of the columns printed, in the server's
// order: those of priority 0, and with -o wide all of them.
func (p *printer) shownColumns() []int {
	var shown []int
	for i, c := range p.tableColumns {
		if c.Priority == 0 || p.format == formatWide {
			shown = append(shown, i)
		}
	}
	return shown
}

// writeRows aligns rows with those printed before and writes them.
func (p *printer) writeRows(w io.Writer, rows [][]string) error {
	var lines []string
	lines, p.widths = alignRows(rows, p.widths)
	for _, l := range lines {
		if _, err := fmt.Fprintln(w, l); err != nil {
			return err
		}
	}
	return nil
}

// decorate adds the columns asked for around a row, in kubectl's order:
// NAMESPACE first, then the row, the -L label columns, and LABELS last.
func (p *printer) decorate(namespace string, cells, labelCells []string, labels string) []string {
	if p.withNamespace {
		cells = append([]string{namespace}, cells...)
	}
	cells = append(cells, labelCells...)
	if p.showLabels {
		cells = append(cells, labels)
	}
	return cells
}

// labelColumnHeaders are the headers of -L columns: the key's last path
// segment, upper-cased (app.kubernetes.io/name reads NAME).
func labelColumnHeaders(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = strings.ToUpper(k[strings.LastIndex(k, "/")+1:])
	}
	return out
}

// labelValues are the cells of -L columns: each key's value, empty when
// the object lacks the label.
func labelValues(labels map[string]string, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = labels[k]
	}
	return out
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
