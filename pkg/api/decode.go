package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// Decoding turns a manifest, YAML or JSON, into a typed object:
//
//	docs, err := api.SplitDocuments(file)     // "---" separated, Lists expanded
//	obj, res, warnings, err := api.Decode(docs[0])
//
// It goes in three steps. The YAML is converted to JSON; the JSON is walked
// against the Go type of the kind its apiVersion and kind name, which finds
// the fields the type does not have (reported as warnings, never errors,
// as Kubernetes does) and the values of the wrong type (errors naming the
// field); then the cleaned JSON is unmarshalled into the object. A field
// given twice in JSON is a warning too (decode_duplicates.go). The
// warnings are worded as Kubernetes' strict decoding errors, which is
// what the apiserver turns them into under ?fieldValidation=Strict.

var utf8BOM = []byte("\xef\xbb\xbf")

// SplitDocuments cuts a manifest file into one document per object. YAML
// documents are separated by "---" lines; empty and comment-only documents
// are dropped. A JSON file may hold one object or several in a row. A
// document of kind List (or FooList) with items is replaced by its items.
//
// Each YAML document keeps its "---" line, so that the line numbers in
// errors count from that line.
func SplitDocuments(data []byte) ([][]byte, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		if docs, err := splitJSON(trimmed); err == nil {
			return docs, nil
		}
		// Not a JSON stream: it may be YAML in flow style, or broken JSON,
		// which Decode reports with its position.
	}
	var docs [][]byte
	start, lineStart := 0, 0
	for lineStart < len(data) {
		end := bytes.IndexByte(data[lineStart:], '\n')
		next := len(data)
		if end >= 0 {
			next = lineStart + end + 1
		}
		if isDocumentSeparator(data[lineStart:next]) && lineStart > start {
			chunk, err := expandDocument(data[start:lineStart])
			if err != nil {
				return nil, err
			}
			docs = append(docs, chunk...)
			start = lineStart
		}
		lineStart = next
	}
	chunk, err := expandDocument(data[start:])
	if err != nil {
		return nil, err
	}
	return append(docs, chunk...), nil
}

func isDocumentSeparator(line []byte) bool {
	l := strings.TrimRight(string(line), " \t\r\n")
	return l == "---" || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "---\t")
}

// expandDocument drops a document with nothing but comments and markers,
// and replaces a List by its items.
func expandDocument(doc []byte) ([][]byte, error) {
	blank := true
	for _, line := range strings.Split(string(doc), "\n") {
		l := strings.TrimSpace(line)
		if l != "" && !strings.HasPrefix(l, "#") && !isDocumentSeparator([]byte(l)) && l != "..." {
			blank = false
			break
		}
	}
	if blank {
		return nil, nil
	}
	// Converting every document just to look for a List is wasteful; only
	// a document that mentions one can be one.
	if bytes.Contains(doc, []byte("List")) {
		if j, err := yaml.YAMLToJSON(doc); err == nil {
			if items, isList, err := listItems(j); isList {
				return items, err
			}
		}
	}
	return [][]byte{doc}, nil
}

func splitJSON(data []byte) ([][]byte, error) {
	var docs [][]byte
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			return docs, nil
		} else if err != nil {
			return nil, err
		}
		items, isList, err := listItems(raw)
		if err != nil {
			return nil, err
		}
		if !isList {
			items = [][]byte{raw}
		}
		docs = append(docs, items...)
	}
}

// listItems returns the items of a JSON List, each as JSON, expanding
// nested lists.
func listItems(j []byte) ([][]byte, bool, error) {
	var head struct {
		Kind  any             `json:"kind"`
		Items json.RawMessage `json:"items"`
	}
	if json.Unmarshal(j, &head) != nil {
		return nil, false, nil
	}
	kind, _ := head.Kind.(string)
	if kind != "List" && !(strings.HasSuffix(kind, "List") && head.Items != nil) {
		return nil, false, nil
	}
	var items []json.RawMessage
	if head.Items != nil {
		if err := json.Unmarshal(head.Items, &items); err != nil {
			return nil, true, fmt.Errorf("the items of a %s must be a list of objects", kind)
		}
	}
	var docs [][]byte
	for _, item := range items {
		nested, isList, err := listItems(item)
		switch {
		case err != nil:
			return nil, true, err
		case isList:
			docs = append(docs, nested...)
		default:
			docs = append(docs, item)
		}
	}
	return docs, true, nil
}

