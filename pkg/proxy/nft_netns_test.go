package proxy

// The nftables mode against the kernel, inside throwaway network
// namespaces (netns_test.go): every transaction the proxy writes is one
// the kernel takes, and the table then holds what was generated.

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// requireNFT skips the test, with one line saying why, unless the
// nftables mode can run here.
func requireNFT(t *testing.T) {
	t.Helper()
	if err := nftablesSupported(); err != nil {
		t.Skipf("skipping: %v", err)
	}
}

// newSyncer returns a Proxier writing in mode inside ns.
func newSyncer(t *testing.T, mode string, ns *NetNS, cfg Config) *Proxier {
	t.Helper()
	cfg.Mode = mode
	switch mode {
	case ModeIPTables:
		a, err := NewIPTables("iptables", ns)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Applier = a
	case ModeNFTables:
		a, err := NewNFT(ns)
		if err != nil {
			t.Fatal(err)
		}
		cfg.NFT = a
	}
	return mustNew(t, cfg)
}

// TestNFTInTheKernel walks through random cluster states, writing each
// with the update the proxy would write, and now and then with a full
// replacement: the kernel takes every transaction, and the table's
// chains and sets are the generated ones.
func TestNFTInTheKernel(t *testing.T) {
	requireRoot(t)
	requireNFT(t)
	ns := newNS(t, "nft")
	a, err := NewNFT(ns.NetNS)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var prev *NFTRuleset
	for step := range 40 {
		s, e := randomCluster(rng)
		next := GenerateNFT(s, e, node1)
		var text string
		if prev == nil || step%10 == 0 {
			existing, err := a.Objects()
			if err != nil {
				t.Fatal(err)
			}
			text = next.Replace(existing)
		} else {
			text = next.Update(prev)
		}
		if err := a.Run(text); err != nil {
			t.Fatalf("step %d: %v\n%s", step, err, text)
		}
		have, err := a.Objects()
		if err != nil {
			t.Fatal(err)
		}
		sortObjects(have)
		want := next.Objects()
		sortObjects(want)
		if !slices.Equal(have, want) {
			t.Fatalf("step %d: the table holds\n  %v\nwant\n  %v", step, have, want)
		}
		prev = next
	}
	if err := CleanupNFT(a); err != nil {
		t.Fatal(err)
	}
	if objs, err := a.Objects(); err != nil || len(objs) != 0 {
		t.Errorf("after cleanup: %v, %v", objs, err)
	}
	if err := CleanupNFT(a); err != nil {
		t.Errorf("cleanup without a table: %v", err)
	}
}

func sortObjects(o []NFTObject) {
	slices.SortFunc(o, func(a, b NFTObject) int { return strings.Compare(a.Kind+" "+a.Name, b.Kind+" "+b.Name) })
}
