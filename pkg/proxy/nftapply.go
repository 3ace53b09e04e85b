package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

// NFTApplier puts an nftables table into the kernel, as RuleApplier does
// iptables rules. The proxy decides what the table holds (GenerateNFT);
// an applier only runs transactions, so tests swap in a FakeNFT and read
// what it was asked to do.
type NFTApplier interface {
	// Run feeds text to `nft -f -`: one transaction, which changes the
	// kernel wholly or not at all.
	Run(text string) error
	// Objects lists the chains, sets and maps of the proxy's table; none
	// when there is no table.
	Objects() ([]NFTObject, error)
}

// CleanupNFT deletes the proxy's table, and with it every chain, set and
// rule of the nftables mode: `proxy --cleanup`. Declaring the table first
// makes the deletion succeed when there is none.
func CleanupNFT(a NFTApplier) error {
	return a.Run("table " + nftTable + "\ndelete table " + nftTable + "\n")
}

// NFT is the NFTApplier for a real node: it runs the nft command (the
// Debian package nftables) inside the node's network namespace.
//
// Why the command and not github.com/google/nftables, which speaks
// netlink to the kernel directly: the input of nft is the same text that
// `nft list table ip kubelab` shows, so what the proxy writes, what its
// tests read (testdata/kubia.nft) and what a student sees on a node are
// one language. The library takes each rule as a list of low-level
// expressions (load this header field into register 1, compare…), which
// nobody reads. The price is a process per sync, and nft reading the
// table's chains back before each transaction; kubelab's table has few
// chains (nftrules.go says why), so a sync of one changed endpoint stays
// a few tens of milliseconds with 10,000 services (hack/bench/proxy.sh).
type NFT struct {
	ns *NetNS
}

var _ NFTApplier = (*NFT)(nil)

// NewNFT returns an applier that runs nft in ns (nil: the proxy's own
// namespace).
func NewNFT(ns *NetNS) (*NFT, error) {
	if _, err := exec.LookPath("nft"); err != nil {
		return nil, fmt.Errorf("nft: %w (the Debian package is nftables)", err)
	}
	return &NFT{ns: ns}, nil
}

// Version is `nft --version`: "nftables v1.0.6 (Lester Gooch #5)".
func (a *NFT) Version() string {
	out, err := exec.Command("nft", "--version").Output()
	if err != nil {
		return "unknown: " + err.Error()
	}
	return strings.TrimSpace(string(out))
}

// Run runs `nft -f -` with text on its input.
func (a *NFT) Run(text string) error {
	var stderr bytes.Buffer
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(text)
	cmd.Stderr = &stderr
	if err := a.ns.Do(cmd.Run); err != nil {
		return fmt.Errorf("nft -f: %w: %s", err, firstLines(stderr.String(), 6))
	}
	return nil
}

// Objects reads the names from `nft -t list chains ip`, `list sets ip`
// and `list maps ip` (-t, terse: without elements): their "chain NAME {",
// "set NAME {" and "map NAME {" lines within "table ip kubelab {".
// Listing the table itself would be simpler, but nft then reads every
// element from the kernel, tens of thousands: a second where this takes
// a few milliseconds.
func (a *NFT) Objects() ([]NFTObject, error) {
	var out, stderr bytes.Buffer
	cmd := exec.Command("nft", "-t", "-f", "-")
	cmd.Stdin = strings.NewReader("list chains ip\nlist sets ip\nlist maps ip\n")
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := a.ns.Do(cmd.Run); err != nil {
		return nil, fmt.Errorf("nft list: %w: %s", err, firstLines(stderr.String(), 3))
	}
	return parseObjects(&out)
}

// parseObjects reads the chain, set and map names of the proxy's table
// from an nft listing; the listing may hold other tables too.
func parseObjects(listing *bytes.Buffer) ([]NFTObject, error) {
	var objs []NFTObject
	ours := false
	sc := bufio.NewScanner(listing)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 4 && f[0] == "table" && f[3] == "{":
			ours = f[1]+" "+f[2] == nftTable
		case ours && len(f) == 3 && f[2] == "{" && (f[0] == "chain" || f[0] == "set" || f[0] == "map"):
			objs = append(objs, NFTObject{Kind: f[0], Name: f[1]})
		}
	}
	return objs, sc.Err()
}

// firstLines keeps an error message short: nft repeats each failed line
// with a marker under it, which is useful, but not for a whole table.
func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("(%d more lines)", len(lines)-n))
	}
	return strings.Join(lines, "; ")
}
