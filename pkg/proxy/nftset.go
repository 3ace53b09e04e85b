package proxy

import (
	"slices"
	"strings"
)

// NFTRuleset is everything the proxy wants in its nftables table on one
// node: the chains and their rules, the sets and maps and their elements,
// plus the ServicePorts they were made from. GenerateNFT makes one; Text,
// Replace and Update turn it into nft input.
type NFTRuleset struct {
	Chains []NFTChain
	Sets   []NFTSet // sets and maps
	Ports  []ServicePort

	// index says which service added what, so that the next sync can
	// make only the changed services' share again (nftparts.go). The
	// slices above may be shared with the NFTRuleset it was made from:
	// neither is ever changed.
	index *nftIndex
}

// NFTChain is one chain of the table. Base is the hook of a base chain
// ("type nat hook prerouting priority dstnat; policy accept;"), empty for
// a regular one, which only a jump or goto reaches.
type NFTChain struct {
	Name  string
	Base  string
	Rules []string
}

func (c *NFTChain) add(rule string) { c.Rules = append(c.Rules, rule) }

// NFTSet is a set, or with Map a map, of the table. Spec is its
// declaration (type, flags, timeout, comment), one line each.
type NFTSet struct {
	Name     string
	Map      bool
	Spec     []string
	Elements []NFTElement
	// Dynamic sets are filled by the rules themselves (the affinity
	// sets: "update @set { ip saddr }"). A sync declares them and never
	// writes, flushes or compares their elements.
	Dynamic bool
}

func (s NFTSet) kind() string {
	if s.Map {
		return "map"
	}
	return "set"
}

// NFTElement is one element: a key, and in a map its value. A comment
// shows in `nft list` next to it.
type NFTElement struct {
	Key, Comment, Value string
}

// String is the element as nft reads it: `key comment "…" : value`.
func (e NFTElement) String() string {
	s := e.Key
	if e.Comment != "" {
		s += ` comment "` + strings.ReplaceAll(e.Comment, `"`, "'") + `"`
	}
	if e.Value != "" {
		s += " : " + e.Value
	}
	return s
}

// NFTObject names a chain, set or map of the table, as the kernel has it
// (NFTApplier.Objects).
type NFTObject struct {
	Kind string // chain, set or map
	Name string
}

// Text is the whole table as nft writes it (`nft list table ip kubelab`
// shows much the same): fed to `nft -f` on a node without the table, it
// makes it in one transaction. testdata/kubia.nft is an example.
func (r *NFTRuleset) Text() string {
	var b strings.Builder
	r.block(&b, r.Chains, r.Sets, true)
	return b.String()
}

// Replace is the nft input that turns whatever the table holds now into
// r, in one transaction; existing is what it holds (nil when there is no
// table). It declares every chain and set (making those that are
// missing), empties the chains and the proxy's sets, deletes the objects
// r does not want (those of services deleted while the proxy was not
// running), and writes everything. The affinity sets keep their
// elements: the clients remembered there keep their endpoints. A full
// sync uses it.
func (r *NFTRuleset) Replace(existing []NFTObject) string {
	var b strings.Builder
	r.block(&b, r.Chains, r.Sets, false) // declarations only
	b.WriteString("flush table " + nftTable + "\n")
	for _, s := range r.Sets {
		if !s.Dynamic {
			b.WriteString("flush " + s.kind() + " " + nftTable + " " + s.Name + "\n")
		}
	}
	for _, o := range r.stale(existing) {
		b.WriteString("delete " + o.Kind + " " + nftTable + " " + o.Name + "\n")
	}
	r.block(&b, r.Chains, r.Sets, true)
	return b.String()
}

