package proxy

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// The cost of the pure part of an nftables sync with 10,000 services ×
// 2 endpoints: generating the table, and the update after one endpoint
// came. hack/bench/proxy.sh measures the whole sync against the kernel.

// benchCluster is n services with two endpoints each, inside benchNode's
// pod network.
func benchCluster(n int) ([]*api.Service, []*api.Endpoints) {
	var s []*api.Service
	var e []*api.Endpoints
	for i := range n {
		name := fmt.Sprintf("svc-%05d", i)
		s = append(s, service("bench", name, fmt.Sprintf("10.96.%d.%d", i/256, i%256)))
		e = append(e, endpoints("bench", name, fmt.Sprintf("10.128.%d.%d", i/256, i%256), fmt.Sprintf("10.144.%d.%d", i/256, i%256)))
	}
	return s, e
}

var benchNode = NodeInfo{Name: "node1", IPs: []string{"192.168.56.11"}, ClusterCIDR: "10.128.0.0/9", MasqueradeBit: 14}

func BenchmarkGenerateNFT(b *testing.B) {
	s, e := benchCluster(10000)
	for b.Loop() {
		GenerateNFT(s, e, benchNode)
	}
}

func BenchmarkUpdateNFT(b *testing.B) {
	s, e := benchCluster(10000)
	prev := GenerateNFT(s, e, benchNode)
	e[5] = endpoints("bench", "svc-00005", "10.128.0.5", "10.144.0.5", "10.160.0.5")
	next := GenerateNFT(s, e, benchNode)
	for b.Loop() {
		next.Update(prev)
	}
}

// BenchmarkRegenerateNFT is the pure part of a sync after one endpoint
// came, when the Proxier knows which service changed: its part made
// again, and the update.
func BenchmarkRegenerateNFT(b *testing.B) {
	s, e := benchCluster(10000)
	prev := GenerateNFT(s, e, benchNode)
	changed := endpoints("bench", "svc-00005", "10.128.0.5", "10.144.0.5", "10.160.0.5")
	keys := map[string]bool{"bench/svc-00005": true}
	for b.Loop() {
		next := prev.regenerate(keys, []*api.Service{s[5]}, []*api.Endpoints{changed}, benchNode)
		next.Update(prev)
	}
}

// discardNFT is an NFTApplier that writes nowhere: what a sync costs
// besides nft.
type discardNFT struct{}

func (discardNFT) Run(string) error              { return nil }
func (discardNFT) Objects() ([]NFTObject, error) { return nil, nil }

// BenchmarkSyncOneChangeNFT is a Proxier's partial sync after one
// endpoint came, as Run makes it, without nft: reading the changed
// objects, making their part again, the update, the bookkeeping.
func BenchmarkSyncOneChangeNFT(b *testing.B) {
	s, e := benchCluster(10000)
	services, eps := &objects{}, &objects{}
	for _, svc := range s {
		services.items = append(services.items, svc)
	}
	for _, ep := range e {
		eps.items = append(eps.items, ep)
	}
	p, err := New(Config{Node: benchNode, Mode: ModeNFTables, NFT: discardNFT{}, SyncPeriod: time.Hour,
		Services: services, Endpoints: eps})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := p.Sync(ctx, true); err != nil {
		b.Fatal(err)
	}
	keys := changeSet{keys: map[string]bool{"bench/svc-00005": true}}
	for i := 0; b.Loop(); i++ {
		eps.items[5] = endpoints("bench", "svc-00005", "10.128.0.5", "10.144.0.5", fmt.Sprintf("10.160.0.%d", i%2+5))
		if err := p.sync(ctx, false, keys); err != nil {
			b.Fatal(err)
		}
	}
}
