package network

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	goipt "github.com/coreos/go-iptables/iptables"
	"github.com/vishvananda/netns"

	"kubelab/pkg/nodecheck"
)

// The chains kubelab owns, and where they hang.
const (
	forwardChain     = nodecheck.ForwardChain // filter table, jumped to from FORWARD
	postroutingChain = "KLAB-POSTROUTING"     // nat table, jumped to from POSTROUTING
)

// A hook is a chain of kubelab's own and the built-in chain that jumps to it.
// Keeping every rule in a chain of its own means kubelab can rewrite or
// remove all of them without reading anybody else's rules.
type hook struct {
	table, from, chain string
}

var (
	forwardHook     = hook{"filter", "FORWARD", forwardChain}
	postroutingHook = hook{"nat", "POSTROUTING", postroutingChain}
)

// jumpRule is the one rule kubelab adds to a built-in chain.
func (h hook) jumpRule() []string { return nodecheck.JumpRule(h.chain) }

// forwardRules decide, in FORWARD, what pod traffic the node passes on.
//
// Docker sets FORWARD's policy to DROP, and with br_netfilter loaded even
// traffic between two pods on the same bridge passes FORWARD; without these
// rules it would die there. Why a jump from FORWARD and not Docker's
// DOCKER-USER chain: FORWARD exists on every node (also in a simulated
// node's namespace, where Docker does not run), and Docker never flushes
// FORWARD; on a restart it only inserts its own jumps at the top, and those
// return here for traffic that is not Docker's. DOCKER-USER would survive
// too, but only where Docker runs and only once Docker made it.
//
// With EgressDeny, what comes in from the pods' bridge may go to pods, to
// the other nodes this node routes to, and to the apiserver when the
// proxy rewrote it there (the kubernetes Service, which the cluster DNS
// uses); any other new connection is refused at once, by the one rule
// whose counter `kctl doctor` shows. The rules match the bridge, not the
// pods' source addresses, so a pod that forges its source (it may: raw
// sockets) is refused too. The node's own addresses are its INPUT, not
// FORWARD: a pod reaches this node, and the services the proxy rewrites
// to other pods, without passing here. With EgressAllow, pods may send
// anywhere.
func (n *Network) forwardRules() [][]string {
	cluster, bridge := n.clusterCIDR.String(), n.cfg.Bridge
	rules := [][]string{
		{"-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-m", "comment", "--comment", "kubelab: replies", "-j", "ACCEPT"},
		{"-d", cluster, "-m", "comment", "--comment", "kubelab: to pods", "-j", "ACCEPT"},
	}
	if n.cfg.Egress == EgressAllow {
		return append(rules, []string{"-s", cluster, "-m", "comment", "--comment", "kubelab: from pods", "-j", "ACCEPT"})
	}
	if n.apiServer.IsValid() {
		rules = append(rules, []string{"-i", bridge, "-d", n.apiServer.String() + "/32", "-m", "conntrack", "--ctstate", "DNAT",
			"-m", "comment", "--comment", "kubelab: pods to the apiserver, through its service", "-j", "ACCEPT"})
	}
	for _, ip := range n.peerIPs {
		rules = append(rules, []string{"-i", bridge, "-d", ip.String() + "/32",
			"-m", "comment", "--comment", "kubelab: pods to nodes", "-j", "ACCEPT"})
	}
	return append(rules, []string{"-i", bridge, "-m", "comment", "--comment", egressRejectComment,
		"-j", "REJECT", "--reject-with", "icmp-port-unreachable"})
}

// egressRejectComment marks the rule that refuses pod egress; Checks
// reads its packet counter. It refuses with "port unreachable": the
// client fails at once with "connection refused", the way the proxy
// refuses a service without endpoints, instead of waiting for a timeout.
const egressRejectComment = nodecheck.EgressRejectComment

// masqueradeRules give pod traffic that leaves the cluster CIDR the node's
// source address, so the outside world can answer it (EgressAllow only).
// Traffic between pods keeps its pod addresses: the cluster routes them
// with no NAT.
func masqueradeRules(clusterCIDR string) [][]string {
	return [][]string{
		{"-s", clusterCIDR, "!", "-d", clusterCIDR, "-m", "comment", "--comment", "kubelab: pods to the outside", "-j", "MASQUERADE"},
	}
}

