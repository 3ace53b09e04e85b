package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kubelab/pkg/api"
)

func (s *Server) servePatch(w http.ResponseWriter, r *http.Request, info requestInfo) {
	body, patchType, st := s.readBody(w, r, patchTypes)
	if st == nil && patchType == "" {
		st = unsupportedMediaType("", patchTypes)
	}
	if st != nil {
		writeStatus(w, st)
		return
	}
	validation, st := readFieldValidation(r) // fieldvalidation.go
	if st != nil {
		writeStatus(w, st)
		return
	}
	duplicates := api.DuplicateFields(body) // in the patch; the patched object has none
	var warnings []string                   // of the last attempt: update may retry
	obj, st := s.update(r.Context(), info, func(cur api.Object) (api.Object, *api.Status) {
		doc, err := json.Marshal(cur)
		if err != nil {
			return nil, internalError(err)
		}
		patched, pinned, err := applyPatch(patchType, doc, body)
		if err != nil {
			return nil, badRequest(err.Error())
		}
		out, unknown, st := decodeBody(patched, info.resource)
		warnings = slices.Concat(duplicates, unknown)
		if st != nil {
			return nil, st
		}
		if err := validation.strict(warnings); err != nil {
			return nil, strictPatchInvalid(patchType, body, patched, err)
		}
		if !pinned {
			// No resourceVersion in the patch: it applies to whatever is current.
			out.GetObjectMeta().ResourceVersion = ""
		}
		return out, nil
	})
	validation.warn(w.Header(), warnings)
	if st != nil {
		writeStatus(w, st)
		return
	}
	writeJSON(w, http.StatusOK, obj)
}

// applyPatch applies a patch to a JSON document. pinned reports whether the
// patch names a resourceVersion, which makes it conditional.
func applyPatch(contentType string, doc, patch []byte) (out []byte, pinned bool, err error) {
	var target any
	if err := json.Unmarshal(doc, &target); err != nil {
		return nil, false, err
	}
	switch contentType {
	case jsonPatch:
		var ops []patchOp
		if err := json.Unmarshal(patch, &ops); err != nil {
			return nil, false, fmt.Errorf("the JSON patch is not a list of operations: %v", err)
		}
		for i, op := range ops {
			if target, err = op.apply(target); err != nil {
				return nil, false, fmt.Errorf("JSON patch operation %d (%s %s): %v", i, api.Shorten(op.Op), api.Shorten(op.Path), err)
			}
			pinned = pinned || op.Path == "/metadata/resourceVersion"
		}
	default:
		var p any
		if err := json.Unmarshal(patch, &p); err != nil {
			return nil, false, fmt.Errorf("the patch is not a JSON object: %v", err)
		}
		pm, ok := p.(map[string]any)
		if !ok {
			return nil, false, fmt.Errorf("the patch must be a JSON object, got %T", p)
		}
		if meta, ok := pm["metadata"].(map[string]any); ok {
			_, pinned = meta["resourceVersion"]
		}
		if contentType == mergePatch {
			target = mergeJSON(target, pm)
		} else {
			target = strategicMerge(target, pm)
		}
	}
	out, err = json.Marshal(target)
	return out, pinned, err
}

// mergeJSON applies an RFC 7386 merge patch: objects merge key by key, null
// deletes, everything else (lists included) replaces.
func mergeJSON(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergeJSON(tm[k], v)
	}
	return tm
}

// primitiveMergeLists are lists of strings merged as sets.
var primitiveMergeLists = map[string]bool{"finalizers": true}

