package kctl

import (
	"fmt"
	"strconv"
	"strings"
)

// A small JSONPath, the dialect of `kubectl get -o jsonpath=…`. A template
// is text with actions in braces:
//
//	{.metadata.name}                 a path from the current object
//	{.items[*].metadata.name}        every element; results print space-separated
//	{.items[0].status.podIP}         one element; [-1] is the last, [1:3] a slice
//	{.metadata.labels.app}           a map key
//	{.metadata.annotations.a\.b/c}   a key with dots, also ['a.b/c']
//	{..image}                        every "image" key at any depth
//	{.status.conditions[?(@.type=="Ready")].status}   a filter
//	{range .items[*]}…{end}          the body once per element, paths in it
//	                                 relative to the element ($ is the root)
//	{"\n"}                           a string, with \n and \t escapes
//
// Missing keys print nothing, as in kubectl, which runs templates with
// allowMissingKeys; syntax errors are reported when the template is parsed.

// jsonPath is a parsed template.
type jsonPath struct {
	nodes []jpNode
}

// jpNode is text, a path to print, or a range with its body.
type jpNode struct {
	text    string
	path    *jpPath
	isRange bool
	body    []jpNode
}

// jpPath is a path expression: where it starts and the steps from there.
type jpPath struct {
	fromRoot bool // $…: from the root even inside a range
	steps    []jpStep
}

// jpStep is one step of a path.
type jpStep struct {
	op     string // field, index, slice, all, recurse, filter
	name   string // field and recurse ("*" for every key)
	index  int
	slice  [2]*int // start and end, nil when left out
	filter *jpFilter
}

// jpFilter is [?(@.path OP value)], or [?(@.path)] for "exists".
type jpFilter struct {
	left  *jpPath
	op    string
	right any
}

// parseJSONPath parses a template.
func parseJSONPath(template string) (*jsonPath, error) {
	nodes, err := parseTemplate(template)
	if err != nil {
		return nil, fmt.Errorf("error parsing jsonpath %s: %v", template, err)
	}
	return &jsonPath{nodes: nodes}, nil
}

// parseTemplate splits the text from the actions and nests range bodies.
func parseTemplate(template string) ([]jpNode, error) {
	// stack holds the ranges being read; the bottom one collects the
	// top-level nodes.
	stack := []jpNode{{}}
	add := func(n jpNode) { stack[len(stack)-1].body = append(stack[len(stack)-1].body, n) }
	for rest := template; rest != ""; {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			add(jpNode{text: rest})
			break
		}
		if open > 0 {
			add(jpNode{text: rest[:open]})
		}
		end, err := actionEnd(rest[open:])
		if err != nil {
			return nil, err
		}
		action := strings.TrimSpace(rest[open+1 : open+end])
		rest = rest[open+end+1:]
		switch {
		case action == "end":
			if len(stack) == 1 {
				return nil, fmt.Errorf("unexpected {end} without a {range}")
			}
			done := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			add(done)
		case strings.HasPrefix(action, "range ") || action == "range":
			p, err := parsePath(strings.TrimSpace(strings.TrimPrefix(action, "range")))
			if err != nil {
				return nil, err
			}
			stack = append(stack, jpNode{path: p, isRange: true})
		case strings.HasPrefix(action, `"`) || strings.HasPrefix(action, "'"):
			s, err := unquote(action)
			if err != nil {
				return nil, err
			}
			add(jpNode{text: s})
		default:
			p, err := parsePath(action)
			if err != nil {
				return nil, err
			}
			add(jpNode{path: p})
		}
	}
	if len(stack) > 1 {
		return nil, fmt.Errorf("{range} without a matching {end}")
	}
	return stack[0].body, nil
}

// actionEnd returns the index of the brace closing the action s starts
// with, skipping braces inside quoted strings.
func actionEnd(s string) (int, error) {
	var quote byte
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0 && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '"' || c == '\'':
			quote = c
		case c == '}':
			return i, nil
		}
	}
	if quote != 0 {
		return 0, fmt.Errorf("unterminated string in %s", s)
	}
	return 0, fmt.Errorf("unclosed action")
}

