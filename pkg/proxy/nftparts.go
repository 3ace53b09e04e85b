package proxy

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"kubelab/pkg/api"
)

// This file puts the nftables table together from its parts, and lets a
// sync after a change of a few services make only their parts again.
//
// GenerateNFT writes each service's share of the table apart, as an
// nftPart: the elements it adds to the fixed maps and sets, the pick
// chains its elements lead to, its own chains and affinity sets. The
// table is the fixed chains and sets plus every part, sorted.
//
// Why: with 10,000 services, making every part and sorting their 60,000
// elements takes 25–40 ms, most of a sync after one endpoint changed,
// whose nft transaction is a handful of elements (hack/bench/proxy.sh).
// The Proxier knows which services changed since its last sync
// (changes.go), so it asks for theirs alone (NFTRuleset.regenerate):
// their old parts come out of the last sync's table, their new parts go
// in, and only the sets and chains they touch are copied; the rest is
// shared with the last table. That costs a few milliseconds, whatever
// the number of services, and gives what GenerateNFT would
// (nftparts_test.go checks it on random changes).
//
// Two things tie a part to others. Map entries are claimed: when two
// services want one (two LoadBalancers on one port of the node's
// address) the first by name gets it, so who gets it depends on both. A
// partial regeneration gives up, and the Proxier generates everything,
// when a changed service took part in such a contest, or would now. And
// some things are shared: an endpoint of two services is one element of
// hairpin, and every plain service with two endpoints leads to the pick
// chain cluster-2. Those are counted, and go when no part has them any
// more.

// nftPart is what one service adds to the table.
type nftPart struct {
	claims   []nftKey     // the map entries it asked for, whether it got them or not
	elements []setElement // what it adds to the fixed sets and maps
	picks    []string     // the pick chain of each entry it got
	chains   []NFTChain   // its own chains: svc-…, ext-…
	affinity []NFTSet     // its affinity sets
}

// setElement is an element of the named set or map.
type setElement struct {
	set string
	NFTElement
}

// nftKey names an element by its set and its key.
type nftKey struct{ set, key string }

// nftIndex is what a partial regeneration needs to know of the whole
// table besides what it holds: the parts, and how they depend on each
// other.
type nftIndex struct {
	parts       map[string]*nftPart // by service key, "ns/name"; only services with rules
	claimed     map[nftKey]bool     // map entries taken
	contested   map[nftKey]bool     // entries asked for by more than one service
	shared      map[nftKey]int      // elements of sharedSets: how many parts add each
	picks       map[string]int      // pick chains: how many entries lead to each
	fixedChains int                 // the table's chains begin with this many fixed ones
}

// sharedSets are the sets whose elements belong to endpoints rather than
// to service ports: two services with one endpoint add the same element.
var sharedSets = map[string]bool{nftHairpin: true, nftMasqEndpoints: true}

// nftFixedSets is the number of fixed sets; the affinity sets follow them.
const nftFixedSets = 10

func newNFTIndex(ports int) *nftIndex {
	return &nftIndex{parts: make(map[string]*nftPart, ports), claimed: make(map[nftKey]bool, ports),
		contested: map[nftKey]bool{}, shared: make(map[nftKey]int, 2*ports), picks: map[string]int{}}
}

// clone copies the index for the next table; the parts themselves are
// never changed, only replaced, so they are shared.
func (x *nftIndex) clone() *nftIndex {
	return &nftIndex{parts: maps.Clone(x.parts), claimed: maps.Clone(x.claimed), contested: maps.Clone(x.contested),
		shared: maps.Clone(x.shared), picks: maps.Clone(x.picks), fixedChains: x.fixedChains}
}

// forEachService calls fn with each service's ports. servicePorts sorts
// ports by name, "ns/name:port", which keeps each service's together: two
// services' names differ before the colon, or one is a prefix of the
// other and the colon compares with the same character for every port.
func forEachService(ports []ServicePort, fn func(key string, ports []ServicePort)) {
	for start := 0; start < len(ports); {
		key := serviceOf(ports[start].Name)
		end := start + 1
		for end < len(ports) && serviceOf(ports[end].Name) == key {
			end++
		}
		fn(key, ports[start:end])
		start = end
	}
}