// Decode decodes one object, choosing its Go type by apiVersion and kind.
// The warnings name the fields the type does not have, and those given
// twice: unknown field "spec.containers[0].imagePullPolcy",
// duplicate field "metadata.name". When the kind is known
// but a field has a value of the wrong type, the error comes with the
// Resource, so that the caller can say what it was decoding.
func Decode(data []byte) (Object, Resource, []string, error) {
	docs, err := SplitDocuments(data)
	if err != nil {
		return nil, Resource{}, nil, err
	}
	switch len(docs) {
	case 0:
		return nil, Resource{}, nil, errors.New("no object found: the input is empty or only comments")
	case 1:
	default:
		return nil, Resource{}, nil, fmt.Errorf("the input holds %d objects; decode them one by one (see SplitDocuments)", len(docs))
	}
	top, err := parseObject(docs[0])
	if err != nil {
		return nil, Resource{}, nil, err
	}
	apiVersion, kind, err := typeOf(top)
	if err != nil {
		return nil, Resource{}, nil, err
	}
	res, err := ForKind(apiVersion, kind)
	if err != nil {
		return nil, Resource{}, nil, err
	}
	obj := res.New()
	warnings, err := decodeTree(top, obj)
	warnings = append(warnings, duplicatesIn(docs[0])...)
	if err != nil {
		return nil, res, warnings, err
	}
	return obj, res, warnings, nil
}

// DecodeInto decodes one object into obj, whose type the caller already
// knows (the apiserver, from the URL). obj should be empty. If the data
// names an apiVersion or kind, it must be obj's.
func DecodeInto(data []byte, obj Object) ([]string, error) {
	if decodeClean(data, obj) { // the common case, in one pass (decode_clean.go)
		return nil, nil
	}
	return decodeCareful(data, obj)
}

// decodeCareful is DecodeInto for any data: it names every unknown and
// duplicate field and every value of the wrong type.
func decodeCareful(data []byte, obj Object) ([]string, error) {
	top, err := parseObject(data)
	if err != nil {
		return nil, err
	}
	apiVersion, kind, err := typeOf(top)
	if err != nil {
		return nil, err
	}
	if res, ok := ResourceOf(obj); ok {
		if apiVersion != "" && apiVersion != res.APIVersion() {
			return nil, fmt.Errorf("the API version in the data (%s) does not match the expected API version (%s)", Shorten(apiVersion), res.APIVersion())
		}
		if kind != "" && kind != res.Kind {
			return nil, fmt.Errorf("the kind in the data (%s) does not match the expected kind (%s)", Shorten(kind), res.Kind)
		}
	}
	warnings, err := decodeTree(top, obj)
	return append(warnings, duplicatesIn(data)...), err
}

// duplicatesIn finds the duplicate fields of a JSON document; a YAML one
// has none by now (its conversion refuses them).
func duplicatesIn(doc []byte) []string {
	if trimmed := bytes.TrimSpace(bytes.TrimPrefix(doc, utf8BOM)); len(trimmed) > 0 && trimmed[0] == '{' {
		return DuplicateFields(trimmed)
	}
	return nil
}

// ToJSON returns one YAML or JSON document as JSON, for bodies that are
// not objects of a kind (DeleteOptions, a Scale). Like DecodeInto, it
// refuses data that holds a second document.
func ToJSON(data []byte) ([]byte, error) {
	tree, err := parseDocument(data)
	if err != nil {
		return nil, err
	}
	return json.Marshal(tree)
}

// UnknownFields returns the paths of the fields in jsonData that obj's Go
// type does not have, such as "spec.containers[0].imagePullPolcy". It
// returns nil when jsonData is not valid JSON.
func UnknownFields(jsonData []byte, obj Object) []string {
	tree, err := parseJSON(jsonData)
	if err != nil {
		return nil
	}
	w := &walker{}
	w.walk("", tree, typeOfValue(obj))
	return w.unknown
}

// decodeTree checks the generic tree against obj's type, then unmarshals
// what is left of it (the unknown fields removed) into obj.
func decodeTree(tree map[string]any, obj Object) ([]string, error) {
	w := &walker{}
	clean := w.walk("", tree, typeOfValue(obj))
	warnings := make([]string, len(w.unknown))
	for i, p := range w.unknown {
		warnings[i] = fmt.Sprintf("unknown field %q", p)
	}
	if len(w.errs) > 0 {
		return warnings, errors.New(strings.Join(w.errs, "; "))
	}
	b, err := json.Marshal(clean)
	if err == nil {
		err = json.Unmarshal(b, obj)
	}
	if err != nil {
		return warnings, fmt.Errorf("decoding %T: %w", obj, err)
	}
	return warnings, nil
}