// unquote reads a "…" or '…' string with \n, \t, \r, \\ and quote escapes.
func unquote(s string) (string, error) {
	q := s[0]
	if len(s) < 2 || s[len(s)-1] != q {
		return "", fmt.Errorf("unterminated string %s", s)
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s)-1 {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// parsePath parses an expression such as .items[*].metadata.name.
func parsePath(expr string) (*jpPath, error) {
	p := &jpPath{}
	s := expr
	switch {
	case strings.HasPrefix(s, "$"):
		p.fromRoot, s = true, s[1:]
	case strings.HasPrefix(s, "@"):
		s = s[1:]
	case s == "":
		return nil, fmt.Errorf("empty expression")
	case s[0] != '.' && s[0] != '[':
		word, _, _ := strings.Cut(s, ".")
		return nil, fmt.Errorf("unrecognized identifier %s", word)
	}
	for s != "" {
		var step jpStep
		var err error
		switch {
		case strings.HasPrefix(s, ".."):
			var name string
			name, s = readName(s[2:])
			if name == "" {
				return nil, fmt.Errorf("a name must follow .. in %s", expr)
			}
			step = jpStep{op: "recurse", name: name}
		case s[0] == '.':
			var name string
			name, s = readName(s[1:])
			switch name {
			case "":
				continue // "{.}" is the current object
			case "*":
				step = jpStep{op: "all"}
			default:
				step = jpStep{op: "field", name: name}
			}
		case s[0] == '[':
			end := bracketEnd(s)
			if end < 0 {
				return nil, fmt.Errorf("unterminated [ in %s", expr)
			}
			if step, err = parseBracket(s[1:end]); err != nil {
				return nil, err
			}
			s = s[end+1:]
		default:
			return nil, fmt.Errorf("unexpected %q in %s", s[0], expr)
		}
		p.steps = append(p.steps, step)
	}
	return p, nil
}

// readName reads a key up to the next unescaped "." or "[".
func readName(s string) (name, rest string) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '.' || c == '[':
			return b.String(), s[i:]
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

// bracketEnd finds the "]" closing the "[" that s starts with.
func bracketEnd(s string) int {
	var quote byte
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0 && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

// parseBracket parses what is between [ and ]: *, an index, a slice, a
// quoted key or a filter.
func parseBracket(in string) (jpStep, error) {
	in = strings.TrimSpace(in)
	switch {
	case in == "*":
		return jpStep{op: "all"}, nil
	case strings.HasPrefix(in, "?(") && strings.HasSuffix(in, ")"):
		f, err := parseFilter(in[2 : len(in)-1])
		return jpStep{op: "filter", filter: f}, err
	case strings.HasPrefix(in, "'") || strings.HasPrefix(in, `"`):
		name, err := unquote(in)
		return jpStep{op: "field", name: name}, err
	case strings.Contains(in, ":"):
		parts := strings.Split(in, ":")
		if len(parts) > 3 {
			return jpStep{}, fmt.Errorf("invalid slice [%s]", in)
		}
		step := jpStep{op: "slice"}
		for i := 0; i < 2; i++ {
			if p := strings.TrimSpace(parts[i]); p != "" {
				n, err := strconv.Atoi(p)
				if err != nil {
					return jpStep{}, fmt.Errorf("invalid array index %s", p)
				}
				step.slice[i] = &n
			}
		}
		return step, nil
	}
	n, err := strconv.Atoi(in)
	if err != nil {
		return jpStep{}, fmt.Errorf("invalid array index %s", in)
	}
	return jpStep{op: "index", index: n}, nil
}

// parseFilter parses @.path OP value, or @.path alone.
func parseFilter(in string) (*jpFilter, error) {
	for _, op := range []string{"==", "!=", "<=", ">=", "<", ">"} {
		i := indexOutsideQuotes(in, op)
		if i < 0 {
			continue
		}
		left, err := parsePath(strings.TrimSpace(in[:i]))
		if err != nil {
			return nil, err
		}
		right, err := parseLiteral(strings.TrimSpace(in[i+len(op):]))
		return &jpFilter{left: left, op: op, right: right}, err
	}
	left, err := parsePath(strings.TrimSpace(in))
	return &jpFilter{left: left, op: "exists"}, err
}

func indexOutsideQuotes(s, sub string) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '"' || c == '\'':
			quote = c
		case strings.HasPrefix(s[i:], sub):
			return i
		}
	}
	return -1
}

func parseLiteral(s string) (any, error) {
	switch {
	case s == "":
		return nil, fmt.Errorf("a filter needs a value after its operator")
	case s[0] == '"' || s[0] == '\'':
		return unquote(s)
	case s == "true" || s == "false":
		return s == "true", nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("invalid value %s in a filter", s)
	}
	return f, nil
}
