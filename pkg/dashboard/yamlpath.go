package dashboard

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The apiserver names the field each validation error is about, as a path
// into the object: spec.containers[0].image. The apply form shows the
// error beside the line of the manifest that path leads to, or, for a
// field that is missing ("Required value"), beside the nearest line that
// is there: the container without an image.

// manifestNodes parses a manifest (YAML or JSON, one document or many)
// and returns the node of each object in the order api.SplitDocuments
// gives them: documents in turn, a List's items one by one.
func manifestNodes(text []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(text))
	var out []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
			continue // an empty document, or only comments
		}
		obj := doc.Content[0]
		if kind := mapValue(obj, "kind"); kind != nil && strings.HasSuffix(kind.Value, "List") {
			if items := mapValue(obj, "items"); items != nil && items.Kind == yaml.SequenceNode {
				out = append(out, items.Content...)
				continue
			}
		}
		out = append(out, obj)
	}
}

// mapValue is the value of key in mapping node n, nil if it has none.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	_, v := mapEntry(n, key)
	return v
}

// mapEntry is the key and value nodes of key in mapping node n.
func mapEntry(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

// fieldLine is the line (1-based) of field path in object node obj, and
// whether the field itself is there or only its nearest parent.
func fieldLine(obj *yaml.Node, path string) (line int, exact bool) {
	n, line := obj, obj.Line
	for _, step := range splitPath(path) {
		switch {
		case step.index >= 0 && n.Kind == yaml.SequenceNode && step.index < len(n.Content):
			n = n.Content[step.index]
			line = n.Line
		case step.index < 0 && n.Kind == yaml.MappingNode:
			k, v := mapEntry(n, step.key)
			if k == nil {
				return line, false
			}
			n, line = v, k.Line
		default:
			return line, false
		}
	}
	return line, true
}

// pathStep is one step of a field path: a key, or an index (>= 0).
type pathStep struct {
	key   string
	index int
}

// splitPath splits a field path as the apiserver writes them:
// spec.containers[0].image, metadata.labels[app.kubernetes.io/name].
func splitPath(path string) []pathStep {
	var steps []pathStep
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			steps = append(steps, pathStep{key: cur.String(), index: -1})
			cur.Reset()
		}
	}
	for i := 0; i < len(path); i++ {
		switch c := path[i]; c {
		case '.':
			flush()
		case '[':
			flush()
			end := strings.IndexByte(path[i:], ']')
			if end < 0 {
				cur.WriteString(path[i+1:])
				i = len(path)
				continue
			}
			inner := path[i+1 : i+end]
			if n, err := strconv.Atoi(inner); err == nil && n >= 0 {
				steps = append(steps, pathStep{index: n})
			} else {
				steps = append(steps, pathStep{key: inner, index: -1})
			}
			i += end
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return steps
}
