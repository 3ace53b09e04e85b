package proxy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// FakeNFT is an NFTApplier in memory, for tests. It records every nft
// input it is given and plays it onto a model of the proxy's table,
// checking what the kernel would: a rule or an element leads only to
// chains and sets that exist, a chain or set in use is not deleted, an
// element is not added twice with different values nor deleted when
// absent. A transaction commits whole or not at all. It reads the nft
// the proxy writes (nftset.go), not every nft input.
type FakeNFT struct {
	mu    sync.Mutex
	runs  []string
	table *fakeTable // nil: no table
	// FailNext, when set, is returned by the next Run, which then
	// changes nothing.
	FailNext error
}

var _ NFTApplier = (*FakeNFT)(nil)

// NewFakeNFT returns an applier with no table, as on a fresh node.
func NewFakeNFT() *FakeNFT { return &FakeNFT{} }

type fakeTable struct {
	chains map[string]*fakeChain
	sets   map[string]*fakeSet
}

type fakeChain struct {
	base  string
	rules []string
}

type fakeSet struct {
	kind  string // set or map
	spec  []string
	elems map[string]NFTElement // by key
}

func (t *fakeTable) clone() *fakeTable {
	c := &fakeTable{chains: map[string]*fakeChain{}, sets: map[string]*fakeSet{}}
	for n, ch := range t.chains {
		c.chains[n] = &fakeChain{base: ch.base, rules: slices.Clone(ch.rules)}
	}
	for n, s := range t.sets {
		c.sets[n] = &fakeSet{kind: s.kind, spec: slices.Clone(s.spec), elems: maps.Clone(s.elems)}
	}
	return c
}

// Run plays text onto the model.
func (f *FakeNFT) Run(text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runs = append(f.runs, text)
	if err := f.FailNext; err != nil {
		f.FailNext = nil
		return err
	}
	var work *fakeTable
	if f.table != nil {
		work = f.table.clone()
	}
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		fail := func(format string, args ...any) error {
			return fmt.Errorf("line %d %q: %s", i+1, line, fmt.Sprintf(format, args...))
		}
		words := strings.Fields(line)
		switch {
		case line == "":
		case line == "table "+nftTable:
			if work == nil {
				work = &fakeTable{chains: map[string]*fakeChain{}, sets: map[string]*fakeSet{}}
			}
		case line == "table "+nftTable+" {":
			if work == nil {
				work = &fakeTable{chains: map[string]*fakeChain{}, sets: map[string]*fakeSet{}}
			}
			end, err := work.block(lines, i+1)
			if err != nil {
				return fail("%v", err)
			}
			i = end
		case work == nil:
			return fail("no table %s", nftTable)
		case line == "delete table "+nftTable:
			work = nil
		case line == "flush table "+nftTable:
			for _, c := range work.chains {
				c.rules = nil
			}
		case len(words) == 5 && words[0] == "flush":
			if err := work.flush(words[1], words[4]); err != nil {
				return fail("%v", err)
			}
		case len(words) == 5 && words[0] == "delete" && words[1] != "element":
			if err := work.delete(words[1], words[4]); err != nil {
				return fail("%v", err)
			}
		case len(words) >= 5 && words[0] == "add" && words[1] == "chain":
			c := work.chains[words[4]]
			if c == nil {
				c = &fakeChain{}
				work.chains[words[4]] = c
			}
			if len(words) > 5 {
				base := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.Join(words[5:], " "), "{"), "}"))
				if c.base != "" && c.base != base {
					return fail("chain %s exists with another hook: %s", words[4], c.base)
				}
				c.base = base
			}
		case len(words) > 5 && words[0] == "add" && words[1] == "rule":
			c := work.chains[words[4]]
			if c == nil {
				return fail("no chain %s", words[4])
			}
			c.rules = append(c.rules, strings.Join(words[5:], " "))
		case len(words) > 5 && words[0] == "add" && (words[1] == "set" || words[1] == "map"):
			s := work.sets[words[4]]
			if s == nil {
				s = &fakeSet{kind: words[1], elems: map[string]NFTElement{}}
				work.sets[words[4]] = s
			} else if s.kind != words[1] {
				return fail("%s %s is a %s", words[1], words[4], s.kind)
			}
			var spec []string
			body := strings.TrimSuffix(strings.TrimPrefix(strings.Join(words[5:], " "), "{"), "}")
			for _, l := range strings.Split(body, ";") {
				if l = strings.TrimSpace(l); l != "" {
					spec = append(spec, l)
				}
			}
			s.spec = spec // a declaration again updates it (a new timeout)
		case len(words) > 5 && words[1] == "element" && (words[0] == "add" || words[0] == "delete"):
			s := work.sets[words[4]]
			if s == nil {
				return fail("no set %s", words[4])
			}
			body := strings.TrimSuffix(strings.TrimPrefix(strings.Join(words[5:], " "), "{"), "}")
			for _, e := range splitElements(body) {
				if err := work.element(s, words[0], e); err != nil {
					return fail("%v", err)
				}
			}
		default:
			return fail("not understood")
		}
	}
	if work != nil {
		if err := work.checkReferences(); err != nil {
			return err
		}
	}
	f.table = work
	return nil
}

