package proxy

// The IPTables applier against real iptables, inside a throwaway network
// namespace (see netns_test.go).

import (
	"context"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"kubelab/pkg/api"
)

func TestIPTablesApplyUpdateCleanup(t *testing.T) {
	requireRoot(t)
	ns := newNS(t, "node")
	a, err := NewIPTables("iptables", ns.NetNS)
	if err != nil {
		t.Fatal(err)
	}
	// Chains of others: the kubelet's, and a proxy chain from an earlier run.
	ns.run(t, "iptables", "-t", "filter", "-N", "KLAB-FORWARD")
	ns.run(t, "iptables", "-t", "nat", "-N", "KLAB-SVC-LEFTOVERFROMBEFORE")

	services := &objects{}
	eps := &objects{}
	services.set(
		service("default", "kubia", "10.96.0.10", nodePort(30080)),
		service("default", "dns", "10.96.0.53", affinity(600), ports(api.ServicePort{Name: "dns", Protocol: "UDP", Port: 53})),
		service("default", "empty", "10.96.0.99"),
	)
	eps.set(
		endpoints("default", "kubia", "10.244.1.2", "10.244.2.2", "10.244.3.2"),
		endpointsPorts("default", "dns", []api.EndpointPort{{Name: "dns", Port: 53, Protocol: "UDP"}}, "10.244.1.5"),
	)
	p := mustNew(t, Config{Node: node1, SyncPeriod: 1 << 62, Applier: a, Services: services, Endpoints: eps,
		Log: zaptest.NewLogger(t)})
	ctx := context.Background()

	// Apply: every chain, the jumps, the leftover gone.
	if err := p.Sync(ctx, true); err != nil {
		t.Fatal(err)
	}
	nat := ns.run(t, "iptables-save", "-t", "nat")
	for _, want := range []string{
		"-A PREROUTING -m comment --comment \"kubelab proxy\" -j KLAB-SERVICES",
		"-A OUTPUT -m comment --comment \"kubelab proxy\" -j KLAB-SERVICES",
		"-A POSTROUTING -m comment --comment \"kubelab proxy\" -j KLAB-PROXY-POSTROUTING",
		"--to-destination 10.244.3.2:8080",
		"--probability 0.3333333", // the kernel keeps 32 bits: 0.33333333349
		"-m recent --set --name " + expand("SEP(default/dns:dns/udp/10.244.1.5:53)"),
	} {
		if !strings.Contains(nat, want) {
			t.Errorf("nat table lacks %q:\n%s", want, nat)
		}
	}
	// EnsureJumps finds the jumps in iptables -S CHAIN as saveLine
	// spells them: otherwise every full sync asks iptables about each.
	for _, j := range Jumps {
		listed := ns.run(t, "iptables", "-t", j.Table, "-S", j.From)
		if !slices.Contains(strings.Split(listed, "\n"), j.saveLine()) {
			t.Errorf("iptables -t %s -S %s does not show the jump as %q:\n%s", j.Table, j.From, j.saveLine(), listed)
		}
	}
	if err := a.EnsureJumps(Jumps); err != nil { // again: nothing to add
		t.Fatal(err)
	}
	if again := ns.run(t, "iptables-save", "-t", "nat"); strings.Count(again, "-j KLAB-SERVICES") != strings.Count(nat, "-j KLAB-SERVICES") {
		t.Errorf("a second EnsureJumps added jumps:\n%s", again)
	}
	if strings.Contains(nat, "LEFTOVER") {
		t.Error("the leftover chain survived the first full sync")
	}
	filter := ns.run(t, "iptables-save", "-t", "filter")
	for _, want := range []string{
		"-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubelab proxy\" -j KLAB-EXTERNAL",
		"-A FORWARD -m comment --comment \"kubelab proxy\" -j KLAB-PROXY-FORWARD",
		"-d 10.96.0.99/32 -p tcp -m comment --comment \"default/empty:http has no endpoints\" -m tcp --dport 80 -j REJECT",
	} {
		if !strings.Contains(filter, want) {
			t.Errorf("filter table lacks %q:\n%s", want, filter)
		}
	}

	// The jumps are not duplicated by the next full sync.
	if err := p.Sync(ctx, true); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(ns.run(t, "iptables-save", "-t", "nat"), "-j KLAB-SERVICES\n"); n != 2 {
		t.Errorf("%d jumps to KLAB-SERVICES after two full syncs, want 2 (PREROUTING and OUTPUT)", n)
	}

	// Update: a service removed takes its chains along.
	services.set(service("default", "dns", "10.96.0.53", affinity(600), ports(api.ServicePort{Name: "dns", Protocol: "UDP", Port: 53})),
		service("default", "empty", "10.96.0.99"))
	if err := p.Sync(ctx, false); err != nil {
		t.Fatal(err)
	}
	nat = ns.run(t, "iptables-save", "-t", "nat")
	for _, gone := range []string{expand("SVC(default/kubia:http/tcp)"), expand("EXT(default/kubia:http/tcp)"),
		expand("SEP(default/kubia:http/tcp/10.244.1.2:8080)"), "default/kubia"} {
		if strings.Contains(nat, gone) {
			t.Errorf("%s still in the nat table after the service went", gone)
		}
	}
	if !strings.Contains(nat, "default/dns:dns") {
		t.Error("the other service's rules went too")
	}

	// Cleanup: nothing of the proxy's left; the kubelet's chain stays.
	if err := Cleanup(a); err != nil {
		t.Fatal(err)
	}
	all := ns.run(t, "iptables-save")
	for _, line := range strings.Split(all, "\n") {
		if strings.Contains(line, "KLAB") && line != ":KLAB-FORWARD - [0:0]" {
			t.Errorf("left after cleanup: %s", line)
		}
	}
	if !strings.Contains(all, ":KLAB-FORWARD - [0:0]") {
		t.Error("cleanup deleted the kubelet's KLAB-FORWARD")
	}
}

// A restore that iptables refuses names the line it failed at, and
// changes nothing.
func TestIPTablesRestoreError(t *testing.T) {
	requireRoot(t)
	ns := newNS(t, "node")
	a, err := NewIPTables("iptables", ns.NetNS)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Restore("*nat\n:KLAB-SERVICES - [0:0]\n-A KLAB-SERVICES -j KLAB-NO-SUCH-CHAIN\nCOMMIT\n")
	if err == nil || !strings.Contains(err.Error(), "KLAB-NO-SUCH-CHAIN") {
		t.Errorf("error %v does not show the failing line", err)
	}
	if strings.Contains(ns.run(t, "iptables-save", "-t", "nat"), "KLAB-SERVICES") {
		t.Error("a failed restore left a chain behind")
	}
}