// assemble makes the whole table: the fixed chains and sets, the sets
// holding every part's elements, sorted, then the pick chains, the
// parts' chains and their affinity sets, each sorted by name. It counts
// the shared elements and the pick chains into idx. The parts come in
// the order of their ports, which puts most elements in order already:
// the sorts then cost a third of what they cost in the index's order.
func (g *nftGenerator) assemble(ports []ServicePort, parts []*nftPart, idx *nftIndex) *NFTRuleset {
	chains, sets := g.fixed()
	idx.fixedChains = len(chains)
	// Room for every element at once: growing slices of tens of thousands
	// of elements one append at a time, each growth a copy, was a third
	// of the generation's time with 10,000 services.
	sizes := map[string]int{}
	for _, part := range parts {
		for _, e := range part.elements {
			sizes[e.set]++
		}
	}
	bySet := make(map[string]*NFTSet, len(sets))
	for i := range sets {
		sets[i].Elements = make([]NFTElement, 0, sizes[sets[i].Name])
		bySet[sets[i].Name] = &sets[i]
	}
	var perPort []NFTChain
	var affinity []NFTSet
	for _, part := range parts {
		for _, e := range part.elements {
			s := bySet[e.set]
			s.Elements = append(s.Elements, e.NFTElement)
			if sharedSets[e.set] {
				idx.shared[nftKey{e.set, e.Key}]++
			}
		}
		for _, p := range part.picks {
			idx.picks[p]++
		}
		perPort = append(perPort, part.chains...)
		affinity = append(affinity, part.affinity...)
	}
	for i := range sets {
		// Maps hold each key once (claim); a shared set may hold an
		// element twice, the same both times.
		slices.SortFunc(sets[i].Elements, byKey)
		sets[i].Elements = slices.Compact(sets[i].Elements)
	}
	chains = append(chains, g.pickChains(idx.picks)...)
	slices.SortFunc(perPort, chainByName)
	slices.SortFunc(affinity, setByName)
	return &NFTRuleset{Chains: append(chains, perPort...), Sets: append(sets, affinity...), Ports: ports, index: idx}
}

// pickChains are the pick chains that entries lead to, sorted by name.
func (g *nftGenerator) pickChains(picks map[string]int) []NFTChain {
	var out []NFTChain
	for _, name := range slices.Sorted(maps.Keys(picks)) {
		out = append(out, g.pickChain(name))
	}
	return out
}

// regenerate is what GenerateNFT would make of every service, made from
// r, the table of the last sync, when the services keys alone changed
// since: services and endpoints are their objects now (a deleted one is
// missing). Only their parts are made again. It returns nil when it
// cannot tell the table that way: r was not made by GenerateNFT or
// regenerate, or a changed service was, or now would be, one of two that
// ask for one map entry. The node must be the one r was made for. r
// itself is left as it is.
func (r *NFTRuleset) regenerate(keys map[string]bool, services []*api.Service, endpoints []*api.Endpoints, node NodeInfo) *NFTRuleset {
	if r.index == nil {
		return nil
	}
	idx := r.index.clone()
	d := &nftDelta{gone: map[string]map[string]NFTElement{}, came: map[string][]NFTElement{}, goneNames: map[string]bool{}}
	if !d.remove(idx, keys) {
		return nil
	}
	ports := servicePorts(services, endpoints, node)
	if !d.add(idx, ports, node) {
		return nil
	}
	return r.patched(idx, d, keys, ports, node)
}

// nftDelta is what a partial regeneration changes in the table.
type nftDelta struct {
	gone      map[string]map[string]NFTElement // set → its elements that go, by key
	came      map[string][]NFTElement          // set → its new elements
	goneNames map[string]bool                  // the chains and affinity sets that go
	chains    []NFTChain                       // the chains that come
	affinity  []NFTSet                         // the affinity sets that come
}

// remove takes the parts of the services keys out of idx, and notes what
// goes with them: their elements, but those another part shares, and
// their chains and sets. It reports false when one of them took part in
// a contest for a map entry.
func (d *nftDelta) remove(idx *nftIndex, keys map[string]bool) bool {
	for key := range keys {
		old := idx.parts[key]
		if old == nil {
			continue
		}
		for _, c := range old.claims {
			if idx.contested[c] {
				return false
			}
			delete(idx.claimed, c)
		}
		for _, e := range old.elements {
			if sharedSets[e.set] && release(idx.shared, nftKey{e.set, e.Key}) {
				continue // another part has it too
			}
			if d.gone[e.set] == nil {
				d.gone[e.set] = map[string]NFTElement{}
			}
			d.gone[e.set][e.Key] = e.NFTElement
		}
		for _, p := range old.picks {
			release(idx.picks, p)
		}
		for _, c := range old.chains {
			d.goneNames[c.Name] = true
		}
		for _, s := range old.affinity {
			d.goneNames[s.Name] = true
		}
		delete(idx.parts, key)
	}
	return true
}