// block reads "table … {" from line start on, up to its closing brace,
// and returns the index of that line.
func (t *fakeTable) block(lines []string, start int) (int, error) {
	for i := start; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		words := strings.Fields(line)
		switch {
		case line == "", strings.HasPrefix(line, "comment "):
		case line == "}":
			return i, nil
		case len(words) == 3 && words[0] == "chain" && words[2] == "{":
			c := t.chains[words[1]]
			if c == nil {
				c = &fakeChain{}
				t.chains[words[1]] = c
			}
			for i++; strings.TrimSpace(lines[i]) != "}"; i++ {
				rule := strings.TrimSpace(lines[i])
				if strings.HasPrefix(rule, "type ") {
					if c.base != "" && c.base != rule {
						return i, fmt.Errorf("chain %s exists with another hook: %s", words[1], c.base)
					}
					c.base = rule
					continue
				}
				c.rules = append(c.rules, rule)
			}
		case len(words) == 3 && (words[0] == "set" || words[0] == "map") && words[2] == "{":
			s := t.sets[words[1]]
			if s == nil {
				s = &fakeSet{kind: words[0], elems: map[string]NFTElement{}}
				t.sets[words[1]] = s
			} else if s.kind != words[0] {
				return i, fmt.Errorf("%s %s is a %s", words[0], words[1], s.kind)
			}
			var spec []string
			for i++; strings.TrimSpace(lines[i]) != "}"; i++ {
				l := strings.TrimSpace(lines[i])
				if !strings.HasPrefix(l, "elements = {") {
					spec = append(spec, l)
					continue
				}
				body := strings.TrimPrefix(l, "elements = {")
				for !strings.HasSuffix(body, "}") {
					i++
					body += " " + strings.TrimSpace(lines[i])
				}
				for _, e := range splitElements(strings.TrimSuffix(body, "}")) {
					if err := t.element(s, "add", e); err != nil {
						return i, err
					}
				}
			}
			s.spec = spec // a declaration again updates it (a new timeout)
		default:
			return i, fmt.Errorf("line %d %q: not understood", i+1, line)
		}
	}
	return len(lines), fmt.Errorf("table block without its closing brace")
}

func (t *fakeTable) flush(kind, name string) error {
	switch kind {
	case "chain":
		c := t.chains[name]
		if c == nil {
			return fmt.Errorf("no chain %s", name)
		}
		c.rules = nil
	case "set", "map":
		s := t.sets[name]
		if s == nil || s.kind != kind {
			return fmt.Errorf("no %s %s", kind, name)
		}
		s.elems = map[string]NFTElement{}
	default:
		return fmt.Errorf("cannot flush a %s", kind)
	}
	return nil
}

// delete deletes a chain or set that nothing uses any more, as the
// kernel insists.
func (t *fakeTable) delete(kind, name string) error {
	if user := t.userOf(name); user != "" {
		return fmt.Errorf("%s %s is in use by %s", kind, name, user)
	}
	switch kind {
	case "chain":
		if t.chains[name] == nil {
			return fmt.Errorf("no chain %s", name)
		}
		delete(t.chains, name)
	case "set", "map":
		if s := t.sets[name]; s == nil || s.kind != kind {
			return fmt.Errorf("no %s %s", kind, name)
		}
		delete(t.sets, name)
	default:
		return fmt.Errorf("cannot delete a %s", kind)
	}
	return nil
}

// element adds or deletes one element ("key", "key : value", with an
// optional comment after the key).
func (t *fakeTable) element(s *fakeSet, op, text string) error {
	e := parseElement(text)
	old, ok := s.elems[e.Key]
	switch {
	case op == "delete" && !ok:
		return fmt.Errorf("no element %s", e.Key)
	case op == "delete":
		delete(s.elems, e.Key)
	case ok && (old.Value != e.Value || old.Comment != e.Comment):
		return fmt.Errorf("element %s exists with another value: %s", e.Key, old)
	case (s.kind == "map") != (e.Value != ""):
		return fmt.Errorf("element %q does not fit a %s", text, s.kind)
	default:
		s.elems[e.Key] = e
	}
	return nil
}

// userOf names a rule or element that uses the chain or set name, or "".
func (t *fakeTable) userOf(name string) string {
	for c, ch := range t.chains {
		for _, r := range ch.rules {
			if slices.Contains(references(r), name) {
				return "chain " + c
			}
		}
	}
	for sn, s := range t.sets {
		for _, e := range s.elems {
			if slices.Contains(references(e.Value), name) {
				return "an element of " + sn
			}
		}
	}
	return ""
}

