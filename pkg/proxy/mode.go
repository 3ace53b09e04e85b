package proxy

import (
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"kubelab/pkg/api"
)

// The proxy's two modes, as kube-proxy's --proxy-mode: the same
// ServicePorts (ports.go) written as iptables rules (rules.go, ruleset.go,
// apply.go) or as one nftables table (nftrules.go, nftset.go,
// nftapply.go). A Proxier syncs through a mode and does not care which.
const (
	ModeIPTables = "iptables"
	ModeNFTables = "nftables"
)

// rules is what a mode generated: a Ruleset or an NFTRuleset.
type rules interface {
	servicePorts() []ServicePort
	// counts are the sizes for the metrics: the rules by table (filter
	// and nat, or the nftables table), and the set elements (none in
	// iptables).
	counts() (rules map[string]int, elements int)
}

func (r *Ruleset) servicePorts() []ServicePort { return r.Ports }

func (r *Ruleset) counts() (map[string]int, int) {
	out := map[string]int{}
	for _, t := range r.Tables {
		out[t.Name] = r.RuleCount(t.Name)
	}
	return out, 0
}

func (r *NFTRuleset) servicePorts() []ServicePort { return r.Ports }

func (r *NFTRuleset) counts() (map[string]int, int) {
	return map[string]int{nftTable: r.RuleCount()}, r.ElementCount()
}

// mode is how a sync writes: what the rules are, the text that takes the
// kernel from what it holds to them, and how that text is applied.
type mode interface {
	name() string
	generate(services []*api.Service, endpoints []*api.Endpoints, node NodeInfo) rules
	// regenerate is generate after the services keys alone changed since
	// applied was generated for the same node: services and endpoints
	// are those of keys. nil when the mode cannot do it that way.
	regenerate(applied rules, keys map[string]bool, services []*api.Service, endpoints []*api.Endpoints, node NodeInfo) rules
	// text is the input that makes the kernel hold next: only what
	// differs from applied, unless full; everything, and the deletion of
	// what is stale, when full. applied nil means unknown: the stale
	// objects are read back from the kernel.
	text(next, applied rules, full bool) (string, error)
	apply(text string) error
	// afterFull repairs what a full sync's text does not cover: the
	// iptables mode's jumps from the built-in chains.
	afterFull() error
	// written counts what text writes, for the log: chains, or chains
	// and element commands.
	written(text string) int
}

// newMode is the mode cfg asks for, with its applier.
func newMode(cfg Config) (mode, error) {
	switch cfg.Mode {
	case "", ModeIPTables:
		if cfg.Applier == nil {
			return nil, errors.New("Config.Applier is nil: the iptables mode writes its rules through it")
		}
		return iptablesMode{cfg.Applier}, nil
	case ModeNFTables:
		if cfg.NFT == nil {
			return nil, errors.New("Config.NFT is nil: the nftables mode writes its table through it")
		}
		return nftablesMode{cfg.NFT}, nil
	}
	return nil, fmt.Errorf("Config.Mode %q: want %q or %q", cfg.Mode, ModeIPTables, ModeNFTables)
}

// iptablesMode writes Rulesets with iptables-restore.
type iptablesMode struct{ a RuleApplier }

func (iptablesMode) name() string { return ModeIPTables }

func (iptablesMode) generate(s []*api.Service, e []*api.Endpoints, node NodeInfo) rules {
	return Generate(s, e, node)
}

// regenerate is nil: the iptables mode generates everything. With
// 10,000 services Generate is about half of its partial sync, the
// iptables-restore of a few chains the other half (doc.go, "What it
// costs"); in the nftables mode the update is a few elements, and
// generating was most of the sync.
func (iptablesMode) regenerate(rules, map[string]bool, []*api.Service, []*api.Endpoints, NodeInfo) rules {
	return nil
}

// text is the iptables-restore input of a sync. A partial sync writes
// the chains that changed since the last one. A full sync writes every
// chain and deletes the proxy's chains it does not want: after a restart
// or a failure, the ones the kernel has (read back, which is slow with
// many services); otherwise the ones the last sync wrote.
func (m iptablesMode) text(next, applied rules, full bool) (string, error) {
	r := next.(*Ruleset)
	prev, _ := applied.(*Ruleset)
	if !full && prev != nil {
		return r.Update(prev), nil
	}
	existing := map[string][]string{}
	if prev != nil {
		for _, t := range prev.Tables {
			for _, c := range t.Chains {
				existing[t.Name] = append(existing[t.Name], c.Name)
			}
		}
		return r.Replace(existing), nil
	}
	for _, table := range []string{"filter", "nat"} {
		chains, err := m.a.Chains(table)
		if err != nil {
			return "", err
		}
		existing[table] = chains
	}
	return r.Replace(existing), nil
}