// add makes the parts of ports' services and puts them into idx, and
// notes what comes with them: an element that goes and comes back the
// same stays where it is. It reports false when a new part asks for a
// map entry that another has.
func (d *nftDelta) add(idx *nftIndex, ports []ServicePort, node NodeInfo) bool {
	g := newNFTGenerator(node, idx.claimed, map[nftKey]bool{})
	forEachService(ports, func(key string, sps []ServicePort) {
		part := g.servicePart(sps)
		idx.parts[key] = part
		for _, e := range part.elements {
			if sharedSets[e.set] {
				k := nftKey{e.set, e.Key}
				idx.shared[k]++
				if idx.shared[k] > 1 {
					continue // another part has it already
				}
			}
			if old, ok := d.gone[e.set][e.Key]; ok && old == e.NFTElement {
				delete(d.gone[e.set], e.Key) // back as it was: it stays
				continue
			}
			d.came[e.set] = append(d.came[e.set], e.NFTElement)
		}
		for _, p := range part.picks {
			idx.picks[p]++
		}
		d.chains = append(d.chains, part.chains...)
		d.affinity = append(d.affinity, part.affinity...)
	})
	return len(g.contested) == 0
}

// patched is r with the delta: the fixed chains as they were, the pick
// chains idx counts, the other chains and every set patched; a set the
// delta does not touch shares r's elements.
func (r *NFTRuleset) patched(idx *nftIndex, d *nftDelta, keys map[string]bool, ports []ServicePort, node NodeInfo) *NFTRuleset {
	next := &NFTRuleset{index: idx}
	next.Chains = slices.Clone(r.Chains[:idx.fixedChains])
	next.Chains = append(next.Chains, newNFTGenerator(node, nil, nil).pickChains(idx.picks)...)
	next.Chains = append(next.Chains, patch(r.Chains[idx.fixedChains+len(r.index.picks):],
		func(c NFTChain) bool { return d.goneNames[c.Name] }, sorted(d.chains, chainByName), chainByName)...)

	next.Sets = slices.Clone(r.Sets[:nftFixedSets])
	for i, s := range next.Sets {
		gone, came := d.gone[s.Name], d.came[s.Name]
		if len(gone) == 0 && len(came) == 0 {
			continue
		}
		isGone := func(e NFTElement) bool { _, ok := gone[e.Key]; return ok }
		next.Sets[i].Elements = patch(s.Elements, isGone, sorted(came, byKey), byKey)
	}
	next.Sets = append(next.Sets, patch(r.Sets[nftFixedSets:],
		func(s NFTSet) bool { return d.goneNames[s.Name] }, sorted(d.affinity, setByName), setByName)...)

	next.Ports = patch(r.Ports, func(sp ServicePort) bool { return keys[serviceOf(sp.Name)] }, ports, portOrder)
	return next
}

// release takes one use of k away from counts, and reports whether
// others remain; without any, k goes.
func release[K comparable](counts map[K]int, k K) bool {
	counts[k]--
	if counts[k] > 0 {
		return true
	}
	delete(counts, k)
	return false
}

// patch returns before without the items drop picks and with add: both
// lists sorted by order, add sorted the same way, in one walk as a merge
// sort's. before itself is left as it is: the last sync's table keeps it.
func patch[T any](before []T, drop func(T) bool, add []T, order func(a, b T) int) []T {
	out := make([]T, 0, len(before)+len(add))
	i := 0
	for _, x := range before {
		if drop(x) {
			continue
		}
		for i < len(add) && order(add[i], x) < 0 {
			out = append(out, add[i])
			i++
		}
		out = append(out, x)
	}
	return append(out, add[i:]...)
}

func sorted[T any](s []T, order func(a, b T) int) []T {
	slices.SortFunc(s, order)
	return s
}

func byKey(a, b NFTElement) int     { return strings.Compare(a.Key, b.Key) }
func chainByName(a, b NFTChain) int { return strings.Compare(a.Name, b.Name) }
func setByName(a, b NFTSet) int     { return strings.Compare(a.Name, b.Name) }
func portOrder(a, b ServicePort) int {
	return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Protocol, b.Protocol))
}
