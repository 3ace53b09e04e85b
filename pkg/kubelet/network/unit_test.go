package network

// Tests that need no root: names, MACs, configuration, iptables rule
// bookkeeping against a fake, and the doctor's judgement.

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestHostVethName(t *testing.T) {
	a, b := HostVethName("3f1c-uid-a"), HostVethName("3f1c-uid-b")
	for _, name := range []string{a, b} {
		if len(name) != 12 || !strings.HasPrefix(name, "veth") {
			t.Errorf("HostVethName = %q, want veth and 8 hex digits", name)
		}
	}
	if a == b {
		t.Errorf("two pods got the same veth name %q", a)
	}
	if again := HostVethName("3f1c-uid-a"); again != a {
		t.Errorf("HostVethName is not stable: %q then %q", a, again)
	}
}

func TestVTEPMAC(t *testing.T) {
	tests := []struct {
		name, cidr, want string
	}{
		{"network address", "10.244.2.0/24", "0a:58:0a:f4:02:00"},
		{"host bits dropped", "10.244.3.77/24", "0a:58:0a:f4:03:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mac, err := VTEPMAC(tt.cidr)
			if err != nil || mac.String() != tt.want {
				t.Errorf("VTEPMAC(%s) = %v, %v; want %s", tt.cidr, mac, err, tt.want)
			}
		})
	}
	if _, err := VTEPMAC("fd00::/64"); err == nil {
		t.Error("VTEPMAC of an IPv6 CIDR: want an error")
	}
}

func TestNewDefaultsAndValidation(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // "" for success
		check   func(*testing.T, *Network)
	}{
		{name: "defaults", cfg: Config{PodCIDR: "10.244.1.0/24"}, check: func(t *testing.T, n *Network) {
			if n.cfg.Bridge != "klab0" || n.cfg.Mode != ModeHostGW || n.cfg.MTU != 1500 || n.gateway.String() != "10.244.1.1" {
				t.Errorf("got bridge %s mode %s MTU %d gateway %s", n.cfg.Bridge, n.cfg.Mode, n.cfg.MTU, n.gateway)
			}
		}},
		{name: "vxlan MTU leaves room for the header", cfg: Config{PodCIDR: "10.244.1.0/24", Mode: ModeVXLAN, NodeIP: "192.0.2.1"},
			check: func(t *testing.T, n *Network) {
				if n.cfg.MTU != 1450 || n.cfg.VNI != 1 || n.cfg.VXLANPort != 8472 || n.cfg.VXLANDevice != "klab.vxlan" {
					t.Errorf("got MTU %d VNI %d port %d device %s", n.cfg.MTU, n.cfg.VNI, n.cfg.VXLANPort, n.cfg.VXLANDevice)
				}
			}},
		{name: "no pod CIDR", cfg: Config{}, wantErr: "pod CIDR"},
		{name: "IPv6", cfg: Config{PodCIDR: "fd00::/64"}, wantErr: "not an IPv4 CIDR"},
		{name: "outside the cluster", cfg: Config{PodCIDR: "10.9.1.0/24"}, wantErr: "not inside the cluster CIDR"},
		{name: "too small", cfg: Config{PodCIDR: "10.244.1.0/31"}, wantErr: "too small"},
		{name: "vxlan without node IP", cfg: Config{PodCIDR: "10.244.1.0/24", Mode: ModeVXLAN}, wantErr: "needs the node IP"},
		{name: "unknown mode", cfg: Config{PodCIDR: "10.244.1.0/24", Mode: "udp"}, wantErr: "mode"},
		{name: "bad node IP", cfg: Config{PodCIDR: "10.244.1.0/24", NodeIP: "node1"}, wantErr: "node IP"},
		{name: "long bridge name", cfg: Config{PodCIDR: "10.244.1.0/24", Bridge: "a-very-long-bridge"}, wantErr: "15 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := newNetwork(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, n)
		})
	}
}

// fakeIPTables keeps chains in memory and records every write, in
// iptables' own words.
type fakeIPTables struct {
	chains map[string][]string // "table/chain" → rules, each joined by spaces
	writes []string
}

var _ iptables = (*fakeIPTables)(nil)

