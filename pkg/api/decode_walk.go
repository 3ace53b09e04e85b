package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// The walker compares a decoded JSON tree with a Go type, field by field,
// using the json tags the way encoding/json does. It does three things in
// one pass:
//   - it records the paths of fields the type does not have;
//   - it records values of the wrong type, naming the field
//     ("spec.replicas: expected int32, got string \"three\"");
//   - it returns a copy of the tree without the unknown fields.
//
// Types with their own UnmarshalJSON (Quantity, IntOrString, Time) are
// leaves: the walker asks them whether they accept the value.

type walker struct {
	unknown []string
	errs    []string
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func typeOfValue(obj any) reflect.Type {
	t := reflect.TypeOf(obj)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (w *walker) fail(path, msg string) {
	if path != "" {
		msg = path + ": " + msg
	}
	w.errs = append(w.errs, msg)
}

func (w *walker) wrongType(path, want string, got any) {
	w.fail(path, fmt.Sprintf("expected %s, got %s", want, describeJSON(got)))
}

// walk checks v against t and returns v without unknown fields. A JSON null
// is accepted anywhere: it leaves the field at its zero value.
func (w *walker) walk(path string, v any, t reflect.Type) any {
	if v == nil || t == nil {
		return v
	}
	if t.Kind() == reflect.Pointer {
		return w.walk(path, v, t.Elem())
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		b, _ := json.Marshal(v)
		if err := reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(b); err != nil {
			w.fail(path, err.Error())
		}
		return v
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			w.wrongType(path, "object", v)
			return v
		}
		fields := JSONFields(t)
		out := make(map[string]any, len(m))
		for _, k := range sortedKeys(m) {
			f, ok := fields[k]
			if !ok {
				w.unknown = append(w.unknown, joinPath(path, k))
				continue
			}
			out[k] = w.walk(joinPath(path, k), m[k], f)
		}
		return out
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			w.wrongType(path, "object", v)
			return v
		}
		out := make(map[string]any, len(m))
		for _, k := range sortedKeys(m) {
			out[k] = w.walk(joinPath(path, k), m[k], t.Elem())
		}
		return out
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			w.checkBase64(path, v)
			return v
		}
		a, ok := v.([]any)
		if !ok {
			w.wrongType(path, "array", v)
			return v
		}
		out := make([]any, len(a))
		for i := range a {
			out[i] = w.walk(fmt.Sprintf("%s[%d]", path, i), a[i], t.Elem())
		}
		return out
	case reflect.String:
		if _, ok := v.(string); !ok {
			w.wrongType(path, "string", v)
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			w.wrongType(path, "bool", v)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		w.checkNumber(path, v, t, func(s string) error { _, err := strconv.ParseInt(s, 10, t.Bits()); return err })
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		w.checkNumber(path, v, t, func(s string) error { _, err := strconv.ParseUint(s, 10, t.Bits()); return err })
	case reflect.Float32, reflect.Float64:
		w.checkNumber(path, v, t, func(s string) error { _, err := strconv.ParseFloat(s, t.Bits()); return err })
	}
	return v
}

func (w *walker) checkNumber(path string, v any, t reflect.Type, parse func(string) error) {
	n, ok := v.(json.Number)
	if !ok {
		w.wrongType(path, t.Kind().String(), v)
		return
	}
	if err := parse(n.String()); err != nil {
		msg := fmt.Sprintf("expected %s, got number %s", t.Kind(), n)
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			msg += " (out of range)"
		}
		w.fail(path, msg)
	}
}

// checkBase64 checks a []byte field, which JSON carries as base64 text:
// the data of a Secret.
func (w *walker) checkBase64(path string, v any) {
	s, ok := v.(string)
	if !ok {
		w.wrongType(path, "base64-encoded string", v)
		return
	}
	if _, err := base64.StdEncoding.DecodeString(s); err != nil {
		w.fail(path, fmt.Sprintf("expected base64-encoded string (use stringData for plain text): %v", err))
	}
}

// describeJSON names a JSON value's type and shows short values.
func describeJSON(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		if r := []rune(t); len(r) > 40 {
			t = string(r[:37]) + "..."
		}
		return fmt.Sprintf("string %q", t)
	case json.Number:
		return "number " + t.String()
	case float64:
		return "number " + strconv.FormatFloat(t, 'g', -1, 64)
	case bool:
		return fmt.Sprintf("bool %t", t)
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// JSONFields maps the JSON names of a struct's fields to their types,
// including the fields of embedded structs, which encoding/json promotes
// (TypeMeta's apiVersion and kind, a Volume's source fields). A field of
// the outer struct wins over a promoted one of the same name. Any Go type
// works, Kubernetes' own too: the apiserver's wire edge walks those with it.
func JSONFields(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	fields := map[string]reflect.Type{}
	var embedded []reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	for _, e := range embedded {
		for name, ft := range JSONFields(e) {
			if _, ok := fields[name]; !ok {
				fields[name] = ft
			}
		}
	}
	fieldCache.Store(t, fields)
	return fields
}
