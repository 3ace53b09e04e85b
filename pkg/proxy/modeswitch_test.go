package proxy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

// Switching modes: the first sync of one mode deletes the other's rules,
// and cleanup deletes both. First against the fakes, then against the
// kernel inside a throwaway network namespace.

// switchProxier is a Proxier in mode, of one service with an endpoint.
func switchProxier(t *testing.T, mode string, ipt RuleApplier, nft NFTApplier) *Proxier {
	t.Helper()
	services, eps := &objects{}, &objects{}
	services.set(service("default", "kubia", "10.96.0.10", nodePort(30080)))
	eps.set(endpoints("default", "kubia", "10.244.1.2"))
	return mustNew(t, Config{Node: node1, SyncPeriod: time.Hour, Mode: mode, Applier: ipt, NFT: nft,
		Services: services, Endpoints: eps, Log: zaptest.NewLogger(t)})
}

// proxyChains lists the iptables mode's chains the applier holds.
func proxyChains(t *testing.T, a RuleApplier) []string {
	t.Helper()
	var out []string
	for _, table := range []string{"filter", "nat"} {
		chains, err := a.Chains(table)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range chains {
			if ownedChain(c) {
				out = append(out, c)
			}
		}
	}
	return out
}

func TestSwitchingModesRemovesTheOther(t *testing.T) {
	ipt, nft := NewFakeApplier(), NewFakeNFT()
	ipt.AddChain("filter", "KLAB-FORWARD") // the kubelet's
	ctx := context.Background()

	if err := switchProxier(t, ModeIPTables, ipt, nft).Sync(ctx, true); err != nil {
		t.Fatal(err)
	}
	if len(proxyChains(t, ipt)) == 0 || ipt.JumpCount() == 0 {
		t.Fatal("the iptables mode wrote nothing")
	}

	if err := switchProxier(t, ModeNFTables, ipt, nft).Sync(ctx, true); err != nil {
		t.Fatal(err)
	}
	if chains := proxyChains(t, ipt); len(chains) > 0 || ipt.JumpCount() > 0 {
		t.Errorf("after the nftables mode's first sync, iptables holds %v and %d jumps", chains, ipt.JumpCount())
	}
	if _, ok := ipt.Rules("filter", "KLAB-FORWARD"); !ok {
		t.Error("the kubelet's KLAB-FORWARD went too")
	}
	if objs, _ := nft.Objects(); len(objs) == 0 {
		t.Error("the nftables mode wrote no table")
	}

	if err := switchProxier(t, ModeIPTables, ipt, nft).Sync(ctx, true); err != nil {
		t.Fatal(err)
	}
	if objs, _ := nft.Objects(); len(objs) > 0 {
		t.Errorf("after the iptables mode's first sync, the nftables table holds %v", objs)
	}
	if len(proxyChains(t, ipt)) == 0 {
		t.Error("the iptables mode wrote nothing the second time")
	}
}