// strategicMerge applies a strategic merge patch: like a merge patch, but
// lists of containers, ports, env, volumes, … merge by their key, and the
// directives $patch: replace|delete and $deleteFromPrimitiveList/<field>
// are understood.
func strategicMerge(target any, patch map[string]any) any {
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	switch patch["$patch"] {
	case "replace":
		out := map[string]any{}
		for k, v := range patch {
			if k != "$patch" {
				out[k] = v
			}
		}
		return out
	case "delete":
		return nil
	}
	for k, v := range patch {
		switch {
		case k == "$patch" || strings.HasPrefix(k, "$setElementOrder/") || k == "$retainKeys":
			continue
		case strings.HasPrefix(k, "$deleteFromPrimitiveList/"):
			field := strings.TrimPrefix(k, "$deleteFromPrimitiveList/")
			tm[field] = removeValues(tm[field], v)
			continue
		case v == nil:
			delete(tm, k)
			continue
		}
		switch pv := v.(type) {
		case map[string]any:
			if merged := strategicMerge(tm[k], pv); merged != nil {
				tm[k] = merged
			} else {
				delete(tm, k)
			}
		case []any:
			old, _ := tm[k].([]any)
			switch key := api.MergeKey(k, append(append([]any(nil), old...), pv...)); {
			case primitiveMergeLists[k]:
				tm[k] = unionValues(old, pv)
			case key != "":
				tm[k] = mergeList(old, pv, key)
			default:
				tm[k] = pv
			}
		default:
			tm[k] = v
		}
	}
	return tm
}

// mergeList merges patch elements into target by key: same key merges,
// $patch: delete removes, new keys are appended.
func mergeList(target, patch []any, key string) []any {
	if replace := slices.IndexFunc(patch, isReplaceDirective); replace >= 0 {
		// {"$patch": "replace"} among the elements: the others are the
		// whole list (kctl apply sends that for a list whose elements
		// share their key, such as ports 53/UDP and 53/TCP).
		var out []any
		for i, pe := range patch {
			if i == replace {
				continue
			}
			if pm, ok := pe.(map[string]any); ok {
				pe = strategicMerge(nil, pm)
			}
			out = append(out, pe)
		}
		return out
	}
	out := append([]any(nil), target...)
	for _, pe := range patch {
		pm, ok := pe.(map[string]any)
		if !ok {
			out = append(out, pe)
			continue
		}
		idx := -1
		for i, te := range out {
			if tmap, ok := te.(map[string]any); ok && fmt.Sprint(tmap[key]) == fmt.Sprint(pm[key]) {
				idx = i
				break
			}
		}
		switch {
		case pm["$patch"] == "delete":
			if idx >= 0 {
				out = append(out[:idx], out[idx+1:]...)
			}
		case idx >= 0:
			if merged := strategicMerge(out[idx], pm); merged != nil {
				out[idx] = merged
			}
		default:
			out = append(out, strategicMerge(nil, pm))
		}
	}
	return out
}

// isReplaceDirective says whether a list element is {"$patch": "replace"}.
func isReplaceDirective(e any) bool {
	m, ok := e.(map[string]any)
	return ok && len(m) == 1 && m["$patch"] == "replace"
}

