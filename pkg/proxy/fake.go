package proxy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// FakeApplier is a RuleApplier in memory, for tests. It records every
// iptables-restore input it is given and plays it onto a model of the
// tables, checking what iptables-restore would: a rule goes into a chain
// that exists, a jump goes to a chain that exists, a deleted chain is
// empty and no rule jumps to it. Each table of an input commits whole or
// not at all.
type FakeApplier struct {
	mu       sync.Mutex
	restores []string
	tables   map[string]map[string][]string // table → chain → rules (after "-A chain ")
	jumps    map[string]Jump                // by table/from/chain
	// FailNext, when set, is returned by the next Restore, which then
	// changes nothing.
	FailNext error
}

var _ RuleApplier = (*FakeApplier)(nil)

// NewFakeApplier returns an applier with empty filter and nat tables.
func NewFakeApplier() *FakeApplier {
	return &FakeApplier{
		tables: map[string]map[string][]string{"filter": {}, "nat": {}},
		jumps:  map[string]Jump{},
	}
}

// Restore plays text onto the model.
func (f *FakeApplier) Restore(text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.restores = append(f.restores, text)
	if err := f.FailNext; err != nil {
		f.FailNext = nil
		return err
	}
	var table string
	var work map[string][]string
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if line == "" {
			continue
		}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("line %d %q: %s", i+1, line, fmt.Sprintf(format, args...))
		}
		switch {
		case strings.HasPrefix(line, "*"):
			table = line[1:]
			if f.tables[table] == nil {
				return fail("no table %s", table)
			}
			work = maps.Clone(f.tables[table])
		case work == nil:
			return fail("outside a table")
		case strings.HasPrefix(line, ":"):
			work[strings.Fields(line[1:])[0]] = nil // creates or empties
		case strings.HasPrefix(line, "-A "):
			chain, rule, _ := strings.Cut(line[3:], " ")
			if _, ok := work[chain]; !ok {
				return fail("no chain %s", chain)
			}
			if t := jumpTarget(rule); strings.HasPrefix(t, "KLAB-") {
				if _, ok := work[t]; !ok {
					return fail("jump to missing chain %s", t)
				}
			}
			work[chain] = append(slices.Clip(work[chain]), rule)
		case strings.HasPrefix(line, "-X "):
			chain := line[3:]
			if len(work[chain]) > 0 {
				return fail("chain %s not empty", chain)
			}
			delete(work, chain)
		case line == "COMMIT":
			if err := f.checkReferences(table, work); err != nil {
				return fail("%v", err)
			}
			f.tables[table], work = work, nil
		default:
			return fail("not understood")
		}
	}
	if work != nil {
		return fmt.Errorf("table %s without COMMIT", table)
	}
	return nil
}

// checkReferences fails if a rule, or a jump from a built-in chain,
// leads to a chain that is gone.
func (f *FakeApplier) checkReferences(table string, chains map[string][]string) error {
	for name, rules := range chains {
		for _, r := range rules {
			if t := jumpTarget(r); strings.HasPrefix(t, "KLAB-") {
				if _, ok := chains[t]; !ok {
					return fmt.Errorf("chain %s jumps to deleted chain %s", name, t)
				}
			}
		}
	}
	for _, j := range f.jumps {
		if _, ok := chains[j.Chain]; j.Table == table && !ok {
			return fmt.Errorf("%s jumps to deleted chain %s", j.From, j.Chain)
		}
	}
	return nil
}

func jumpTarget(rule string) string {
	_, after, ok := strings.Cut(rule, "-j ")
	if !ok {
		return ""
	}
	return strings.Fields(after)[0]
}

// Chains lists the chains of table, sorted.
func (f *FakeApplier) Chains(table string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.tables[table])), nil
}

// EnsureJumps records the jumps; a jump to a missing chain fails, as it
// does in iptables.
func (f *FakeApplier) EnsureJumps(jumps []Jump) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, j := range jumps {
		if _, ok := f.tables[j.Table][j.Chain]; !ok {
			return fmt.Errorf("jump from %s to missing chain %s", j.From, j.Chain)
		}
		f.jumps[j.Table+"/"+j.From+"/"+j.Chain] = j
	}
	return nil
}

// DeleteJumps forgets the jumps.
func (f *FakeApplier) DeleteJumps(jumps []Jump) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, j := range jumps {
		delete(f.jumps, j.Table+"/"+j.From+"/"+j.Chain)
	}
	return nil
}

// Restores returns every input Restore was given, in order.
func (f *FakeApplier) Restores() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.restores)
}

// Rules returns the rules of a chain, and whether it exists.
func (f *FakeApplier) Rules(table, chain string) ([]string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rules, ok := f.tables[table][chain]
	return slices.Clone(rules), ok
}

// JumpCount is the number of jumps from built-in chains in place.
func (f *FakeApplier) JumpCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.jumps)
}

// AddChain puts a chain with rules in place, as if another program (or
// an earlier run of the proxy) had made it.
func (f *FakeApplier) AddChain(table, chain string, rules ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tables[table][chain] = rules
}
