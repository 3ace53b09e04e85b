package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"

	goipt "github.com/coreos/go-iptables/iptables"
)

// RuleApplier puts rules into the kernel. The proxy decides what the
// rules are (Generate); an applier only writes them, so tests swap in a
// FakeApplier and read what it was asked to write.
type RuleApplier interface {
	// Restore feeds text to `iptables-restore --noflush` in one call:
	// each table in text changes at once, or not at all.
	Restore(text string) error
	// Chains lists the chains that exist now in table.
	Chains(table string) ([]string, error)
	// EnsureJumps puts each jump at the top of its built-in chain, unless
	// it is there already.
	EnsureJumps(jumps []Jump) error
	// DeleteJumps removes the jumps; absent ones are fine.
	DeleteJumps(jumps []Jump) error
}

// Cleanup removes every jump and every chain the proxy installs, and
// nothing else: `proxy --cleanup`. Other programs' chains, the kubelet's
// KLAB-FORWARD and KLAB-POSTROUTING among them, stay.
func Cleanup(a RuleApplier) error {
	if err := a.DeleteJumps(Jumps); err != nil {
		return fmt.Errorf("delete the jumps to the proxy's chains: %w", err)
	}
	existing := map[string][]string{}
	for _, table := range []string{"filter", "nat"} {
		chains, err := a.Chains(table)
		if err != nil {
			return err
		}
		existing[table] = chains
	}
	// An empty rule set replacing what is there deletes all of it.
	empty := &Ruleset{Tables: []Table{{Name: "filter"}, {Name: "nat"}}}
	if text := empty.Replace(existing); text != "" {
		return a.Restore(text)
	}
	return nil
}

// IPTables is the RuleApplier for a real node: it runs iptables-restore
// and iptables-save, and github.com/coreos/go-iptables for the jumps,
// inside the node's network namespace.
type IPTables struct {
	command string // iptables, iptables-legacy or iptables-nft; -restore and -save are its siblings
	ns      *NetNS
	ipt     *goipt.IPTables
}

var _ RuleApplier = (*IPTables)(nil)

// NewIPTables returns an applier that runs command ("iptables" for the
// host's default backend, or "iptables-legacy", "iptables-nft") in ns
// (nil: the proxy's own namespace). Rules written through one backend
// are invisible to the other: use the one Docker and the kubelet use.
func NewIPTables(command string, ns *NetNS) (*IPTables, error) {
	ipt, err := goipt.New(goipt.Path(command), goipt.Timeout(5))
	if err != nil {
		return nil, fmt.Errorf("%s: %w (the Debian package is iptables)", command, err)
	}
	return &IPTables{command: command, ns: ns, ipt: ipt}, nil
}

// Version is `iptables --version`, which names the backend: "iptables
// v1.8.9 (nf_tables)" or "(legacy)".
func (a *IPTables) Version() string {
	out, err := exec.Command(a.command, "--version").Output()
	if err != nil {
		return "unknown: " + err.Error()
	}
	return strings.TrimSpace(string(out))
}

// Restore runs iptables-restore --noflush with text on its input.
func (a *IPTables) Restore(text string) error {
	var stderr bytes.Buffer
	cmd := exec.Command(a.command+"-restore", "--noflush", "--wait=5")
	cmd.Stdin = strings.NewReader(text)
	cmd.Stderr = &stderr
	if err := a.ns.Do(cmd.Run); err != nil {
		return fmt.Errorf("%s-restore: %w: %s", a.command, err, explainRestoreError(stderr.String(), text))
	}
	return nil
}

// failedLine finds the input line iptables-restore complains about.
var failedLine = regexp.MustCompile(`(?:line:? )(\d+)`)

// explainRestoreError is iptables-restore's message with the input line
// it failed at, which the message only gives by number.
func explainRestoreError(stderr, text string) string {
	msg := strings.TrimSpace(strings.Split(stderr, "\nTry `")[0])
	m := failedLine.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	n, _ := strconv.Atoi(m[1])
	lines := strings.Split(text, "\n")
	if n < 1 || n > len(lines) {
		return msg
	}
	return fmt.Sprintf("%s (line %d: %q)", strings.ReplaceAll(msg, "\n", "; "), n, lines[n-1])
}

