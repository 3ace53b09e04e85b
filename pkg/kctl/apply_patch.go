package kctl

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"kubelab/pkg/api"
)

// How apply decides what to send: a three-way merge, as kubectl does it.
//
// Three versions of an object meet:
//
//	original  the manifest applied last time, kept on the object in the
//	          last-applied annotation
//	modified  the manifest applied now
//	current   the live object, with everything the system added (status,
//	          defaults, a cluster IP, …)
//
// The patch sets every field of modified that current does not already
// have with that value, and deletes (null) every field that original had
// and modified dropped. Fields that only current has are left alone: the
// user never wrote them, so apply must not take them away. Lists of named
// things (containers, ports, env, …) are compared element by element by
// their key, as the server's strategic merge applies them; other lists are
// replaced whole. An empty patch means the object is unchanged.

// lastAppliedAnnotation holds the manifest of the last apply.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// What apply did to an object, as printed after its name.
const (
	actionCreated    = "created"
	actionConfigured = "configured"
	actionUnchanged  = "unchanged"
)

// manifestMap is the object as apply records and compares it: its JSON
// with null values removed (the Go types write some fields the manifest
// did not have as null) and without the last-applied annotation itself.
func manifestMap(obj api.Object) (map[string]any, error) {
	m, err := toMap(obj)
	if err != nil {
		return nil, err
	}
	if meta, ok := m["metadata"].(map[string]any); ok {
		if ann, ok := meta["annotations"].(map[string]any); ok {
			delete(ann, lastAppliedAnnotation)
			if len(ann) == 0 {
				delete(meta, "annotations")
			}
		}
	}
	return dropNulls(m).(map[string]any), nil
}

// toMap turns a typed object into generic JSON.
func toMap(obj any) (map[string]any, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

func dropNulls(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil {
				delete(t, k)
			} else {
				t[k] = dropNulls(e)
			}
		}
	case []any:
		for i := range t {
			t[i] = dropNulls(t[i])
		}
	}
	return v
}

// planApply decides what apply does with one object: actionCreated when
// there is no live object (the caller creates it, with the annotation),
// else actionConfigured with the strategic merge patch to send, or
// actionUnchanged.
func planApply(modified, current map[string]any) (string, []byte, error) {
	if current == nil {
		return actionCreated, nil, nil
	}
	annotation, err := json.Marshal(modified)
	if err != nil {
		return "", nil, err
	}
	original := lastApplied(current)
	patch := diffMaps(original, modified, current)
	if annotationOf(current) != string(annotation) {
		meta, _ := patch["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
			patch["metadata"] = meta
		}
		ann, _ := meta["annotations"].(map[string]any)
		if ann == nil {
			ann = map[string]any{}
			meta["annotations"] = ann
		}
		ann[lastAppliedAnnotation] = string(annotation)
	}
	if len(patch) == 0 {
		return actionUnchanged, nil, nil
	}
	b, err := json.Marshal(patch)
	return actionConfigured, b, err
}

// annotationOf returns the last-applied annotation of a live object.
func annotationOf(obj map[string]any) string {
	meta, _ := obj["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	s, _ := ann[lastAppliedAnnotation].(string)
	return s
}

// lastApplied parses the last-applied annotation; nil when the object has
// none (it was made by create) or it is not JSON.
func lastApplied(obj map[string]any) map[string]any {
	var m map[string]any
	if s := annotationOf(obj); s != "" {
		_ = json.Unmarshal([]byte(s), &m)
	}
	return m
}

// diffMaps returns the patch for one JSON object; see the top of the file.
func diffMaps(original, modified, current map[string]any) map[string]any {
	patch := map[string]any{}
	for k, mv := range modified {
		cv, live := current[k]
		if !live {
			patch[k] = mv
			continue
		}
		if d, changed := diffValues(k, original[k], mv, cv); changed {
			patch[k] = d
		}
	}
	for k := range original {
		if _, kept := modified[k]; kept {
			continue
		}
		if _, live := current[k]; live {
			patch[k] = nil // the user removed it from the manifest
		}
	}
	return patch
}

// diffValues compares one field; field is its name, which says how a list
// merges.
func diffValues(field string, original, modified, current any) (any, bool) {
	switch m := modified.(type) {
	case map[string]any:
		c, ok := current.(map[string]any)
		if !ok {
			return m, true
		}
		o, _ := original.(map[string]any)
		d := diffMaps(o, m, c)
		return d, len(d) > 0
	case []any:
		c, ok := current.([]any)
		if key := mergeKey(field, m); ok && key != "" {
			o, _ := original.([]any)
			d := diffList(key, o, m, c)
			return d, len(d) > 0
		}
		if ok && api.MergeKey(field, m) != "" {
			// A list that merges by a key some of its elements share,
			// such as ports 53/UDP and 53/TCP: merging by that key would
			// pair them up wrongly, so the patch replaces the list whole,
			// unless each element is already there as written.
			if len(m) == len(c) && elementsKept(m, c) {
				return nil, false
			}
			return append(slices.Clone(m), map[string]any{"$patch": "replace"}), true
		}
	}
	if reflect.DeepEqual(modified, current) {
		return nil, false
	}
	return modified, true
}

// diffList is diffMaps for a list merged by key: changed and new elements,
// plus a {"$patch": "delete"} for each element the user removed.
func diffList(key string, original, modified, current []any) []any {
	patch := []any{}
	for _, e := range modified {
		me := e.(map[string]any)
		ce := findByKey(current, key, me[key])
		if ce == nil {
			patch = append(patch, me)
			continue
		}
		if d := diffMaps(findByKey(original, key, me[key]), me, ce); len(d) > 0 {
			d[key] = me[key]
			patch = append(patch, d)
		}
	}
	for _, e := range original {
		oe, ok := e.(map[string]any)
		if !ok || findByKey(modified, key, oe[key]) != nil || findByKey(current, key, oe[key]) == nil {
			continue
		}
		patch = append(patch, map[string]any{key: oe[key], "$patch": "delete"})
	}
	return patch
}

func findByKey(list []any, key string, value any) map[string]any {
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && fmt.Sprint(m[key]) == fmt.Sprint(value) {
			return m
		}
	}
	return nil
}

// elementsKept says whether each element of modified is in current at the
// same place, with every field as modified has it (current may hold more:
// the server's defaults).
func elementsKept(modified, current []any) bool {
	for i, e := range modified {
		me, ok1 := e.(map[string]any)
		ce, ok2 := current[i].(map[string]any)
		if !ok1 || !ok2 {
			if !reflect.DeepEqual(e, current[i]) {
				return false
			}
			continue
		}
		if len(diffMaps(me, me, ce)) > 0 {
			return false
		}
	}
	return true
}

// mergeKey returns the key list field merges by (api.MergeKey, the table
// the apiserver merges with), or "" to replace it whole, also when some
// element lacks the key, or shares it with another, which merging could
// not place.
func mergeKey(field string, list []any) string {
	key := api.MergeKey(field, list)
	if key == "" {
		return ""
	}
	seen := map[string]bool{}
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok || m[key] == nil || seen[fmt.Sprint(m[key])] {
			return ""
		}
		seen[fmt.Sprint(m[key])] = true
	}
	return key
}