func (m iptablesMode) apply(text string) error { return m.a.Restore(text) }

// afterFull puts the jumps back: someone may have flushed the built-in
// chains (a firewall reload).
func (m iptablesMode) afterFull() error { return m.a.EnsureJumps(Jumps) }

func (iptablesMode) written(text string) int { return strings.Count(text, "\n:") }

// nftablesMode writes NFTRulesets with nft.
type nftablesMode struct{ a NFTApplier }

func (nftablesMode) name() string { return ModeNFTables }

func (nftablesMode) generate(s []*api.Service, e []*api.Endpoints, node NodeInfo) rules {
	return GenerateNFT(s, e, node)
}

// regenerate makes only the changed services' part of the table again
// (nftparts.go).
func (nftablesMode) regenerate(applied rules, keys map[string]bool, s []*api.Service, e []*api.Endpoints, node NodeInfo) rules {
	prev, ok := applied.(*NFTRuleset)
	if !ok {
		return nil
	}
	if next := prev.regenerate(keys, s, e, node); next != nil {
		return next
	}
	return nil // not a nil *NFTRuleset in a non-nil interface
}

// text is the nft input of a sync: the changes since the last one, or
// the whole table in place of whatever the kernel holds, whose objects
// are read back after a restart or a failure (the table has few chains,
// so that is quick).
func (m nftablesMode) text(next, applied rules, full bool) (string, error) {
	r := next.(*NFTRuleset)
	prev, _ := applied.(*NFTRuleset)
	if !full && prev != nil {
		return r.Update(prev), nil
	}
	if prev != nil {
		return r.Replace(prev.Objects()), nil
	}
	existing, err := m.a.Objects()
	if err != nil {
		return "", err
	}
	return r.Replace(existing), nil
}

func (m nftablesMode) apply(text string) error { return m.a.Run(text) }

func (nftablesMode) afterFull() error { return nil } // the table's base chains are its hooks: nothing outside it

// written counts the element and chain commands of an nft input.
func (nftablesMode) written(text string) int {
	return strings.Count(text, "element ") + strings.Count(text, "\tchain ")
}

// nftablesKernel is the oldest kernel kube-proxy's nftables mode runs on,
// and kubelab's: the table uses what 5.13 has.
var nftablesKernel = [2]int{5, 13}

// DefaultMode picks a mode for this host the way kube-proxy's
// documentation does, and says why: iptables is the default, for
// compatibility with everything else that writes iptables rules;
// nftables where iptables is missing and the kernel and the nft command
// are new enough. --mode chooses either.
func DefaultMode() (mode, why string, err error) {
	if _, err := exec.LookPath("iptables-restore"); err == nil {
		return ModeIPTables, "iptables-restore is installed, and iptables is the default (as kube-proxy's)", nil
	}
	if err := nftablesSupported(); err != nil {
		return "", "", fmt.Errorf("neither iptables-restore (the Debian package iptables) nor nftables: %w", err)
	}
	return ModeNFTables, "iptables-restore is missing, and the kernel and the nft command run the nftables mode", nil
}

// nftablesSupported says why the nftables mode cannot run here, if it
// cannot: it needs the nft command and a kernel of 5.13 or later.
func nftablesSupported() error {
	if _, err := exec.LookPath("nft"); err != nil {
		return fmt.Errorf("the nft command is missing (the Debian package nftables)")
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return err
	}
	release := unix.ByteSliceToString(u.Release[:])
	if !kernelAtLeast(release, nftablesKernel) {
		return fmt.Errorf("kernel %s: the nftables mode needs %d.%d or later", release, nftablesKernel[0], nftablesKernel[1])
	}
	return nil
}

// kernelAtLeast compares a kernel release ("6.1.0-18-amd64") with a
// major.minor version.
func kernelAtLeast(release string, want [2]int) bool {
	parts := strings.SplitN(release, ".", 3)
	if len(parts) < 2 {
		return false
	}
	digits := func(s string) string { // "13-rc1" → "13"
		if i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
			return s[:i]
		}
		return s
	}
	major, err1 := strconv.Atoi(digits(parts[0]))
	minor, err2 := strconv.Atoi(digits(parts[1]))
	if err1 != nil || err2 != nil {
		return false
	}
	return major > want[0] || (major == want[0] && minor >= want[1])
}