// Chains reads the chain names from iptables-save: its ":CHAIN POLICY
// [packets:bytes]" lines.
func (a *IPTables) Chains(table string) ([]string, error) {
	out, err := a.save(table)
	if err != nil {
		return nil, err
	}
	var chains []string
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, ":") {
			chains = append(chains, strings.Fields(line[1:])[0])
		}
	}
	return chains, sc.Err()
}

// save is iptables-save's text of one table.
func (a *IPTables) save(table string) (string, error) {
	var out, stderr bytes.Buffer
	cmd := exec.Command(a.command+"-save", "-t", table)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := a.ns.Do(cmd.Run); err != nil {
		return "", fmt.Errorf("%s-save -t %s: %w: %s", a.command, table, err, strings.TrimSpace(stderr.String()))
	}
	return out.String(), nil
}

// EnsureJumps inserts each missing jump at position 1, so the proxy sees
// packets before Docker's rules do. It lists each built-in chain the
// jumps come from once (iptables -S CHAIN) instead of asking iptables
// about each jump, a command apiece: every full sync calls it, and a
// change that comes meanwhile waits for it. Not iptables-save: that
// reads the proxy's tens of thousands of rules too, 14 s with 10,000
// services on the nf_tables backend, where listing one chain takes
// milliseconds. A jump the listing does not show is asked about once
// more before it is inserted, so a listing that spells a rule
// differently costs time, never a second copy of the jump.
func (a *IPTables) EnsureJumps(jumps []Jump) error {
	return a.ns.Do(func() error {
		listed := map[string][]string{} // "table/chain" → its rules, as iptables -S prints them
		for _, j := range jumps {
			from := j.Table + "/" + j.From
			if _, ok := listed[from]; !ok {
				rules, err := a.ipt.List(j.Table, j.From)
				if err != nil {
					return fmt.Errorf("list %s/%s: %w", j.Table, j.From, err)
				}
				listed[from] = rules
			}
			if slices.Contains(listed[from], j.saveLine()) {
				continue
			}
			ok, err := a.ipt.Exists(j.Table, j.From, j.Rule()...)
			if err != nil {
				return fmt.Errorf("check the jump from %s/%s to %s: %w", j.Table, j.From, j.Chain, err)
			}
			if !ok {
				if err := a.ipt.Insert(j.Table, j.From, 1, j.Rule()...); err != nil {
					return fmt.Errorf("jump from %s/%s to %s: %w", j.Table, j.From, j.Chain, err)
				}
			}
		}
		return nil
	})
}

// saveLine is the jump as iptables-save and iptables -S print it:
// -A INPUT -m conntrack --ctstate NEW -m comment --comment "kubelab proxy" -j KLAB-EXTERNAL
func (j Jump) saveLine() string {
	rule := j.Rule()
	for i, arg := range rule {
		if i > 0 && rule[i-1] == "--comment" {
			rule[i] = `"` + arg + `"`
		}
	}
	return "-A " + j.From + " " + strings.Join(rule, " ")
}

// DeleteJumps deletes every copy of each jump. Asking iptables about a
// jump to a chain that does not exist is an error, not a "no": such a
// jump cannot exist either, so it is skipped.
func (a *IPTables) DeleteJumps(jumps []Jump) error {
	return a.ns.Do(func() error {
		var errs []error
		for _, j := range jumps {
			if ok, err := a.ipt.ChainExists(j.Table, j.Chain); err != nil || !ok {
				errs = append(errs, err)
				continue
			}
			for {
				ok, err := a.ipt.Exists(j.Table, j.From, j.Rule()...)
				if err != nil || !ok {
					errs = append(errs, err)
					break
				}
				if err := a.ipt.Delete(j.Table, j.From, j.Rule()...); err != nil {
					errs = append(errs, err)
					break
				}
			}
		}
		return errors.Join(errs...)
	})
}
