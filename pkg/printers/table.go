package printers

import (
	"cmp"
	"encoding/json"
	"time"

	"kubelab/pkg/api"
)

// A Table is what kubectl prints: the server renders each object into
// cells under column definitions, and the client only lines them up. This
// way a new column, or a new kind, needs no new client. It is Kubernetes'
// meta.k8s.io/v1 Table on the wire.
type Table struct {
	api.TypeMeta `json:",inline"`
	Metadata     ListMeta `json:"metadata"`
	// ColumnDefinitions is empty in every watch event after the first:
	// the client keeps the first ones.
	ColumnDefinitions []Column `json:"columnDefinitions"`
	Rows              []Row    `json:"rows"`
}

// ListMeta is the metadata of a Table: the version it was read at, and
// for a page of a list, where the next page starts.
type ListMeta struct {
	ResourceVersion    string `json:"resourceVersion,omitempty"`
	Continue           string `json:"continue,omitempty"`
	RemainingItemCount *int64 `json:"remainingItemCount,omitempty"`
}

// Column is one column of a table (TableColumnDefinition). Priority 0
// columns are always shown, priority 1 only by -o wide.
type Column struct {
	Name string `json:"name"`
	// Type is an OpenAPI type: string, integer, number, boolean, date.
	Type string `json:"type"`
	// Format "name" marks the column holding the object's name, which
	// kubectl prefixes with the kind (pod/kubia) when it prints several.
	Format      string `json:"format"`
	Description string `json:"description"`
	Priority    int32  `json:"priority"`
}

// Row is one object's cells, one per column, and the object itself as the
// client asked for it: its metadata (PartialObjectMetadata), the whole
// object, or nothing.
type Row struct {
	Cells  []any           `json:"cells"`
	Object json.RawMessage `json:"object,omitempty"`
}

// PartialObjectMetadata is an object reduced to its metadata: what a
// table row carries by default, and enough for kubectl's NAMESPACE and
// LABELS columns.
type PartialObjectMetadata struct {
	api.TypeMeta `json:",inline"`
	Metadata     api.ObjectMeta `json:"metadata"`
}

// Partial is obj's PartialObjectMetadata, of apiVersion version.
func Partial(obj api.Object, version string) PartialObjectMetadata {
	return PartialObjectMetadata{TypeMeta: api.TypeMeta{APIVersion: version, Kind: "PartialObjectMetadata"},
		Metadata: *obj.GetObjectMeta()}
}

// Values of includeObject: what each row carries.
const (
	IncludeMetadata = "Metadata"
	IncludeObject   = "Object"
	IncludeNone     = "None"
)

// Options shape a Table.
type Options struct {
	// APIVersion is the Table's, and that of the metadata rows carry:
	// meta.k8s.io/v1 (the default) or meta.k8s.io/v1beta1.
	APIVersion string
	// NoHeaders leaves out the column definitions (a watch sends them
	// with its first event only).
	NoHeaders bool
	// IncludeObject is IncludeMetadata (the default), IncludeObject or
	// IncludeNone.
	IncludeObject string
}

// printer is the table of one kind: its columns, and the cells of one
// object's row, one per column.
type printer struct {
	columns []Column
	cells   func(obj api.Object, now time.Time) []any
}

// defaultPrinter is Kubernetes' table for a kind without a printer of its
// own: the name and when it was made, as a timestamp.
var defaultPrinter = printer{
	columns: []Column{name(), {Name: "Created At", Type: "date", Description: ageDescription}},
	cells: func(obj api.Object, now time.Time) []any {
		m := obj.GetObjectMeta()
		return []any{m.Name, createdAt(m.CreationTimestamp)}
	},
}

// createdAt is the CREATED AT column: RFC 3339 in UTC.
func createdAt(t api.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return t.UTC().Format(time.RFC3339)
}

func printerFor(kind string) printer {
	if p, ok := printers[kind]; ok {
		return p
	}
	return defaultPrinter
}

// Columns returns the columns of kind's table.
func Columns(kind string) []Column { return printerFor(kind).columns }

// Cells returns obj's row: one cell per column of its kind, wide ones
// included. now is what ages are measured from.
func Cells(obj api.Object, now time.Time) []any {
	res, _ := api.ResourceOf(obj)
	return printerFor(res.Kind).cells(obj, now)
}

// NewTable renders objs, all of one kind, into a Table. Objects without
// apiVersion and kind (list items) get them, so that a row carrying the
// whole object says what it is.
func NewTable(kind string, objs []api.Object, now time.Time, opts Options) (*Table, error) {
	p := printerFor(kind)
	version := cmp.Or(opts.APIVersion, "meta.k8s.io/v1")
	t := &Table{TypeMeta: api.TypeMeta{APIVersion: version, Kind: "Table"}, Rows: []Row{}}
	if !opts.NoHeaders {
		t.ColumnDefinitions = p.columns
	}
	for _, obj := range objs {
		api.SetTypeMeta(obj)
		row := Row{Cells: p.cells(obj, now)}
		var object any
		switch opts.IncludeObject {
		case IncludeObject:
			object = obj
		case IncludeNone:
		default:
			object = Partial(obj, version)
		}
		if object != nil {
			b, err := json.Marshal(object)
			if err != nil {
				return nil, err
			}
			row.Object = b
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// Descriptions of the columns every kind has, Kubernetes' own words.
const (
	nameDescription = "Name must be unique within a namespace. Is required when creating resources, although some " +
		"resources may allow a client to request the generation of an appropriate name automatically. Name is primarily " +
		"intended for creation idempotence and configuration definition. Cannot be updated. More info: " +
		"https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
	ageDescription = "CreationTimestamp is a timestamp representing the server time when this object was created. It is " +
		"not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It " +
		"is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: " +
		"https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)

func name() Column {
	return Column{Name: "Name", Type: "string", Format: "name", Description: nameDescription}
}

func age() Column { return col("Age", "string", ageDescription) }

func col(name, typ, description string) Column {
	return Column{Name: name, Type: typ, Description: description}
}

// wide is a column only -o wide shows.
func wide(name, typ, description string) Column {
	return Column{Name: name, Type: typ, Description: description, Priority: 1}
}

// templateWide are the wide columns of the controllers of pods: their
// containers and images, and the selector unless the kind has none
// (StatefulSet).
func templateWide(selector bool) []Column {
	cols := []Column{
		wide("Containers", "string", "Names of each container in the template."),
		wide("Images", "string", "Images referenced by each container in the template."),
	}
	if selector {
		cols = append(cols, wide("Selector", "string", "Label selector for pods."))
	}
	return cols
}
