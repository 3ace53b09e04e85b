package openapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"kubelab/pkg/api"
)

// definitions turns pkg/api's Go types into named schemas, the way
// encoding/json sees them: json tags name the properties, embedded
// structs without a name are inlined, pointers are optional values of
// their element type. Each struct becomes one definition, named after the
// group of the first kind that reaches it (PodSpec is core's, even when a
// Deployment reaches it later), as in Kubernetes.
type definitions struct {
	schemas map[string]*Schema      // by definition name
	names   map[reflect.Type]string // Go type → definition name
	refs    map[string][]string     // definition → the definitions it refers to
}

func newDefinitions() *definitions {
	return &definitions{schemas: map[string]*Schema{}, names: map[reflect.Type]string{}, refs: map[string][]string{}}
}

var (
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	apiPackage     = reflect.TypeFor[api.Pod]().PkgPath()
)

// leafSchemas are the types with their own JSON form (MarshalJSON), by Go
// name, as Kubernetes describes their counterparts.
var leafSchemas = map[string]func() *Schema{
	"Time":      func() *Schema { return &Schema{Type: "string", Format: "date-time"} },
	"MicroTime": func() *Schema { return &Schema{Type: "string", Format: "date-time"} },
	"Quantity": func() *Schema {
		return &Schema{OneOf: []*Schema{{Type: "string"}, {Type: "number"}}}
	},
	"IntOrString": func() *Schema {
		return &Schema{Format: "int-or-string", IntOrString: true, OneOf: []*Schema{{Type: "integer"}, {Type: "string"}}}
	},
}

// define makes sure struct type t has a definition and returns its name.
// group and version are those of the kind being walked.
func (d *definitions) define(t reflect.Type, group, version string) (string, error) {
	if name, ok := d.names[t]; ok {
		return name, nil
	}
	if t.PkgPath() != apiPackage || t.Name() == "" {
		return "", fmt.Errorf("type %s is not a named type of package api", t)
	}
	name := definitionName(t.Name(), group, version)
	d.names[t] = name
	if leaf, ok := leafSchemas[t.Name()]; ok {
		s := leaf()
		s.Description = typeDocs[t.Name()]
		d.schemas[name] = s
		return name, nil
	}
	s := &Schema{Type: "object", Description: typeDocs[t.Name()], Properties: map[string]*Schema{}}
	d.schemas[name] = s
	if err := d.addFields(s, name, t, group, version); err != nil {
		return "", err
	}
	return name, nil
}

// addFields adds t's fields to s, inlining embedded structs.
func (d *definitions) addFields(s *Schema, name string, t reflect.Type, group, version string) error {
	for i := range t.NumField() {
		f := t.Field(i)
		jsonName, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if jsonName == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && jsonName == "" {
			if err := d.addFields(s, name, f.Type, group, version); err != nil {
				return err
			}
			continue
		}
		if jsonName == "" {
			jsonName = f.Name
		}
		fs, err := d.schemaOf(f.Type, group, version)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
		}
		if n := refName(fs); n != "" {
			d.refs[name] = append(d.refs[name], n)
		} else {
			d.refs[name] = append(d.refs[name], nestedRefs(fs)...)
		}
		mergeByKey(fs, jsonName, f.Type)
		doc := fieldDocs[t.Name()+"."+f.Name]
		if fs.Type == "string" && enumList.MatchString(doc) {
			fs.Enum = enumValues(doc)
		}
		s.Properties[jsonName] = described(fs, doc)
		if isRequired(f.Type, opts) {
			s.Required = append(s.Required, jsonName)
		}
	}
	return nil
}

// schemaOf returns the schema of a value of type t: a ref for structs,
// the type itself for the rest.
func (d *definitions) schemaOf(t reflect.Type, group, version string) (*Schema, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType {
		return &Schema{Type: "object", PreserveUnknownFields: true}, nil
	}
	switch t.Kind() {
	case reflect.Struct:
		name, err := d.define(t, group, version)
		if err != nil {
			return nil, err
		}
		return ref(name), nil
	case reflect.String:
		return &Schema{Type: "string"}, nil
	case reflect.Bool:
		return &Schema{Type: "boolean"}, nil
	case reflect.Int32, reflect.Uint16, reflect.Uint32:
		return &Schema{Type: "integer", Format: "int32"}, nil
	case reflect.Int, reflect.Int64:
		return &Schema{Type: "integer", Format: "int64"}, nil
	case reflect.Float32, reflect.Float64:
		return &Schema{Type: "number", Format: "double"}, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return &Schema{Type: "string", Format: "byte"}, nil // base64, as encoding/json writes []byte
		}
		items, err := d.schemaOf(t.Elem(), group, version)
		if err != nil {
			return nil, err
		}
		return &Schema{Type: "array", Items: items}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map key %s: only string keys have a JSON form", t.Key())
		}
		values, err := d.schemaOf(t.Elem(), group, version)
		if err != nil {
			return nil, err
		}
		return &Schema{Type: "object", AdditionalProperties: values}, nil
	}
	return nil, fmt.Errorf("no OpenAPI form for Go type %s", t)
}

// enumList matches a string field's comment that lists its values, as
// pkg/api writes them: "Always, OnFailure, Never", "ClusterFirst
// (default), ClusterFirstWithHostNet, Default, None".
var enumList = regexp.MustCompile(`^[A-Z][A-Za-z]*( \(default\))?(, [A-Z][A-Za-z]*( \(default\))?)+$`)

// enumValues returns the values enumList matched, sorted as Kubernetes
// lists them.
func enumValues(doc string) []string {
	values := strings.Split(strings.ReplaceAll(doc, " (default)", ""), ", ")
	sort.Strings(values)
	return values
}

// nestedRefs returns the definitions an array or map schema refers to.
func nestedRefs(s *Schema) []string {
	for s != nil {
		if n := refName(s); n != "" {
			return []string{n}
		}
		if s.Items != nil {
			s = s.Items
		} else {
			s = s.AdditionalProperties
		}
	}
	return nil
}

// mergeByKey marks a list that strategic merge patch merges by a key
// (api.MergeKey, the table kctl apply and the apiserver's patch use):
// containers by name, a container's ports by containerPort.
func mergeByKey(s *Schema, jsonName string, t reflect.Type) {
	if s.Type != "array" {
		return
	}
	elem := t.Elem()
	for elem.Kind() == reflect.Pointer {
		elem = elem.Elem()
	}
	if elem.Kind() != reflect.Struct {
		return
	}
	fields := jsonFieldNames(elem)
	sample := map[string]any{}
	for f := range fields {
		sample[f] = true
	}
	key := api.MergeKey(jsonName, []any{sample})
	if key == "" || !fields[key] {
		return // Endpoints' addresses have no type to merge by
	}
	s.ListType, s.ListMapKeys = "map", []string{key}
	s.PatchStrategy, s.PatchMergeKey = "merge", key
}

// jsonFieldNames returns the JSON names of struct t's fields.
func jsonFieldNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for n := range jsonFieldNames(f.Type) {
				names[n] = true
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name != "-" {
			names[name] = true
		}
	}
	return names
}

// isRequired says whether a field must be given: one that is always
// written (no omitempty) and is a scalar or a list, such as a
// container's name and image or a pod's containers. Objects such as spec
// and metadata are optional in Kubernetes even when always written.
func isRequired(t reflect.Type, opts string) bool {
	if strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") || strings.Contains(opts, "inline") {
		return false
	}
	switch t.Kind() {
	case reflect.String, reflect.Int32, reflect.Int64, reflect.Int, reflect.Slice:
		return true
	}
	return false
}