// checkReferences fails if a rule or element leads to a chain or set
// that does not exist.
func (t *fakeTable) checkReferences() error {
	exists := func(name string) bool { return t.chains[name] != nil || t.sets[name] != nil }
	for c, ch := range t.chains {
		for _, r := range ch.rules {
			for _, ref := range references(r) {
				if !exists(ref) {
					return fmt.Errorf("chain %s: %q uses %s, which does not exist", c, r, ref)
				}
			}
		}
	}
	for sn, s := range t.sets {
		for _, e := range s.elems {
			for _, ref := range references(e.Value) {
				if !exists(ref) {
					return fmt.Errorf("%s %s: element %s leads to %s, which does not exist", s.kind, sn, e.Key, ref)
				}
			}
		}
	}
	return nil
}

// references lists the chains (after jump, goto) and sets (@name) a rule
// or an element's value uses.
func references(rule string) []string {
	var refs []string
	words := strings.Fields(rule)
	for i, w := range words {
		if (w == "jump" || w == "goto") && i+1 < len(words) {
			refs = append(refs, strings.TrimRight(words[i+1], ",}"))
		}
		if name, ok := strings.CutPrefix(w, "@"); ok {
			refs = append(refs, name)
		}
	}
	return refs
}

// splitElements splits "a : b, c : d" at the commas outside quotes.
func splitElements(body string) []string {
	var out []string
	quoted, start := false, 0
	for i, ch := range body {
		switch {
		case ch == '"':
			quoted = !quoted
		case ch == ',' && !quoted:
			out = append(out, strings.TrimSpace(body[start:i]))
			start = i + 1
		}
	}
	if last := strings.TrimSpace(body[start:]); last != "" {
		out = append(out, last)
	}
	return out
}

// parseElement reads `key comment "…" : value`.
func parseElement(text string) NFTElement {
	var e NFTElement
	rest := text
	if before, after, ok := strings.Cut(rest, ` comment "`); ok {
		comment, tail, _ := strings.Cut(after, `"`)
		e.Comment, rest = comment, before+tail
	}
	key, value, _ := strings.Cut(rest, " : ")
	e.Key, e.Value = strings.TrimSpace(key), strings.TrimSpace(value)
	return e
}

// Objects lists the chains, sets and maps of the table, sorted.
func (f *FakeNFT) Objects() ([]NFTObject, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.table == nil {
		return nil, nil
	}
	var objs []NFTObject
	for n := range f.table.chains {
		objs = append(objs, NFTObject{"chain", n})
	}
	for n, s := range f.table.sets {
		objs = append(objs, NFTObject{s.kind, n})
	}
	slices.SortFunc(objs, func(a, b NFTObject) int { return strings.Compare(a.Kind+" "+a.Name, b.Kind+" "+b.Name) })
	return objs, nil
}

// Runs returns every input Run was given, in order.
func (f *FakeNFT) Runs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.runs)
}

// Rules returns the rules of a chain, and whether it exists.
func (f *FakeNFT) Rules(chain string) ([]string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.table == nil || f.table.chains[chain] == nil {
		return nil, false
	}
	return slices.Clone(f.table.chains[chain].rules), true
}

// Elements returns the elements of a set or map sorted by key, and
// whether it exists.
func (f *FakeNFT) Elements(set string) ([]NFTElement, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.table == nil || f.table.sets[set] == nil {
		return nil, false
	}
	s := f.table.sets[set]
	return slices.SortedFunc(maps.Values(s.elems), func(a, b NFTElement) int { return strings.Compare(a.Key, b.Key) }), true
}

// Holds reports whether the table holds exactly r: the same chains with
// the same rules, the same sets with the same elements (those of the
// dynamic sets aside), and nothing else. It describes the first
// difference.
func (f *FakeNFT) Holds(r *NFTRuleset) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.table == nil {
		return fmt.Errorf("no table")
	}
	if len(f.table.chains) != len(r.Chains) || len(f.table.sets) != len(r.Sets) {
		return fmt.Errorf("%d chains and %d sets, want %d and %d", len(f.table.chains), len(f.table.sets), len(r.Chains), len(r.Sets))
	}
	for _, c := range r.Chains {
		have := f.table.chains[c.Name]
		if have == nil || have.base != c.Base || !slices.Equal(have.rules, c.Rules) {
			return fmt.Errorf("chain %s differs", c.Name)
		}
	}
	for _, s := range r.Sets {
		have := f.table.sets[s.Name]
		if have == nil || have.kind != s.kind() || !slices.Equal(have.spec, s.Spec) {
			return fmt.Errorf("%s %s missing or declared differently", s.kind(), s.Name)
		}
		if s.Dynamic {
			continue
		}
		if len(have.elems) != len(s.Elements) {
			return fmt.Errorf("%s %s has %d elements, want %d", s.kind(), s.Name, len(have.elems), len(s.Elements))
		}
		for _, e := range s.Elements {
			if have.elems[e.Key] != e {
				return fmt.Errorf("%s %s: element %s is %v, want %v", s.kind(), s.Name, e.Key, have.elems[e.Key], e)
			}
		}
	}
	return nil
}