// A failure to remove the other mode's rules does not stop this mode's
// sync, and the next full sync tries again.
func TestRemovingTheOtherModeIsRetried(t *testing.T) {
	ipt, nft := NewFakeApplier(), NewFakeNFT()
	if err := switchProxier(t, ModeNFTables, nil, nft).Sync(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	p := switchProxier(t, ModeIPTables, ipt, nft)
	nft.FailNext = errors.New("nft: Operation not permitted")
	if err := p.Sync(context.Background(), true); err != nil {
		t.Fatalf("the iptables mode's sync failed with the nftables cleanup: %v", err)
	}
	if objs, _ := nft.Objects(); len(objs) == 0 {
		t.Fatal("the table went though its deletion failed")
	}
	if err := p.Sync(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if objs, _ := nft.Objects(); len(objs) == 0 {
		t.Fatal("a partial sync deleted the table: only full syncs should try")
	}
	if err := p.Sync(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if objs, _ := nft.Objects(); len(objs) > 0 {
		t.Errorf("the next full sync left the table: %v", objs)
	}
}

func TestCleanupModes(t *testing.T) {
	ipt, nft := NewFakeApplier(), NewFakeNFT()
	ipt.AddChain("filter", "KLAB-FORWARD")
	if err := switchProxier(t, ModeIPTables, ipt, nil).Sync(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if err := switchProxier(t, ModeNFTables, nil, nft).Sync(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	log := zaptest.NewLogger(t)
	for i := range 2 { // the second time there is nothing to remove
		if err := cleanupModes(ipt, nft, log); err != nil {
			t.Fatalf("cleanup %d: %v", i+1, err)
		}
		if chains := proxyChains(t, ipt); len(chains) > 0 || ipt.JumpCount() > 0 {
			t.Errorf("cleanup %d left %v and %d jumps", i+1, chains, ipt.JumpCount())
		}
		if objs, _ := nft.Objects(); len(objs) > 0 {
			t.Errorf("cleanup %d left the table: %v", i+1, objs)
		}
	}
	if _, ok := ipt.Rules("filter", "KLAB-FORWARD"); !ok {
		t.Error("cleanup deleted the kubelet's KLAB-FORWARD")
	}
	if err := cleanupModes(nil, nil, log); err != nil {
		t.Errorf("cleanup without iptables and nft: %v", err)
	}
}

// TestSwitchingModesInTheKernel switches a node namespace from iptables
// to nftables and back: each time the first sync leaves only its own
// mode's rules. Then proxy --cleanup's cleanupModes leaves neither.
func TestSwitchingModesInTheKernel(t *testing.T) {
	requireRoot(t)
	requireNFT(t)
	ns := newNS(t, "switch")
	ipt, err := NewIPTables("iptables", ns.NetNS)
	if err != nil {
		t.Fatal(err)
	}
	nft, err := NewNFT(ns.NetNS)
	if err != nil {
		t.Fatal(err)
	}
	ns.run(t, "iptables", "-t", "filter", "-N", "KLAB-FORWARD") // the kubelet's
	iptablesState := func() string {
		var lines []string
		for l := range strings.Lines(ns.run(t, "iptables-save")) {
			if strings.Contains(l, "KLAB-") && !strings.Contains(l, "KLAB-FORWARD") {
				lines = append(lines, strings.TrimSpace(l))
			}
		}
		return strings.Join(lines, "\n")
	}
	hasTable := func() bool {
		return strings.Contains(ns.run(t, "nft", "list", "tables"), "table "+nftTable+"\n")
	}
	ctx := context.Background()
	for _, mode := range []string{ModeIPTables, ModeNFTables, ModeIPTables, ModeNFTables} {
		if err := switchProxier(t, mode, ipt, nft).Sync(ctx, true); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		chains, table := iptablesState(), hasTable()
		if mode == ModeIPTables && (!strings.Contains(chains, "-A PREROUTING") || table) {
			t.Errorf("in the iptables mode: table %s %v; proxy's iptables lines:\n%s", nftTable, table, chains)
		}
		if mode == ModeNFTables && (chains != "" || !table) {
			t.Errorf("in the nftables mode: table %s %v; proxy's iptables lines:\n%s", nftTable, table, chains)
		}
	}
	if err := switchProxier(t, ModeIPTables, ipt, nil).Sync(ctx, true); err != nil { // both at once, as a broken switch leaves them
		t.Fatal(err)
	}
	for i := range 2 {
		if err := cleanupModes(ipt, nft, zaptest.NewLogger(t)); err != nil {
			t.Fatalf("cleanup %d: %v", i+1, err)
		}
		if chains, table := iptablesState(), hasTable(); chains != "" || table {
			t.Errorf("after cleanup %d: table %s %v; proxy's iptables lines:\n%s", i+1, nftTable, table, chains)
		}
	}
	if !slices.Contains(strings.Fields(ns.run(t, "iptables", "-t", "filter", "-S")), "KLAB-FORWARD") {
		t.Error("the kubelet's KLAB-FORWARD went too")
	}
}
