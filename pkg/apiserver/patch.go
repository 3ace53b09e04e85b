package apiserver

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"kubelab/pkg/api"
)

// Patch content types.
const (
	mergePatch     = "application/merge-patch+json"
	strategicPatch = "application/strategic-merge-patch+json"
	jsonPatch      = "application/json-patch+json"
)

func (s *Server) servePatch(w http.ResponseWriter, r *http.Request, info requestInfo) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case mergePatch, strategicPatch, jsonPatch:
	default:
		writeStatus(w, statusErr(http.StatusUnsupportedMediaType, "UnsupportedMediaType",
			fmt.Sprintf("the body of the request was in an unknown format %q - accepted media types include: %s, %s, %s",
				ct, jsonPatch, mergePatch, strategicPatch)))
		return
	}
	body, st := s.readBody(w, r)
	if st != nil {
		writeStatus(w, st)
		return
	}
	obj, st := s.update(r.Context(), info, func(cur api.Object) (api.Object, *api.Status) {
		doc, err := json.Marshal(cur)
		if err != nil {
			return nil, internalError(err)
		}
		patched, pinned, err := applyPatch(ct, doc, body)
		if err != nil {
			return nil, badRequest(err.Error())
		}
		out, st := decodeBody(w, patched, info.resource)
		if st != nil {
			return nil, st
		}
		if !pinned {
			// No resourceVersion in the patch: it applies to whatever is current.
			out.GetObjectMeta().ResourceVersion = ""
		}
		return out, nil
	})
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
				return nil, false, fmt.Errorf("JSON patch operation %d (%s %s): %v", i, op.Op, op.Path, err)
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

// listMergeKeys says which lists a strategic merge patch merges element by
// element, and by which key, as Kubernetes' patchMergeKey tags do. Lists
// not named here are replaced whole.
var listMergeKeys = map[string]string{
	"containers": "name", "initContainers": "name", "volumes": "name", "env": "name",
	"volumeMounts": "mountPath", "conditions": "type", "addresses": "type", "taints": "key",
	"ownerReferences": "uid", "imagePullSecrets": "name",
	"ports": "port", // containerPort for container ports: see mergeKeyFor
}

// primitiveMergeLists are lists of strings merged as sets.
var primitiveMergeLists = map[string]bool{"finalizers": true}

func mergeKeyFor(field string, elems []any) string {
	key := listMergeKeys[field]
	if field == "ports" {
		for _, e := range elems {
			if m, ok := e.(map[string]any); ok {
				if _, ok := m["containerPort"]; ok {
					return "containerPort"
				}
			}
		}
	}
	return key
}

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
			switch key := mergeKeyFor(k, append(append([]any(nil), old...), pv...)); {
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
// remove, replace and test.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

func (op patchOp) apply(doc any) (any, error) {
	if op.Path == "" {
		return nil, fmt.Errorf("path is required")
	}
	tokens := strings.Split(strings.TrimPrefix(op.Path, "/"), "/")
	for i, t := range tokens {
		tokens[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	parent, err := walkPointer(doc, tokens[:len(tokens)-1])
	if err != nil {
		return nil, err
	}
	last := tokens[len(tokens)-1]
	switch p := parent.(type) {
	case map[string]any:
		cur, exists := p[last]
		switch op.Op {
		case "add", "replace":
			if op.Op == "replace" && !exists {
				return nil, fmt.Errorf("the path does not exist")
			}
			p[last] = op.Value
		case "remove":
			if !exists {
				return nil, fmt.Errorf("the path does not exist")
			}
			delete(p, last)
		case "test":
			a, _ := json.Marshal(cur)
			b, _ := json.Marshal(op.Value)
			if string(a) != string(b) {
				return nil, fmt.Errorf("test failed: the value is %s", a)
			}
		default:
			return nil, fmt.Errorf("unsupported operation (supported: add, remove, replace, test)")
		}
		return doc, nil
	case []any:
		return doc, op.applyToList(doc, tokens, p, last)
	}
	return nil, fmt.Errorf("the parent is not an object or a list")
}

func (op patchOp) applyToList(doc any, tokens []string, list []any, last string) error {
	if len(tokens) < 2 {
		return fmt.Errorf("the document root is not a list")
	}
	var i int
	if last == "-" {
		i = len(list)
	} else {
		n, err := strconv.Atoi(last)
		if err != nil || n < 0 || n > len(list) || (n == len(list) && op.Op != "add") {
			return fmt.Errorf("index %q is out of range", last)
		}
		i = n
	}
	var next []any
	switch op.Op {
	case "add":
		next = append(append(append([]any(nil), list[:i]...), op.Value), list[i:]...)
	case "replace":
		next = append([]any(nil), list...)
		next[i] = op.Value
	case "remove":
		next = append(append([]any(nil), list[:i]...), list[i+1:]...)
	case "test":
		a, _ := json.Marshal(list[i])
		b, _ := json.Marshal(op.Value)
		if string(a) != string(b) {
			return fmt.Errorf("test failed: the value is %s", a)
		}
		return nil
	default:
		return fmt.Errorf("unsupported operation (supported: add, remove, replace, test)")
	}
	// Lists are values: write the new one into its parent.
	grand, err := walkPointer(doc, tokens[:len(tokens)-2])
	if err != nil {
		return err
	}
	switch g := grand.(type) {
	case map[string]any:
		g[tokens[len(tokens)-2]] = next
	case []any:
		n, _ := strconv.Atoi(tokens[len(tokens)-2])
		g[n] = next
	}
	return nil
}

func walkPointer(doc any, tokens []string) (any, error) {
	cur := doc
	for _, t := range tokens {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[t]
			if !ok {
				return nil, fmt.Errorf("the path does not exist at %q", t)
			}
			cur = v
		case []any:
			n, err := strconv.Atoi(t)
			if err != nil || n < 0 || n >= len(c) {
				return nil, fmt.Errorf("index %q is out of range", t)
			}
			cur = c[n]
		default:
			return nil, fmt.Errorf("the path does not exist at %q", t)
		}
	}
	return cur, nil
}