// stale lists the objects in existing that r lacks, chains before sets:
// a rule that used a set is gone once its chain is.
func (r *NFTRuleset) stale(existing []NFTObject) []NFTObject {
	want := map[NFTObject]bool{}
	for _, o := range r.Objects() {
		want[o] = true
	}
	var out []NFTObject
	for _, o := range existing {
		if !want[o] {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b NFTObject) int {
		if (a.Kind == "chain") != (b.Kind == "chain") {
			if a.Kind == "chain" {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// Objects lists the chains and sets of r, as NFTApplier.Objects lists the
// kernel's.
func (r *NFTRuleset) Objects() []NFTObject {
	var out []NFTObject
	for _, c := range r.Chains {
		out = append(out, NFTObject{"chain", c.Name})
	}
	for _, s := range r.Sets {
		out = append(out, NFTObject{s.kind(), s.Name})
	}
	return out
}

// Update is the nft input that turns prev into r, in one transaction,
// writing only what changed: elements added and deleted (an element whose
// value changed is deleted and added again), chains whose rules changed
// flushed and rewritten, chains and sets that came made, those that went
// deleted. When one service's endpoints change, that is a handful of
// elements. Update returns "" when nothing changed.
func (r *NFTRuleset) Update(prev *NFTRuleset) string {
	oldChains := map[string]NFTChain{}
	for _, c := range prev.Chains {
		oldChains[c.Name] = c
	}
	oldSets := map[string]NFTSet{}
	for _, s := range prev.Sets {
		oldSets[s.Name] = s
	}
	var b strings.Builder
	var chains []NFTChain // to write: new or changed
	for _, c := range r.Chains {
		old, ok := oldChains[c.Name]
		if ok && old.Base == c.Base && slices.Equal(old.Rules, c.Rules) {
			continue
		}
		if ok {
			b.WriteString("flush chain " + nftTable + " " + c.Name + "\n")
		}
		chains = append(chains, c)
	}
	var sets []NFTSet // to declare: new, or with a changed declaration (an affinity timeout)
	var added []string
	for _, s := range r.Sets {
		old, ok := oldSets[s.Name]
		if !ok || !slices.Equal(old.Spec, s.Spec) {
			sets = append(sets, NFTSet{Name: s.Name, Map: s.Map, Spec: s.Spec})
		}
		if s.Dynamic {
			continue
		}
		gone, came := elementChanges(old.Elements, s.Elements)
		if len(gone) > 0 {
			b.WriteString("delete element " + nftTable + " " + s.Name + " { " + strings.Join(gone, ", ") + " }\n")
		}
		if len(came) > 0 {
			added = append(added, "add element "+nftTable+" "+s.Name+" { "+strings.Join(came, ", ")+" }\n")
		}
	}
	for _, o := range r.stale(prev.Objects()) {
		b.WriteString("delete " + o.Kind + " " + nftTable + " " + o.Name + "\n")
	}
	declare(&b, chains, sets)
	for _, a := range added {
		b.WriteString(a)
	}
	return b.String()
}

// elementChanges compares the elements of a set before and after: the
// keys to delete, and the elements to add. Both lists are sorted by key
// (GenerateNFT sorts them), so one walk through the two finds every
// difference, without a map of tens of thousands of keys.
func elementChanges(before, after []NFTElement) (gone, came []string) {
	if len(before) == len(after) && (len(before) == 0 || &before[0] == &after[0]) {
		return nil, nil // one slice: a partial regeneration left this set as it was
	}
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		switch {
		case j == len(after) || (i < len(before) && before[i].Key < after[j].Key):
			gone = append(gone, before[i].Key)
			i++
		case i == len(before) || after[j].Key < before[i].Key:
			came = append(came, after[j].String())
			j++
		default: // the same key
			if before[i] != after[j] {
				gone = append(gone, before[i].Key) // the kernel will not change an element's value in place
				came = append(came, after[j].String())
			}
			i++
			j++
		}
	}
	return gone, came
}

// block writes "table ip kubelab { … }" holding sets and chains, with
// their elements and rules when full, or declarations only. In nft's
// block syntax a chain or set that exists already is left as it is
// (declaring it again changes nothing), and the rules and elements are
// added to it.
func (r *NFTRuleset) block(b *strings.Builder, chains []NFTChain, sets []NFTSet, full bool) {
	b.WriteString("table " + nftTable + " {\n")
	b.WriteString("\tcomment \"kubelab proxy: Services (pkg/proxy)\"\n")
	for _, s := range sets {
		b.WriteString("\n\t" + s.kind() + " " + s.Name + " {\n")
		for _, line := range s.Spec {
			b.WriteString("\t\t" + line + "\n")
		}
		if full && !s.Dynamic && len(s.Elements) > 0 {
			b.WriteString("\t\telements = { ")
			for i, e := range s.Elements {
				if i > 0 {
					b.WriteString(",\n\t\t\t     ")
				}
				b.WriteString(e.String())
			}
			b.WriteString(" }\n")
		}
		b.WriteString("\t}\n")
	}
	for _, c := range chains {
		b.WriteString("\n\tchain " + c.Name + " {\n")
		if c.Base != "" {
			b.WriteString("\t\t" + c.Base + "\n")
		}
		if full {
			for _, rule := range c.Rules {
				b.WriteString("\t\t" + rule + "\n")
			}
		}
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n")
}

// declare writes, as one-line commands, the sets and chains a partial
// update declares, then the chains' rules: all chains before any rule,
// since a rule may jump to a chain declared with it.
//
// Not a "table ip kubelab { … }" block, as a full sync writes: that
// declares the table again, and `nft monitor` (1.0.6) then forgets the
// table's sets, so that a student watching a node, or
// hack/bench/proxysync.sh, would see "unknown set" instead of the
// endpoints this update adds.
func declare(b *strings.Builder, chains []NFTChain, sets []NFTSet) {
	for _, s := range sets {
		b.WriteString("add " + s.kind() + " " + nftTable + " " + s.Name + " { ")
		for _, line := range s.Spec {
			b.WriteString(strings.TrimSuffix(line, ";") + "; ")
		}
		b.WriteString("}\n")
	}
	for _, c := range chains {
		b.WriteString("add chain " + nftTable + " " + c.Name)
		if c.Base != "" {
			b.WriteString(" { " + c.Base + " }")
		}
		b.WriteString("\n")
	}
	for _, c := range chains {
		for _, rule := range c.Rules {
			b.WriteString("add rule " + nftTable + " " + c.Name + " " + rule + "\n")
		}
	}
}

// RuleCount is the number of rules in the table's chains, and
// ElementCount the number of elements the proxy wrote into its sets and
// maps: together, the size of what a full sync writes.
func (r *NFTRuleset) RuleCount() int {
	n := 0
	for _, c := range r.Chains {
		n += len(c.Rules)
	}
	return n
}

// ElementCount: see RuleCount.
func (r *NFTRuleset) ElementCount() int {
	n := 0
	for _, s := range r.Sets {
		n += len(s.Elements)
	}
	return n
}
