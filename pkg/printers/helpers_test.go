package printers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// rowText is obj's row as kubectl prints its cells, checked to have one
// cell per column of its kind.
func rowText(t *testing.T, obj api.Object, now time.Time) []string {
	t.Helper()
	res, ok := api.ResourceOf(obj)
	if !ok {
		t.Fatalf("%T is not registered", obj)
	}
	cells, cols := Cells(obj, now), Columns(res.Kind)
	if len(cells) != len(cols) {
		t.Fatalf("%d cells for %d columns", len(cells), len(cols))
	}
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = fmt.Sprint(c)
	}
	return out
}

// headers are the column names as kubectl prints them, joined by commas.
func headers(cols []Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = strings.ToUpper(c.Name)
	}
	return strings.Join(names, ",")
}