func newFakeIPTables() *fakeIPTables {
	return &fakeIPTables{chains: map[string][]string{
		"filter/FORWARD": nil, "nat/POSTROUTING": nil,
	}}
}

func (f *fakeIPTables) write(format string, args ...any) {
	f.writes = append(f.writes, fmt.Sprintf(format, args...))
}

func (f *fakeIPTables) ChainExists(table, chain string) (bool, error) {
	_, ok := f.chains[table+"/"+chain]
	return ok, nil
}

func (f *fakeIPTables) ClearChain(table, chain string) error {
	f.chains[table+"/"+chain] = nil
	f.write("-t %s -F %s", table, chain)
	return nil
}

func (f *fakeIPTables) DeleteChain(table, chain string) error {
	delete(f.chains, table+"/"+chain)
	f.write("-t %s -X %s", table, chain)
	return nil
}

func (f *fakeIPTables) Insert(table, chain string, pos int, rule ...string) error {
	k := table + "/" + chain
	f.chains[k] = slices.Insert(f.chains[k], pos-1, strings.Join(rule, " "))
	f.write("-t %s -I %s %d %s", table, chain, pos, strings.Join(rule, " "))
	return nil
}

func (f *fakeIPTables) Exists(table, chain string, rule ...string) (bool, error) {
	return slices.Contains(f.chains[table+"/"+chain], strings.Join(rule, " ")), nil
}

func (f *fakeIPTables) Delete(table, chain string, rule ...string) error {
	k := table + "/" + chain
	if i := slices.Index(f.chains[k], strings.Join(rule, " ")); i >= 0 {
		f.chains[k] = slices.Delete(f.chains[k], i, i+1)
	}
	f.write("-t %s -D %s %s", table, chain, strings.Join(rule, " "))
	return nil
}

func (f *fakeIPTables) List(table, chain string) ([]string, error) {
	out := []string{"-N " + chain}
	for _, r := range f.chains[table+"/"+chain] {
		out = append(out, "-A "+chain+" "+r)
	}
	return out, nil
}

func (f *fakeIPTables) ReplaceChain(table, chain string, rules [][]string) error {
	k := table + "/" + chain
	f.chains[k] = nil
	for _, r := range rules {
		f.chains[k] = append(f.chains[k], strings.Join(r, " "))
	}
	f.write("-t %s restore %s: %s", table, chain, strings.Join(f.chains[k], " | "))
	return nil
}

func (f *fakeIPTables) ListWithCounters(table, chain string) ([]string, error) {
	lines, _ := f.List(table, chain)
	for i := 1; i < len(lines); i++ {
		lines[i] += " -c 0 0"
	}
	return lines, nil
}

func (f *fakeIPTables) Version() (string, error)        { return "iptables v1.8.9 (nf_tables)", nil }
func (f *fakeIPTables) LegacyTables() ([]string, error) { return nil, nil }

func TestEnsureAndRemoveHook(t *testing.T) {
	ipt := newFakeIPTables()
	rules := testRules(t, Config{Egress: EgressAllow})

	if err := ensureHook(ipt, forwardHook, rules); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"-t filter restore KLAB-FORWARD: " +
			"-m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment kubelab: replies -j ACCEPT | " +
			"-d 10.244.0.0/16 -m comment --comment kubelab: to pods -j ACCEPT | " +
			"-s 10.244.0.0/16 -m comment --comment kubelab: from pods -j ACCEPT",
		"-t filter -I FORWARD 1 -m comment --comment kubelab -j KLAB-FORWARD",
	}
	if !slices.Equal(ipt.writes, want) {
		t.Fatalf("first ensure wrote\n%s\nwant\n%s", strings.Join(ipt.writes, "\n"), strings.Join(want, "\n"))
	}

	ipt.writes = nil
	if err := ensureHook(ipt, forwardHook, rules); err != nil {
		t.Fatal(err)
	}
	if len(ipt.writes) != 0 {
		t.Errorf("second ensure wrote %q, want nothing", ipt.writes)
	}

	ipt.chains["filter/KLAB-FORWARD"] = append(ipt.chains["filter/KLAB-FORWARD"], "-j DROP") // someone meddled
	ipt.writes = nil
	if err := ensureHook(ipt, forwardHook, rules); err != nil {
		t.Fatal(err)
	}
	if got := ipt.chains["filter/KLAB-FORWARD"]; len(got) != 3 {
		t.Errorf("after repair the chain holds %q, want the three accept rules", got)
	}

	if err := removeHook(ipt, forwardHook); err != nil {
		t.Fatal(err)
	}
	if _, ok := ipt.chains["filter/KLAB-FORWARD"]; ok || len(ipt.chains["filter/FORWARD"]) != 0 {
		t.Errorf("after remove: chains %v", ipt.chains)
	}
	if err := removeHook(ipt, forwardHook); err != nil {
		t.Errorf("removing twice: %v", err)
	}
}