// iptables is the part of github.com/coreos/go-iptables the network uses,
// plus the version line that names the backend.
type iptables interface {
	ChainExists(table, chain string) (bool, error)
	ClearChain(table, chain string) error // creates the chain, or flushes it
	DeleteChain(table, chain string) error
	Insert(table, chain string, pos int, rulespec ...string) error
	Exists(table, chain string, rulespec ...string) (bool, error)
	Delete(table, chain string, rulespec ...string) error
	List(table, chain string) ([]string, error)               // in iptables -S form
	ListWithCounters(table, chain string) ([]string, error)   // iptables -S -v: "... -c packets bytes"
	ReplaceChain(table, chain string, rules [][]string) error // creates or replaces the chain atomically
	Version() (string, error)                                 // `iptables --version`
	LegacyTables() ([]string, error)                          // tables the legacy backend holds here
}

// ensureHook makes chain hold exactly rules, and from jump to it.
// When everything is in place it writes nothing, so calling it on every
// resync is cheap and leaves the counters alone. A chain that differs is
// replaced in one step (ReplaceChain), never flushed and refilled: in
// between, pod traffic would pass with none of the rules, the egress
// REJECT included.
func ensureHook(ipt iptables, h hook, rules [][]string) error {
	if !chainHolds(ipt, h, rules) {
		if err := ipt.ReplaceChain(h.table, h.chain, rules); err != nil {
			return err
		}
	}
	ok, err := hooked(ipt, h)
	if err != nil || ok {
		return err
	}
	return ipt.Insert(h.table, h.from, 1, h.jumpRule()...)
}

// hooked reports whether h.from jumps to h.chain. (Asking iptables about
// a jump to a chain that does not exist is an error, not a "no".)
func hooked(ipt iptables, h hook) (bool, error) {
	ok, err := ipt.ChainExists(h.table, h.chain)
	if err != nil || !ok {
		return false, err
	}
	return ipt.Exists(h.table, h.from, h.jumpRule()...)
}

// chainHolds reports whether h's chain exists with exactly rules in it.
func chainHolds(ipt iptables, h hook, rules [][]string) bool {
	if ok, err := ipt.ChainExists(h.table, h.chain); err != nil || !ok {
		return false
	}
	have, err := ipt.List(h.table, h.chain)
	if err != nil || len(have) != len(rules)+1 { // List's first line is "-N chain"
		return false
	}
	for _, r := range rules {
		if ok, err := ipt.Exists(h.table, h.chain, r...); err != nil || !ok {
			return false
		}
	}
	return true
}

// removeHook deletes the jump to h's chain and the chain itself; absent
// ones are fine.
func removeHook(ipt iptables, h hook) error {
	for {
		ok, err := hooked(ipt, h)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if err := ipt.Delete(h.table, h.from, h.jumpRule()...); err != nil {
			return err
		}
	}
	ok, err := ipt.ChainExists(h.table, h.chain)
	if err != nil || !ok {
		return err
	}
	if err := ipt.ClearChain(h.table, h.chain); err != nil {
		return err
	}
	return ipt.DeleteChain(h.table, h.chain)
}

// egressState reads KLAB-FORWARD: "deny" and how many packets its reject
// rule refused, "allow" when pods may leave, "" when the chain is absent.
func egressState(ipt iptables) (mode string, refused uint64, err error) {
	if ok, err := ipt.ChainExists(forwardHook.table, forwardChain); err != nil || !ok {
		return "", 0, err
	}
	lines, err := ipt.ListWithCounters(forwardHook.table, forwardChain)
	if err != nil {
		return "", 0, err
	}
	return nodecheck.Egress(lines)
}

// forwardPolicy reads the policy of FORWARD ("ACCEPT", "DROP") from the
// first line iptables -S prints: "-P FORWARD DROP".
func forwardPolicy(ipt iptables) (string, error) {
	lines, err := ipt.List("filter", "FORWARD")
	if err != nil {
		return "", err
	}
	return nodecheck.ForwardPolicy(lines), nil
}

