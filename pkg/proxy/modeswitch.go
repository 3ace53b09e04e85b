package proxy

import (
	"errors"
	"fmt"

	"go.uber.org/zap"
)

// This file keeps the two modes from running at once on a node.
//
// The modes write to different places: the iptables mode to chains of
// the kernel's nat and filter tables, jumped to from their built-in
// chains; the nftables mode to a table of its own, ip kubelab. Neither
// sees the other's rules. A node whose proxy was restarted with another
// --mode would keep the old mode's rules, which go on matching every
// packet for a service beside the new ones: with endpoints that have
// changed since, a connection may be rewritten to a pod that is gone.
//
// So the first sync of a Proxier deletes the other mode's rules before it
// writes its own, as kube-proxy does when it starts (its
// cleanupLeftovers). `proxy --cleanup` deletes both modes' rules,
// whichever ran.

// removeOtherMode deletes what the other mode left on the node, once: at
// the first full sync, before this mode's rules are written. It needs
// the other mode's applier (Config.Applier or Config.NFT); without it the
// other mode's command is missing, so it cannot have run here. A failure
// is logged, not returned: this mode's rules are still right, and the
// next full sync tries again.
func (p *Proxier) removeOtherMode() {
	if p.otherModeRemoved {
		return
	}
	var err error
	switch p.mode.name() {
	case ModeIPTables:
		if p.cfg.NFT != nil {
			err = removeNFTMode(p.cfg.NFT, p.log)
		}
	case ModeNFTables:
		if p.cfg.Applier != nil {
			err = removeIPTablesMode(p.cfg.Applier, p.log)
		}
	}
	if err != nil {
		p.log.Warn("cannot remove the rules of the other proxy mode: both may handle traffic; the next full sync tries again",
			zap.String("mode", p.mode.name()), zap.Error(err))
		return
	}
	p.otherModeRemoved = true
}

// removeNFTMode deletes the nftables mode's table, if there is one.
func removeNFTMode(a NFTApplier, log *zap.Logger) error {
	objs, err := a.Objects()
	if err != nil || len(objs) == 0 {
		return err
	}
	log.Info("deleting the table of the nftables mode, left from an earlier run", zap.String("table", nftTable),
		zap.Int("chainsAndSets", len(objs)))
	return CleanupNFT(a)
}

// removeIPTablesMode deletes the iptables mode's chains and jumps, if
// there are any of its chains.
func removeIPTablesMode(a RuleApplier, log *zap.Logger) error {
	found := 0
	for _, table := range []string{"filter", "nat"} {
		chains, err := a.Chains(table)
		if err != nil {
			return err
		}
		for _, c := range chains {
			if ownedChain(c) {
				found++
			}
		}
	}
	if found == 0 {
		return nil // and so no jumps: a jump needs its chain
	}
	log.Info("deleting the chains of the iptables mode, left from an earlier run", zap.Int("chains", found))
	return Cleanup(a)
}

// cleanupModes deletes both modes' rules: `proxy --cleanup`. A nil
// applier means its command is missing here, so that mode cannot have
// run: it is skipped, with a line in the log. Nothing there is fine.
func cleanupModes(ipt RuleApplier, nft NFTApplier, log *zap.Logger) error {
	var errs []error
	if ipt == nil {
		log.Info("no iptables command: skipping the iptables mode's chains")
	} else if err := Cleanup(ipt); err != nil {
		errs = append(errs, fmt.Errorf("the iptables mode's chains: %w", err))
	}
	if nft == nil {
		log.Info("no nft command: skipping the nftables mode's table")
	} else if err := CleanupNFT(nft); err != nil {
		errs = append(errs, fmt.Errorf("the nftables mode's table %s: %w", nftTable, err))
	}
	return errors.Join(errs...)
}