func unionValues(a, b []any) []any {
	out := append([]any(nil), a...)
	for _, v := range b {
		if !containsValue(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func removeValues(list, remove any) any {
	l, _ := list.([]any)
	r, _ := remove.([]any)
	var out []any
	for _, v := range l {
		if !containsValue(r, v) {
			out = append(out, v)
		}
	}
	return out
}

func containsValue(list []any, v any) bool {
	for _, x := range list {
		if fmt.Sprint(x) == fmt.Sprint(v) {
			return true
		}
	}
	return false
}

// patchOp is one RFC 6902 JSON patch operation; kubelab supports add,
// remove, replace and test (not move and copy).
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// apply applies the operation to doc and returns the new document.
func (op patchOp) apply(doc any) (any, error) {
	switch op.Op {
	case "add", "remove", "replace", "test":
	default:
		return nil, fmt.Errorf("unsupported operation (supported: add, remove, replace, test)")
	}
	tokens, err := parsePointer(op.Path)
	if err != nil {
		return nil, err
	}
	parent, err := walkPointer(doc, tokens[:len(tokens)-1])
	if err != nil {
		return nil, err
	}
	last := tokens[len(tokens)-1]
	switch p := parent.(type) {
	case map[string]any:
		return doc, op.applyToMap(p, last)
	case []any:
		i, err := op.listIndex(p, last)
		if err != nil {
			return nil, err
		}
		if op.Op == "test" {
			return doc, op.test(p[i])
		}
		// Lists are values: the changed list goes back into its parent.
		return setAt(doc, tokens[:len(tokens)-1], op.applyToList(p, i))
	}
	return nil, fmt.Errorf("the parent is not an object or a list")
}

// parsePointer splits an RFC 6901 JSON pointer into its unescaped tokens.
func parsePointer(path string) ([]string, error) {
	if path == "" {
		return nil, fmt.Errorf("path is required")
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("path %s is not a JSON pointer: it must start with /", api.Quote(path))
	}
	tokens := strings.Split(path[1:], "/")
	for i, t := range tokens {
		tokens[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return tokens, nil
}

func (op patchOp) applyToMap(m map[string]any, key string) error {
	cur, exists := m[key]
	if !exists && op.Op != "add" {
		return fmt.Errorf("the path does not exist")
	}
	switch op.Op {
	case "add", "replace":
		m[key] = op.Value
	case "remove":
		delete(m, key)
	case "test":
		return op.test(cur)
	}
	return nil
}

// listIndex reads the index of a list element as RFC 6902 allows it: a
// number of an element, or for add also the one past the last, which "-"
// names too. remove, replace and test need an element that exists, which
// "-" never is.
func (op patchOp) listIndex(list []any, token string) (int, error) {
	if token == "-" {
		if op.Op != "add" {
			return 0, fmt.Errorf(`the index "-" names the end of the list, where there is nothing to %s: it is only valid with add`, op.Op)
		}
		return len(list), nil
	}
	n, err := parseIndex(token)
	if err != nil {
		return 0, err
	}
	last := len(list) - 1
	if op.Op == "add" {
		last = len(list)
	}
	if n > last {
		return 0, fmt.Errorf("index %d is out of range: the list has %d elements", n, len(list))
	}
	return n, nil
}

// parseIndex reads an array index of a JSON pointer: a decimal number
// without leading zeros (RFC 6901).
func parseIndex(token string) (int, error) {
	n, err := strconv.Atoi(token)
	if err != nil || n < 0 || token != strconv.Itoa(n) {
		return 0, fmt.Errorf("%s is not a list index", api.Quote(token))
	}
	return n, nil
}

// applyToList returns a new list with add, replace or remove applied at
// index i, which listIndex checked.
func (op patchOp) applyToList(list []any, i int) []any {
	switch op.Op {
	case "add":
		return append(append(append([]any(nil), list[:i]...), op.Value), list[i:]...)
	case "replace":
		next := append([]any(nil), list...)
		next[i] = op.Value
		return next
	}
	return append(append([]any(nil), list[:i]...), list[i+1:]...) // remove
}

func (op patchOp) test(cur any) error {
	a, _ := json.Marshal(cur)
	b, _ := json.Marshal(op.Value)
	if string(a) != string(b) {
		return fmt.Errorf("test failed: the value is %s", api.Shorten(string(a)))
	}
	return nil
}

// setAt writes v at the value tokens point to, which walkPointer found.
func setAt(doc any, tokens []string, v any) (any, error) {
	if len(tokens) == 0 {
		return v, nil
	}
	parent, err := walkPointer(doc, tokens[:len(tokens)-1])
	if err != nil {
		return nil, err
	}
	last := tokens[len(tokens)-1]
	switch p := parent.(type) {
	case map[string]any:
		p[last] = v
	case []any:
		n, _ := strconv.Atoi(last) // walkPointer went through it
		p[n] = v
	}
	return doc, nil
}

func walkPointer(doc any, tokens []string) (any, error) {
	cur := doc
	for _, t := range tokens {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[t]
			if !ok {
				return nil, fmt.Errorf("the path does not exist at %s", api.Quote(t))
			}
			cur = v
		case []any:
			n, err := parseIndex(t)
			if err != nil {
				return nil, err
			}
			if n >= len(c) {
				return nil, fmt.Errorf("index %d is out of range: the list has %d elements", n, len(c))
			}
			cur = c[n]
		default:
			return nil, fmt.Errorf("the path does not exist at %s", api.Quote(t))
		}
	}
	return cur, nil
}
