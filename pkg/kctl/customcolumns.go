package kctl

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"

	"kubelab/pkg/api"
)

// -o custom-columns=NAME:.metadata.name,IP:.status.podIP prints a table of
// the columns the user names, each a header and a JSONPath, as kubectl's
// CustomColumnsPrinter does: every value the path reaches, joined by
// commas, or <none> when it reaches nothing. -o custom-columns-file=FILE
// reads the same from a file of two lines, the headers and then the paths,
// each separated by blanks:
//
//	NAME          IP
//	.metadata.name .status.podIP
//
// Unlike kctl's own tables, nothing is added: no NAMESPACE with -A, no
// LABELS, and every kind shares the one header.

// customColumn is one column: its header and the path of its values.
type customColumn struct {
	header string
	path   *jpPath
}

// parseCustomColumns reads the spec of -o custom-columns=SPEC.
func parseCustomColumns(spec string) ([]customColumn, error) {
	var cols []customColumn
	for _, part := range strings.Split(spec, ",") {
		header, expr, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("unexpected custom-columns spec: %s, expected <header>:<json-path-expr>", part)
		}
		col, err := newCustomColumn(header, expr)
		if err != nil {
			return nil, err
		}
		cols = append(cols, col)
	}
	return cols, nil
}

// readCustomColumnsFile reads the file of -o custom-columns-file=FILE.
func readCustomColumnsFile(path string) ([]customColumn, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("error reading template %s, %v", path, err)
	}
	defer f.Close()
	const format = "Expected format is one line of space separated headers, one line of space separated column specs."
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return nil, fmt.Errorf("invalid template, missing header line. %s", format)
	}
	headers := strings.Fields(sc.Text())
	if !sc.Scan() {
		return nil, fmt.Errorf("invalid template, missing spec line. %s", format)
	}
	specs := strings.Fields(sc.Text())
	if len(headers) != len(specs) {
		return nil, fmt.Errorf("number of headers (%d) and field specifications (%d) don't match", len(headers), len(specs))
	}
	cols := make([]customColumn, len(headers))
	for i := range headers {
		if cols[i], err = newCustomColumn(headers[i], specs[i]); err != nil {
			return nil, err
		}
	}
	return cols, nil
}

// relaxedPath is what a column's path may look like: a.b, .a.b, {a.b} or
// {.a.b}, all meaning {.a.b} (kubectl's RelaxedJSONPathExpression).
var relaxedPath = regexp.MustCompile(`^\{\.?([^{}]+)\}$|^\.?([^{}]+)$`)

func newCustomColumn(header, expr string) (customColumn, error) {
	m := relaxedPath.FindStringSubmatch(expr)
	if m == nil {
		return customColumn{}, fmt.Errorf("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'")
	}
	field := m[1] + m[2] // one of the two is empty
	path, err := parsePath("." + field)
	if err != nil {
		return customColumn{}, fmt.Errorf("error parsing jsonpath {.%s}: %v", field, err)
	}
	return customColumn{header: header, path: path}, nil
}

// customRows makes the header (when asked for) and a row per object.
func customRows(cols []customColumn, objs []api.Object, header bool) ([][]string, error) {
	var rows [][]string
	if header {
		h := make([]string, len(cols))
		for i, c := range cols {
			h[i] = c.header
		}
		rows = append(rows, h)
	}
	for _, obj := range objs {
		generic, err := toGeneric(obj)
		if err != nil {
			return nil, err
		}
		row := make([]string, len(cols))
		for i, c := range cols {
			row[i] = customCell(c.path.eval(generic, generic))
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// customCell joins the values a column's path reached. Values print as Go
// prints them, as in kubectl (a map reads map[app:kubia]), but numbers
// without an exponent or a trailing .0.
func customCell(values []any) string {
	if len(values) == 0 {
		return "<none>"
	}
	out := make([]string, len(values))
	for i, v := range values {
		switch v.(type) {
		case float64, string:
			out[i] = formatValue(v)
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	return strings.Join(out, ",")
}
