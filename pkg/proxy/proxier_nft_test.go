package proxy

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// The Proxier in the nftables mode, against a FakeNFT: the same syncs as
// in the iptables mode, and a sync after a lone change that makes only
// the changed service's rules again.

type nftHarness struct {
	p                          *Proxier
	nft                        *FakeNFT
	services, endpoints, nodes *objects
	logs                       *observer.ObservedLogs
}

func newNFTHarness(t *testing.T) *nftHarness {
	core, logs := observer.New(zap.DebugLevel)
	h := &nftHarness{nft: NewFakeNFT(), services: &objects{}, endpoints: &objects{}, nodes: &objects{}, logs: logs}
	h.p = mustNew(t, Config{Node: node1, SyncPeriod: time.Hour, Mode: ModeNFTables, NFT: h.nft,
		Services: h.services, Endpoints: h.endpoints, Nodes: h.nodes, Log: zap.New(core)})
	return h
}

// generated is the "generated" field of the last "rules synced" line.
func (h *nftHarness) generated() string {
	entries := h.logs.FilterMessage("rules synced").All()
	if len(entries) == 0 {
		return ""
	}
	return entries[len(entries)-1].ContextMap()["generated"].(string)
}

func (h *nftHarness) want(t *testing.T) {
	t.Helper()
	want := GenerateNFT(client.ListOf[*api.Service](h.services), client.ListOf[*api.Endpoints](h.endpoints), node1)
	if err := h.nft.Holds(want); err != nil {
		t.Error(err)
	}
}

func TestNFTModeSyncs(t *testing.T) {
	h := newNFTHarness(t)
	// A table from a run before this one, with a service deleted since.
	old := GenerateNFT([]*api.Service{service("default", "gone", "10.96.0.9", affinity(60))},
		[]*api.Endpoints{endpoints("default", "gone", "10.244.1.9")}, node1)
	if err := h.nft.Run(old.Replace(nil)); err != nil {
		t.Fatal(err)
	}
	h.services.set(service("default", "kubia", "10.96.0.10", nodePort(30080)), service("default", "other", "10.96.0.11"))
	h.endpoints.set(endpoints("default", "kubia", "10.244.1.2"), endpoints("default", "other", "10.244.1.9"))
	ctx := context.Background()
	if err := h.p.Sync(ctx, false); err != nil { // the first sync is full whatever the caller asks
		t.Fatal(err)
	}
	runs := h.nft.Runs()
	if first := runs[len(runs)-1]; !strings.Contains(first, "flush table ip kubelab") ||
		!strings.Contains(first, "delete chain ip kubelab svc-default/gone/tcp/http") {
		t.Errorf("the first sync did not replace the table:\n%s", first)
	}
	h.want(t)

	h.endpoints.set(endpoints("default", "kubia", "10.244.1.2", "10.244.2.2"), endpoints("default", "other", "10.244.1.9"))
	if err := h.p.Sync(ctx, false); err != nil {
		t.Fatal(err)
	}
	runs = h.nft.Runs()
	if update := runs[len(runs)-1]; strings.Contains(update, "flush table") || !strings.Contains(update, "10.244.2.2") {
		t.Errorf("a partial sync wrote:\n%s", update)
	}
	if got := h.generated(); got != "all services" {
		t.Errorf("Sync, which cannot know what changed, generated %q", got)
	}
	h.want(t)

	before := len(h.nft.Runs())
	if err := h.p.Sync(ctx, false); err != nil {
		t.Fatal(err)
	}
	if len(h.nft.Runs()) != before {
		t.Error("a sync with nothing changed ran nft")
	}
}

