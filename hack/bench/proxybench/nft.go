package main

import (
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/proxy"
)

// runNFTables measures the nftables mode: the same cluster and changes as
// runIPTables, through a Proxier in that mode, each sync one nft
// transaction.
func runNFTables(o options, node proxy.NodeInfo) (*figures, error) {
	services, endpoints := cluster(o.services, o.endpoints)
	r := proxy.GenerateNFT(services, endpoints, node)
	text := r.Text()
	fmt.Printf("proxybench: %d services × %d endpoints: %d nftables rules in %d chains, %d set elements, %.1f MB of nft input\n",
		o.services, o.endpoints, r.RuleCount(), len(r.Chains), r.ElementCount(), float64(len(text))/1e6)

	ns, err := newNamespace("klabbenchnft")
	if err != nil {
		return nil, err
	}
	defer ns.close()
	nft, err := proxy.NewNFT(ns.NetNS)
	if err != nil {
		return nil, err
	}
	fmt.Printf("nftables: %s, in network namespace %s\n\n", nft.Version(), ns.name)
	applier := &timedNFT{NFTApplier: nft}

	start := time.Now()
	for range 3 {
		proxy.GenerateNFT(services, endpoints, node)
	}
	fmt.Printf("%-38s %9.1f ms\n", "generate the table (pure)", ms(time.Since(start)/3))

	b, err := newProxier(proxy.Config{Node: node, Mode: proxy.ModeNFTables, NFT: applier, Log: zap.NewNop()},
		services, endpoints, func() time.Time { return applier.last })
	if err != nil {
		return nil, err
	}
	show := func(what string, took time.Duration) {
		fmt.Printf("%-38s %9.1f ms  (nft -f %.1f, reading the table %.1f, the rest %.1f; %d lines)\n",
			what, ms(took), ms(applier.run), ms(applier.objects), ms(took-applier.run-applier.objects), applier.lines)
	}
	f, err := measure(o, b, services, endpoints, applier.reset, show, func() time.Duration { return applier.run })
	if err != nil {
		return nil, err
	}
	fmt.Println()
	return f, nil
}

// timedNFT adds up the time spent in each kind of applier call, the
// lines written, and notes when the last transaction ended. The bench
// reads the figures once the Proxier's metrics show the sync done, which
// orders the reads after the writes.
type timedNFT struct {
	proxy.NFTApplier
	run, objects time.Duration
	lines        int
	last         time.Time
}

func (a *timedNFT) reset() { a.run, a.objects, a.lines = 0, 0, 0 }

func (a *timedNFT) Run(text string) error {
	d, err := timed(func() error { return a.NFTApplier.Run(text) })
	a.run += d
	a.lines += strings.Count(text, "\n")
	a.last = time.Now()
	return err
}

func (a *timedNFT) Objects() (objs []proxy.NFTObject, err error) {
	d, err := timed(func() (err error) { objs, err = a.NFTApplier.Objects(); return err })
	a.objects += d
	return objs, err
}
