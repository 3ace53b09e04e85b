package wire

import (
	"encoding/json"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"kubelab/pkg/api"
)

// kubelab's types have a subset of Kubernetes' fields. A manifest written
// for Kubernetes may set a field kubelab does not implement
// (spec.containers[0].securityContext.runAsUser, say): kubelab's decoder
// calls it unknown, yet a Kubernetes apiserver takes it, even under
// ?fieldValidation=Strict, which kubectl sends by default. KnownField asks
// Kubernetes' own type, so that Strict refuses only what Kubernetes
// refuses (a typo: spec.containers[0].imagePullPolicyy) and kubelab merely
// warns about what it drops.

// KnownField reports whether path names a field of Kubernetes' type for
// apiVersion and kind. The path is written as kubelab's decoder writes
// the unknown fields it finds: JSON names joined by ".", a list's items by
// index ("spec.containers[0].securityContext"), a map's entries by key
// ("metadata.labels.app"). A kind Kubernetes does not define has no
// field Kubernetes knows.
func KnownField(apiVersion, kind, path string) bool {
	obj, err := scheme.New(schema.FromAPIVersionAndKind(apiVersion, kind))
	if err != nil || path == "" {
		return false
	}
	return knownIn(reflect.TypeOf(obj), path)
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// knownIn reports whether rest, a path relative to a value of type t,
// leads through fields t has, the way encoding/json (and Kubernetes'
// decoder, which follows it) would read them.
func knownIn(t reflect.Type, rest string) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if rest == "" {
		return true
	}
	if t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType) {
		// A value that decodes itself (Quantity, Time, IntOrString,
		// RawExtension) has no fields to be unknown: anything below it is
		// its own business.
		return true
	}
	switch t.Kind() {
	case reflect.Struct:
		end := strings.IndexAny(rest, ".[")
		if end < 0 {
			end = len(rest)
		}
		f, ok := api.JSONFields(t)[rest[:end]]
		return ok && knownIn(f, strings.TrimPrefix(rest[end:], "."))
	case reflect.Slice, reflect.Array:
		inner, ok := strings.CutPrefix(rest, "[")
		if !ok {
			return false
		}
		end := strings.IndexByte(inner, ']')
		if end < 0 || strings.Trim(inner[:end], "0123456789") != "" {
			return false
		}
		return knownIn(t.Elem(), strings.TrimPrefix(inner[end+1:], "."))
	case reflect.Map:
		// A key may itself hold "." or "[" (app.kubernetes.io/name), so
		// every place it could end is tried.
		for i := 1; i < len(rest); i++ {
			if (rest[i] == '.' || rest[i] == '[') && knownIn(t.Elem(), strings.TrimPrefix(rest[i:], ".")) {
				return true
			}
		}
		// All of rest is one key: an entry, which any key may name, unless
		// the entries are objects. Then rest names a field of one (the
		// decoder reports fields, never entries), and none was found.
		return !isObject(t.Elem())
	}
	return false // a string, a number or a bool has no fields
}

// isObject reports whether t is a struct that JSON fills field by field.
func isObject(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && !reflect.PointerTo(t).Implements(unmarshalerType)
}
