package proxy

import (
	"slices"
	"strings"
)

// Ruleset is everything the proxy wants in iptables on one node: the
// proxy's own chains of the filter and nat tables and their rules, plus
// the ServicePorts they were made from. Generate makes one; Text, Replace
// and Update turn it into iptables-restore input.
type Ruleset struct {
	Tables []Table // filter, then nat
	Ports  []ServicePort
}

// Table is one iptables table: the proxy's chains in it, in order.
type Table struct {
	Name   string
	Chains []Chain
}

// Chain is one of the proxy's chains. Each rule is written as
// iptables-restore takes it, without the leading "-A <chain>".
type Chain struct {
	Name  string
	Rules []string
}

func (c *Chain) add(parts ...string) {
	c.Rules = append(c.Rules, strings.Join(parts, " "))
}

// Text is the iptables-restore input that writes every chain of r. Fed to
// `iptables-restore --noflush`, each ":CHAIN - [0:0]" line creates the
// chain or empties it, the "-A" lines fill it, and each table's COMMIT
// swaps the whole table at once: no packet ever sees half an update.
// Chains of other programs (Docker's, the kubelet's) are not named, so
// --noflush leaves them alone.
func (r *Ruleset) Text() string {
	return r.restore(func(string, Chain) bool { return true }, nil)
}

// Replace is Text plus the deletion of the proxy's chains that exist now
// (existing: chain names by table, as the kernel has them) but are not in
// r: those of services deleted while the proxy was not running, or of an
// older version of the proxy. A full sync uses it.
func (r *Ruleset) Replace(existing map[string][]string) string {
	return r.restore(func(string, Chain) bool { return true }, r.stale(existing))
}

// Update is the iptables-restore input that turns prev into r: only the
// chains whose rules changed are written, and prev's chains that r no
// longer has are deleted. When one service's endpoints change, that is
// its KLAB-SVC chain and the KLAB-SEP chains that came or went; KLAB-SERVICES
// is rewritten only when a service port itself came, went or changed.
// Update returns "" when nothing changed.
func (r *Ruleset) Update(prev *Ruleset) string {
	old := map[string]map[string][]string{} // table → chain → rules
	had := map[string][]string{}            // table → chain names
	for _, t := range prev.Tables {
		old[t.Name] = make(map[string][]string, len(t.Chains))
		for _, c := range t.Chains {
			old[t.Name][c.Name] = c.Rules
			had[t.Name] = append(had[t.Name], c.Name)
		}
	}
	changed := func(table string, c Chain) bool {
		rules, ok := old[table][c.Name]
		return !ok || !slices.Equal(rules, c.Rules)
	}
	return r.restore(changed, r.stale(had))
}

// stale lists, by table, the proxy's chains in existing that r lacks.
func (r *Ruleset) stale(existing map[string][]string) map[string][]string {
	out := map[string][]string{}
	for _, t := range r.Tables {
		want := make(map[string]bool, len(t.Chains))
		for _, c := range t.Chains {
			want[c.Name] = true
		}
		for _, name := range existing[t.Name] {
			if !want[name] && ownedChain(name) {
				out[t.Name] = append(out[t.Name], name)
			}
		}
		slices.Sort(out[t.Name])
	}
	return out
}

// restore writes the iptables-restore input for the chains of r that
// write selects, and deletes the chains in remove. A chain to delete is
// emptied first: its rules may jump to other chains going away, and a
// chain that is jumped to cannot be deleted.
func (r *Ruleset) restore(write func(table string, c Chain) bool, remove map[string][]string) string {
	var b strings.Builder
	for _, t := range r.Tables {
		var chains []Chain
		for _, c := range t.Chains {
			if write(t.Name, c) {
				chains = append(chains, c)
			}
		}
		gone := remove[t.Name]
		if len(chains) == 0 && len(gone) == 0 {
			continue
		}
		b.WriteString("*" + t.Name + "\n")
		declared := slices.Clone(gone)
		for _, c := range chains {
			declared = append(declared, c.Name)
		}
		// In reverse name order: iptables-nft (1.8.9) keeps chains in a
		// list sorted by name and looks for each new chain's place from the
		// front, so this order makes 30,000 chains load several times faster.
		slices.Sort(declared)
		slices.Reverse(declared)
		for _, name := range declared {
			b.WriteString(":" + name + " - [0:0]\n")
		}
		for _, c := range chains {
			for _, rule := range c.Rules {
				b.WriteString("-A ")
				b.WriteString(c.Name)
				b.WriteByte(' ')
				b.WriteString(rule)
				b.WriteByte('\n')
			}
		}
		for _, name := range gone {
			b.WriteString("-X " + name + "\n")
		}
		b.WriteString("COMMIT\n")
	}
	return b.String()
}

// RuleCount is the number of rules in table ("filter", "nat").
func (r *Ruleset) RuleCount(table string) int {
	n := 0
	for _, t := range r.Tables {
		if t.Name == table {
			for _, c := range t.Chains {
				n += len(c.Rules)
			}
		}
	}
	return n
}