// testRules is the KLAB-FORWARD of a node with cfg (pod CIDR 10.244.1.0/24
// by default), and peers 198.51.100.12 and .13 routed.
func testRules(t *testing.T, cfg Config) [][]string {
	t.Helper()
	if cfg.PodCIDR == "" {
		cfg.PodCIDR = "10.244.1.0/24"
	}
	n, err := newNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.peerIPs = []netip.Addr{netip.MustParseAddr("198.51.100.12"), netip.MustParseAddr("198.51.100.13")}
	return n.forwardRules()
}

func TestForwardRulesByEgress(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // the rules, joined by spaces
	}{
		{name: "deny", cfg: Config{Egress: EgressDeny}, want: []string{
			"-m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment kubelab: replies -j ACCEPT",
			"-d 10.244.0.0/16 -m comment --comment kubelab: to pods -j ACCEPT",
			"-i klab0 -d 198.51.100.12/32 -m comment --comment kubelab: pods to nodes -j ACCEPT",
			"-i klab0 -d 198.51.100.13/32 -m comment --comment kubelab: pods to nodes -j ACCEPT",
			"-i klab0 -m comment --comment kubelab: pod egress denied -j REJECT --reject-with icmp-port-unreachable",
		}},
		{name: "deny, with the apiserver elsewhere", cfg: Config{Egress: EgressDeny, APIServer: "198.51.100.1"}, want: []string{
			"-m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment kubelab: replies -j ACCEPT",
			"-d 10.244.0.0/16 -m comment --comment kubelab: to pods -j ACCEPT",
			"-i klab0 -d 198.51.100.1/32 -m conntrack --ctstate DNAT -m comment --comment kubelab: pods to the apiserver, through its service -j ACCEPT",
			"-i klab0 -d 198.51.100.12/32 -m comment --comment kubelab: pods to nodes -j ACCEPT",
			"-i klab0 -d 198.51.100.13/32 -m comment --comment kubelab: pods to nodes -j ACCEPT",
			"-i klab0 -m comment --comment kubelab: pod egress denied -j REJECT --reject-with icmp-port-unreachable",
		}},
		{name: "allow", cfg: Config{Egress: EgressAllow}, want: []string{
			"-m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment kubelab: replies -j ACCEPT",
			"-d 10.244.0.0/16 -m comment --comment kubelab: to pods -j ACCEPT",
			"-s 10.244.0.0/16 -m comment --comment kubelab: from pods -j ACCEPT",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range testRules(t, tt.cfg) {
				got = append(got, strings.Join(r, " "))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("rules\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestEgressState(t *testing.T) {
	ipt := newFakeIPTables()
	if mode, _, err := egressState(ipt); mode != "" || err != nil {
		t.Errorf("without the chain: %q, %v; want \"\"", mode, err)
	}
	if err := ensureHook(ipt, forwardHook, testRules(t, Config{Egress: EgressDeny})); err != nil {
		t.Fatal(err)
	}
	if mode, n, err := egressState(ipt); mode != EgressDeny || n != 0 || err != nil {
		t.Errorf("deny: %q, %d, %v", mode, n, err)
	}
	if err := ensureHook(ipt, forwardHook, testRules(t, Config{Egress: EgressAllow})); err != nil {
		t.Fatal(err)
	}
	if mode, _, err := egressState(ipt); mode != EgressAllow || err != nil {
		t.Errorf("allow: %q, %v", mode, err)
	}
}
