package kctl

import (
	"cmp"
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Running a parsed template: each path turns a list of values into the
// next list, one step at a time, starting from the current object (or the
// root for $). A missing key or an index out of range yields nothing, so
// the path prints nothing, as in kubectl.

// execute runs the template on data (generic JSON) and writes the result.
func (jp *jsonPath) execute(w io.Writer, data any) error {
	var b strings.Builder
	execNodes(&b, jp.nodes, data, data)
	_, err := io.WriteString(w, b.String())
	return err
}

func execNodes(b *strings.Builder, nodes []jpNode, root, cur any) {
	for _, n := range nodes {
		switch {
		case n.path == nil:
			b.WriteString(n.text)
		case n.isRange:
			values := n.path.eval(root, cur)
			if len(values) == 1 {
				if list, ok := values[0].([]any); ok {
					values = list // {range .items} ranges over the list
				}
			}
			for _, v := range values {
				execNodes(b, n.body, root, v)
			}
		default:
			for i, v := range n.path.eval(root, cur) {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(formatValue(v))
			}
		}
	}
}

// eval returns every value the path reaches.
func (p *jpPath) eval(root, cur any) []any {
	values := []any{cur}
	if p.fromRoot {
		values = []any{root}
	}
	for _, step := range p.steps {
		var next []any
		for _, v := range values {
			next = append(next, step.apply(root, v)...)
		}
		values = next
	}
	return values
}

func (s jpStep) apply(root, v any) []any {
	switch s.op {
	case "field":
		if m, ok := v.(map[string]any); ok {
			if e, ok := m[s.name]; ok {
				return []any{e}
			}
		}
	case "index":
		if l, ok := v.([]any); ok {
			i := s.index
			if i < 0 {
				i += len(l)
			}
			if i >= 0 && i < len(l) {
				return []any{l[i]}
			}
		}
	case "slice":
		if l, ok := v.([]any); ok {
			start, end := sliceBound(s.slice[0], 0, len(l)), sliceBound(s.slice[1], len(l), len(l))
			if start < end {
				return l[start:end]
			}
		}
	case "all":
		return children(v)
	case "recurse":
		return recurse(v, s.name)
	case "filter":
		var out []any
		for _, e := range children(v) {
			if s.filter.matches(root, e) {
				out = append(out, e)
			}
		}
		return out
	}
	return nil
}

func sliceBound(b *int, def, n int) int {
	if b == nil {
		return def
	}
	i := *b
	if i < 0 {
		i += n
	}
	return min(max(i, 0), n)
}

// children returns the elements of a list, or a map's values by key.
func children(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = t[k]
		}
		return out
	}
	return nil
}

// recurse collects the values of key name (every value for "*") at any
// depth below v, parents before children.
func recurse(v any, name string) []any {
	var out []any
	if m, ok := v.(map[string]any); ok {
		if e, ok := m[name]; ok && name != "*" {
			out = append(out, e)
		}
	}
	for _, c := range children(v) {
		if name == "*" {
			out = append(out, c)
		}
		out = append(out, recurse(c, name)...)
	}
	return out
}

func (f *jpFilter) matches(root, v any) bool {
	left := f.left.eval(root, v)
	if f.op == "exists" {
		return len(left) > 0
	}
	for _, l := range left {
		if compare(l, f.op, f.right) {
			return true
		}
	}
	return false
}

// compare compares two JSON values; numbers with numbers and strings
// with strings, anything else is only ever unequal.
func compare(a any, op string, b any) bool {
	c, comparable := 0, true
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		comparable = ok
		c = cmp.Compare(x, y)
	case string:
		y, ok := b.(string)
		comparable = ok
		c = strings.Compare(x, y)
	case bool:
		y, ok := b.(bool)
		comparable = ok && (op == "==" || op == "!=")
		if x != y {
			c = 1
		}
	default:
		comparable = false
	}
	if !comparable {
		return op == "!="
	}
	switch op {
	case "==":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

// formatValue prints a result: strings as they are, numbers without a
// trailing .0, objects and lists as compact JSON.
func formatValue(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