// nsIPTables runs go-iptables inside one network namespace: each call
// executes the iptables command from a thread inside it (see inNetNS), so
// the rules land in the node's tables, never in those of the namespace the
// process happens to run in.
type nsIPTables struct {
	ns   netns.NsHandle
	once sync.Once
	ipt  *goipt.IPTables
	err  error
}

var _ iptables = (*nsIPTables)(nil)

// do runs fn with the client inside the namespace; the client is made on
// first use, so a Network can be built on a host without iptables.
func (t *nsIPTables) do(fn func(*goipt.IPTables) error) error {
	t.once.Do(func() { t.ipt, t.err = goipt.New(goipt.Timeout(5)) })
	if t.err != nil {
		return t.err
	}
	return inNetNS(t.ns, func() error { return fn(t.ipt) })
}

func (t *nsIPTables) ChainExists(table, chain string) (ok bool, err error) {
	err = t.do(func(ipt *goipt.IPTables) (err error) { ok, err = ipt.ChainExists(table, chain); return })
	return ok, err
}

func (t *nsIPTables) ClearChain(table, chain string) error {
	return t.do(func(ipt *goipt.IPTables) error { return ipt.ClearChain(table, chain) })
}

func (t *nsIPTables) DeleteChain(table, chain string) error {
	return t.do(func(ipt *goipt.IPTables) error { return ipt.DeleteChain(table, chain) })
}

func (t *nsIPTables) Insert(table, chain string, pos int, rule ...string) error {
	return t.do(func(ipt *goipt.IPTables) error { return ipt.Insert(table, chain, pos, rule...) })
}

func (t *nsIPTables) Exists(table, chain string, rule ...string) (ok bool, err error) {
	err = t.do(func(ipt *goipt.IPTables) (err error) { ok, err = ipt.Exists(table, chain, rule...); return })
	return ok, err
}

func (t *nsIPTables) Delete(table, chain string, rule ...string) error {
	return t.do(func(ipt *goipt.IPTables) error { return ipt.Delete(table, chain, rule...) })
}

// ReplaceChain writes the whole chain with one iptables-restore
// --noflush: declaring a chain there empties it, and the table changes in
// one step, so no packet sees the chain half written.
func (t *nsIPTables) ReplaceChain(table, chain string, rules [][]string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s\n:%s - [0:0]\n", table, chain)
	for _, r := range rules {
		b.WriteString("-A " + chain)
		for _, arg := range r {
			if strings.ContainsAny(arg, " \"") {
				arg = strconv.Quote(arg)
			}
			b.WriteString(" " + arg)
		}
		b.WriteString("\n")
	}
	b.WriteString("COMMIT\n")
	return inNetNS(t.ns, func() error {
		cmd := exec.Command("iptables-restore", "--noflush", "--wait")
		cmd.Stdin = strings.NewReader(b.String())
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("iptables-restore of %s/%s: %w: %s", table, chain, err, strings.TrimSpace(string(out)))
		}
		return nil
	})
}

func (t *nsIPTables) ListWithCounters(table, chain string) (lines []string, err error) {
	err = t.do(func(ipt *goipt.IPTables) (err error) { lines, err = ipt.ListWithCounters(table, chain); return })
	return lines, err
}

func (t *nsIPTables) List(table, chain string) (lines []string, err error) {
	err = t.do(func(ipt *goipt.IPTables) (err error) { lines, err = ipt.List(table, chain); return })
	return lines, err
}

// Version needs no namespace: it asks the command, not the kernel.
func (t *nsIPTables) Version() (string, error) {
	out, err := exec.Command("iptables", "--version").Output()
	return strings.TrimSpace(string(out)), err
}

// LegacyTables lists the tables the legacy (x_tables) backend holds in the
// node's namespace. /proc/net is the namespace of the process's main
// thread; /proc/thread-self/net is that of the calling thread, which
// inNetNS put inside the node's.
func (t *nsIPTables) LegacyTables() (names []string, err error) {
	err = inNetNS(t.ns, func() error {
		b, err := os.ReadFile("/proc/thread-self/net/ip_tables_names")
		names = strings.Fields(string(b))
		if os.IsNotExist(err) { // no ip_tables module: no legacy tables
			return nil
		}
		return err
	})
	return names, err
}