// Run tells a sync which services changed: the sync after a lone change
// makes only that service's rules again, and the table is then what a
// full generation makes.
func TestNFTModeRunRegeneratesTheChangedServiceOnly(t *testing.T) {
	h := newNFTHarness(t)
	h.services.set(service("default", "kubia", "10.96.0.10"), service("default", "other", "10.96.0.11"))
	h.endpoints.set(endpoints("default", "kubia", "10.244.1.2"), endpoints("default", "other", "10.244.1.9"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.p.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, func() bool { return len(h.nft.Runs()) == 1 })

	ep := endpoints("default", "kubia", "10.244.1.2", "10.244.1.3")
	h.endpoints.set(ep, endpoints("default", "other", "10.244.1.9"))
	h.p.Handler().OnUpdate(ep, ep)
	waitFor(t, func() bool { return len(h.nft.Runs()) == 2 })
	waitFor(t, func() bool { return h.generated() != "all services" })
	if got := h.generated(); got != "only the 1 changed" {
		t.Errorf("the sync after a lone change generated %q", got)
	}
	cancel()
	<-done
	h.want(t)
}

// generate makes only the changed services' rules again where it can:
// in the nftables mode, for a partial sync, when Run knows what changed
// and the node is the same.
func TestGenerateChoosesPartial(t *testing.T) {
	kubia := map[string]bool{"default/kubia": true}
	tests := []struct {
		name    string
		mode    string
		full    bool
		since   changeSet
		node    func(NodeInfo) NodeInfo
		partial bool
	}{
		{name: "nftables, one service changed", mode: ModeNFTables, since: changeSet{keys: kubia}, partial: true},
		{name: "nftables, a full sync", mode: ModeNFTables, full: true, since: changeSet{keys: kubia}},
		{name: "nftables, anything may have changed", mode: ModeNFTables, since: everything},
		{name: "nftables, the node's addresses changed", mode: ModeNFTables, since: changeSet{keys: kubia},
			node: func(n NodeInfo) NodeInfo { n.IPs = []string{"192.168.56.99"}; return n }},
		{name: "iptables, one service changed", mode: ModeIPTables, since: changeSet{keys: kubia}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			services, eps := &objects{}, &objects{}
			services.set(service("default", "kubia", "10.96.0.10"))
			eps.set(endpoints("default", "kubia", "10.244.1.2"))
			p := mustNew(t, Config{Node: node1, SyncPeriod: time.Hour, Mode: tt.mode, Applier: NewFakeApplier(), NFT: NewFakeNFT(),
				Services: services, Endpoints: eps})
			if err := p.Sync(context.Background(), true); err != nil {
				t.Fatal(err)
			}
			eps.set(endpoints("default", "kubia", "10.244.1.2", "10.244.1.3"))
			node := p.appliedNode
			if tt.node != nil {
				node = tt.node(node)
			}
			next, _, only := p.generate(tt.full, tt.since, node)
			if (only != nil) != tt.partial {
				t.Errorf("generated only %v; want a partial generation: %v", only, tt.partial)
			}
			if got := next.servicePorts(); len(got) != 1 || len(got[0].Endpoints) != 2 {
				t.Errorf("the rules are not those of the caches now: %+v", got)
			}
		})
	}
}

func TestNewChecksTheMode(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // in the error; "" for none
	}{
		{"iptables by default", Config{Applier: NewFakeApplier()}, ""},
		{"nftables", Config{Mode: ModeNFTables, NFT: NewFakeNFT()}, ""},
		{"an unknown mode", Config{Mode: "ipvs", Applier: NewFakeApplier()}, `Config.Mode "ipvs": want "iptables" or "nftables"`},
		{"iptables without its applier", Config{Mode: ModeIPTables, NFT: NewFakeNFT()}, "Config.Applier is nil"},
		{"nftables without its applier", Config{Mode: ModeNFTables, Applier: NewFakeApplier()}, "Config.NFT is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("New: %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestOptionsMode(t *testing.T) {
	base := Options{NodeName: "node1", ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14, SyncPeriod: time.Second}
	for _, tt := range []struct {
		mode string
		ok   bool
	}{{"", true}, {ModeIPTables, true}, {ModeNFTables, true}, {"ipvs", false}, {"NFTables", false}} {
		o := base
		o.Mode = tt.mode
		err := o.validate()
		if (err == nil) != tt.ok || (err != nil && !strings.HasPrefix(err.Error(), `--mode "`+tt.mode+`": want`)) {
			t.Errorf("--mode %q: %v", tt.mode, err)
		}
	}
}
