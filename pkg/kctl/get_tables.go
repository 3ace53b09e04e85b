package kctl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/printers"
)

// kctl prints tables as kubectl does: it asks the server for a Table
// (the columns, and each object's cells rendered, ages included) and only
// lines the cells up. The columns live in pkg/printers, which the
// apiserver renders with; kctl keeps no copy of them.

// tableAccept is the Accept header of kubectl's get: a v1 Table, else a
// v1beta1 one, else plain JSON.
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io," +
	"application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"

// tableRow is one row of a server's Table where kctl handles objects
// (a list, a watch, newerThan): it reads as the object of the row, by
// that object's metadata, and carries the cells.
type tableRow struct {
	api.TypeMeta
	api.ObjectMeta
	// columns are the Table's column definitions, on the rows of a table
	// that had them: a list's, a watch's first event's.
	columns []printers.Column
	cells   []any
	// object is the row's object as the server sent it: its metadata, or
	// the whole object when asked for (includeObject=Object).
	object json.RawMessage
}

// rowsOf turns a Table into rows, each with the metadata of its object.
func rowsOf(t *printers.Table) ([]api.Object, error) {
	rows := make([]api.Object, 0, len(t.Rows))
	for _, r := range t.Rows {
		row := &tableRow{columns: t.ColumnDefinitions, cells: r.Cells, object: r.Object}
		if len(r.Object) > 0 {
			var partial struct {
				api.TypeMeta
				Metadata api.ObjectMeta `json:"metadata"`
			}
			if err := json.Unmarshal(r.Object, &partial); err != nil {
				return nil, fmt.Errorf("decoding the object of a table row: %w", err)
			}
			row.TypeMeta, row.ObjectMeta = partial.TypeMeta, partial.Metadata
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// decodeTable reads a Table, keeping integer cells as the numbers they
// are (json.Number), not float64s that would print as 1e+06.
func decodeTable(b []byte) (*printers.Table, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var t printers.Table
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("decoding the table: %w", err)
	}
	if t.Kind != "Table" {
		return nil, fmt.Errorf("the server answered with a %q, not a Table: it cannot print tables", t.Kind)
	}
	return &t, nil
}

// decodeWatchedRow is a watch event's object, a Table of one row, as a
// tableRow. A bookmark's Table has no rows, only a resourceVersion.
func decodeWatchedRow(b []byte) (api.Object, error) {
	t, err := decodeTable(b)
	if err != nil {
		return nil, err
	}
	rows, err := rowsOf(t)
	if err != nil || len(rows) == 0 {
		return &tableRow{ObjectMeta: api.ObjectMeta{ResourceVersion: t.Metadata.ResourceVersion}}, err
	}
	return rows[0], nil
}

// tableQuery is the query of a list or watch of Tables. Events come with
// their whole object, so that they can be put in the order they happened
// (kubectl asks for whole objects the same way for --sort-by).
func tableQuery(res api.Resource, opts client.ListOptions) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"labelSelector": opts.LabelSelector, "fieldSelector": opts.FieldSelector,
		"resourceVersion": opts.ResourceVersion} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if opts.Limit > 0 { // --chunk-size: pages, joined by listTable
		q.Set("limit", strconv.FormatInt(opts.Limit, 10))
	}
	if res.Kind == "Event" {
		q.Set("includeObject", printers.IncludeObject)
	}
	return q
}

// listTable lists a resource as Table rows, following the server's
// continue tokens, and returns the version to watch from.
func listTable(ctx context.Context, rc *client.ResourceClient, res api.Resource, opts client.ListOptions) ([]api.Object, string, error) {
	ctx = client.WithAccept(ctx, tableAccept)
	q := tableQuery(res, opts)
	var rows []api.Object
	for {
		b, err := rc.Raw(ctx, http.MethodGet, "", "", q, nil, "")
		if err != nil {
			return nil, "", err
		}
		t, err := decodeTable(b)
		if err != nil {
			return nil, "", err
		}
		page, err := rowsOf(t)
		if err != nil {
			return nil, "", err
		}
		rows = append(rows, page...)
		if t.Metadata.Continue == "" {
			if res.Kind == "Event" {
				err = sortEventRows(rows)
			}
			return rows, t.Metadata.ResourceVersion, err
		}
		q.Set("continue", t.Metadata.Continue)
		q.Del("resourceVersion")
	}
}

// getTableRow reads one object as the row of a Table.
func getTableRow(ctx context.Context, rc *client.ResourceClient, name string) (api.Object, error) {
	b, err := rc.Raw(client.WithAccept(ctx, tableAccept), http.MethodGet, name, "", nil, nil, "")
	if err != nil {
		return nil, err
	}
	t, err := decodeTable(b)
	if err != nil {
		return nil, err
	}
	rows, err := rowsOf(t)
	if err != nil {
		return nil, err
	}
	if len(rows) != 1 {
		return nil, fmt.Errorf("the server's table of %s has %d rows, want 1", name, len(rows))
	}
	return rows[0], nil
}

// source reads the objects of get: the rows of the server's Tables when
// printing a table, else whole objects (yaml, json, custom columns…).
type source struct {
	rc     *client.ResourceClient
	res    api.Resource
	tables bool
}

// list returns the objects, and the version to watch from. Events come
// in the order they happened (sortEvents), which is how one reads them;
// the server returns them by name.
func (s source) list(ctx context.Context, opts client.ListOptions) ([]api.Object, string, error) {
	if s.tables {
		return listTable(ctx, s.rc, s.res, opts)
	}
	objs, rv, err := s.rc.List(ctx, opts)
	if err == nil && s.res.Kind == "Event" {
		sortEvents(objs)
	}
	return objs, rv, err
}

func (s source) get(ctx context.Context, name string) (api.Object, error) {
	if s.tables {
		return getTableRow(ctx, s.rc, name)
	}
	return s.rc.Get(ctx, name)
}

// watch streams the changes; as Tables, each event is a Table of one row.
func (s source) watch(ctx context.Context, opts client.ListOptions) (*client.Watcher, error) {
	if s.tables {
		return s.rc.WatchAs(ctx, opts, tableAccept, decodeWatchedRow)
	}
	return s.rc.Watch(ctx, opts)
}

// sortEventRows puts rows of Events in the order the events happened
// (sortEvents), from the whole Events the rows carry.
func sortEventRows(rows []api.Object) error {
	events := make(map[*api.Event]api.Object, len(rows))
	objs := make([]api.Object, len(rows))
	for i, r := range rows {
		e := &api.Event{}
		if object := r.(*tableRow).object; len(object) > 0 {
			if err := json.Unmarshal(object, e); err != nil {
				return fmt.Errorf("decoding an event of the table: %w", err)
			}
		}
		events[e], objs[i] = r, e
	}
	sortEvents(objs)
	for i, o := range objs {
		rows[i] = events[o.(*api.Event)]
	}
	return nil
}