// typeOf reads apiVersion and kind, which must be strings when present.
func typeOf(top map[string]any) (apiVersion, kind string, err error) {
	for _, f := range []struct {
		name string
		dst  *string
	}{{"apiVersion", &apiVersion}, {"kind", &kind}} {
		switch v := top[f.name].(type) {
		case nil:
		case string:
			*f.dst = v
		default:
			return "", "", fmt.Errorf("%s: expected string, got %s", f.name, describeJSON(v))
		}
	}
	return apiVersion, kind, nil
}

// parseObject reads one YAML or JSON document that must be an object.
func parseObject(doc []byte) (map[string]any, error) {
	tree, err := parseDocument(doc)
	if err != nil {
		return nil, err
	}
	switch t := tree.(type) {
	case map[string]any:
		return t, nil
	case nil:
		return nil, errors.New("the document is empty")
	default:
		return nil, fmt.Errorf("the document must be an object with apiVersion, kind and metadata, found %s", describeJSON(t))
	}
}

// parseDocument converts YAML to JSON (JSON is kept as it is) and decodes
// it into maps, slices, strings, bools and json.Numbers.
func parseDocument(doc []byte) (any, error) {
	doc = bytes.TrimPrefix(doc, utf8BOM)
	if trimmed := bytes.TrimSpace(doc); len(trimmed) > 0 && trimmed[0] == '{' {
		tree, jsonErr := parseJSON(trimmed)
		if jsonErr == nil {
			return tree, nil
		}
		// Perhaps YAML in flow style ({kind: Pod}); if not, the JSON error
		// is the one to show.
		j, err := yamlToJSON(doc)
		if err != nil {
			return nil, jsonErr
		}
		return parseJSON(j)
	}
	j, err := yamlToJSON(doc)
	if err != nil {
		return nil, err
	}
	return parseJSON(j)
}

// yamlToJSON converts strictly, so that a key given twice is an error
// rather than one of the two values silently winning.
func yamlToJSON(doc []byte) (j []byte, err error) {
	defer func() {
		// The YAML library is not ours; bad input must never crash the
		// apiserver or kctl.
		if r := recover(); r != nil {
			j, err = nil, fmt.Errorf("error converting YAML to JSON: %v", r)
		}
	}()
	j, err = yaml.YAMLToJSONStrict(doc)
	if err == nil {
		err = oneDocument(doc)
	}
	if err != nil {
		// Keep the message on one line: it travels in a Status and a log line.
		return nil, fmt.Errorf("error converting YAML to JSON: %s", strings.Join(strings.Fields(err.Error()), " "))
	}
	return j, nil
}

// oneDocument fails if doc holds a second YAML document: the conversion
// above reads the first one only, and silently dropping the rest would
// make a request body of two objects create one of them.
func oneDocument(doc []byte) error {
	dec := yamlv2.NewDecoder(bytes.NewReader(doc))
	n := 0
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if v != nil { // a document of only comments decodes to nil
			n++
		}
		if n > 1 {
			return errors.New("the data holds more than one YAML document (separated by ---); one object is expected")
		}
	}
}

func parseJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, jsonError(data, err)
	}
	end := dec.InputOffset()
	if rest := bytes.TrimLeft(data[end:], " \t\r\n"); len(rest) > 0 {
		line, col := lineAndColumn(data, int64(len(data)-len(rest)))
		return nil, fmt.Errorf("invalid JSON at line %d, column %d: unexpected data after the object", line, col)
	}
	return tree, nil
}

// jsonError adds the line and column to a JSON syntax error.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		// Offset counts the byte that was wrong; point at it.
		line, col := lineAndColumn(data, syn.Offset-1)
		return fmt.Errorf("invalid JSON at line %d, column %d: %v", line, col, err)
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: unexpected end of input")
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

// lineAndColumn turns a byte offset into a 1-based line and column.
func lineAndColumn(data []byte, offset int64) (int, int) {
	offset = max(0, min(offset, int64(len(data))))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n') // LastIndexByte is -1 on the first line
	return line, col
}
