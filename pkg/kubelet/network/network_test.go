package network

// Privileged tests: real bridges, veths, routes and iptables rules, all
// inside throwaway network namespaces (see netns_test.go).

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"kubelab/pkg/nodecheck"
)

func TestInitMakesTheBridgeAndRules(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	n, _ := newTestNetwork(t, Config{NodeName: "node1", PodCIDR: "10.244.1.0/24"})
	if err := n.sys.Set(ipForward, "0"); err != nil {
		t.Fatal(err)
	}

	for i := range 2 { // the second Init must find everything in place
		if err := n.Init(ctx); err != nil {
			t.Fatalf("Init #%d: %v", i+1, err)
		}
	}

	br, err := n.nl.LinkByName("klab0")
	if err != nil {
		t.Fatal(err)
	}
	if br.Type() != "bridge" || br.Attrs().Flags&net.FlagUp == 0 {
		t.Errorf("klab0 is a %s with flags %v, want an up bridge", br.Type(), br.Attrs().Flags)
	}
	if mac := br.Attrs().HardwareAddr.String(); mac != "0a:58:0a:f4:01:01" {
		t.Errorf("bridge MAC %s, want 0a:58:0a:f4:01:01", mac)
	}
	addrs, err := n.nl.AddrList(br, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	if len(addrs) != 1 || addrs[0].IPNet.String() != "10.244.1.1/24" {
		t.Errorf("bridge addresses %v, want only 10.244.1.1/24", addrs)
	}
	if v, _ := n.sys.Get(ipForward); v != "1" {
		t.Errorf("ip_forward=%s in the node namespace, want 1", v)
	}
	if v, err := n.sys.Get(bridgeNFCallIP); err == nil && v != "1" {
		t.Errorf("bridge-nf-call-iptables=%s, want 1", v)
	}
	if ok, err := hooked(n.ipt, forwardHook); err != nil || !ok {
		t.Errorf("FORWARD does not jump to KLAB-FORWARD (err %v)", err)
	}
	if ok, _ := n.ipt.ChainExists("nat", postroutingChain); ok {
		t.Error("KLAB-POSTROUTING exists while egress is denied")
	}

	n.cfg.Egress = EgressAllow
	if err := n.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := n.ipt.Exists("nat", postroutingChain, masqueradeRules("10.244.0.0/16")[0]...); err != nil || !ok {
		t.Errorf("egress allowed: no MASQUERADE rule (err %v)", err)
	}
	n.cfg.Egress = EgressDeny
	if err := n.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _ := n.ipt.ChainExists("nat", postroutingChain); ok {
		t.Error("KLAB-POSTROUTING still there after egress was denied again")
	}
}

func TestSetupPod(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	n, _ := newTestNetwork(t, Config{NodeName: "node1", PodCIDR: "10.244.1.0/24", MTU: 1400})
	if err := n.Init(ctx); err != nil {
		t.Fatal(err)
	}
	pod := newNS(t, "pod")

	veth, err := n.SetupPodNS(ctx, "uid-a", "10.244.1.2", pod.h)
	if err != nil {
		t.Fatal(err)
	}
	if veth != HostVethName("uid-a") {
		t.Errorf("host veth %s, want %s", veth, HostVethName("uid-a"))
	}

	var eth0Index int
	withHandle(t, pod, func(nl *netlink.Handle) error {
		eth0, err := nl.LinkByName("eth0")
		if err != nil {
			return err
		}
		eth0Index = eth0.Attrs().Index
		if eth0.Attrs().Flags&net.FlagUp == 0 || eth0.Attrs().MTU != 1400 {
			t.Errorf("eth0 flags %v MTU %d, want up with MTU 1400", eth0.Attrs().Flags, eth0.Attrs().MTU)
		}
		if !hasAddr(nl, "eth0", &netlink.Addr{IPNet: &net.IPNet{IP: net.IPv4(10, 244, 1, 2), Mask: net.CIDRMask(24, 32)}}) {
			t.Error("eth0 lacks 10.244.1.2/24")
		}
		routes, err := nl.RouteList(eth0, netlink.FAMILY_V4)
		if err != nil {
			return err
		}
		var gw string
		for _, r := range routes {
			if r.Dst == nil || r.Dst.String() == "0.0.0.0/0" {
				gw = r.Gw.String()
			}
		}
		if gw != "10.244.1.1" {
			t.Errorf("pod routes %v: want a default route via 10.244.1.1", routes)
		}
		lo, err := nl.LinkByName("lo")
		if err == nil && lo.Attrs().Flags&net.FlagUp == 0 {
			t.Error("lo is down in the pod")
		}
		return err
	})

	host, err := n.nl.LinkByName(veth)
	if err != nil {
		t.Fatal(err)
	}
	br, _ := n.nl.LinkByName("klab0")
	if host.Attrs().MasterIndex != br.Attrs().Index || host.Attrs().Flags&net.FlagUp == 0 {
		t.Errorf("%s: master %d up %v, want up on klab0 (%d)", veth, host.Attrs().MasterIndex,
			host.Attrs().Flags&net.FlagUp != 0, br.Attrs().Index)
	}
	if pi, err := n.nl.LinkGetProtinfo(host); err != nil || !pi.Hairpin {
		t.Errorf("%s: hairpin off (err %v)", veth, err)
	}

	// Again, as a restarted kubelet would: nothing is made anew.
	if again, err := n.SetupPodNS(ctx, "uid-a", "10.244.1.2", pod.h); err != nil || again != veth {
		t.Fatalf("second SetupPodNS = %s, %v", again, err)
	}
	withHandle(t, pod, func(nl *netlink.Handle) error {
		eth0, err := nl.LinkByName("eth0")
		if err == nil && eth0.Attrs().Index != eth0Index {
			t.Error("second SetupPodNS made eth0 anew")
		}
		return err
	})

	// Someone deletes the bridge; Init makes it anew and SetupPodNS plugs
	// the pod back in, without making it anew either.
	if err := deleteLink(n.nl, "klab0"); err != nil {
		t.Fatal(err)
	}
	if err := n.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := n.SetupPodNS(ctx, "uid-a", "10.244.1.2", pod.h); err != nil {
		t.Fatal(err)
	}
	host, _ = n.nl.LinkByName(veth)
	br, _ = n.nl.LinkByName("klab0")
	if host.Attrs().MasterIndex != br.Attrs().Index {
		t.Errorf("%s not plugged into the new klab0", veth)
	}

	for _, ip := range []string{"10.244.2.5", "10.244.1.1", "not-an-ip"} {
		if _, err := n.SetupPodNS(ctx, "uid-b", ip, newNS(t, "pod").h); err == nil {
			t.Errorf("SetupPodNS with IP %s: want an error", ip)
		}
	}
}

func TestSetupPodBySandboxPID(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	n, _ := newTestNetwork(t, Config{NodeName: "node1", PodCIDR: "10.244.1.0/24"})
	if err := n.Init(ctx); err != nil {
		t.Fatal(err)
	}
	// A stand-in for the pause process: a sleep started from a thread
	// inside the pod's namespace, so it lives there.
	pod := newNS(t, "pod")
	sandbox := exec.Command("sleep", "60")
	if err := inNetNS(pod.h, sandbox.Start); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sandbox.Process.Kill(); sandbox.Wait() })

	if _, err := n.SetupPod(ctx, "uid-a", "10.244.1.2", sandbox.Process.Pid); err != nil {
		t.Fatal(err)
	}
	withHandle(t, pod, func(nl *netlink.Handle) error {
		if l, err := linkByName(nl, "eth0"); err != nil || l == nil {
			t.Errorf("no eth0 in the sandbox's namespace (err %v)", err)
		}
		return nil
	})
}

func TestPodsOnOneNodeTalkDespiteDockersDropPolicy(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	n, node := newTestNetwork(t, Config{NodeName: "node1", PodCIDR: "10.244.1.0/24"})
	dockerLikeForward(t, node)
	if err := n.Init(ctx); err != nil {
		t.Fatal(err)
	}
	a, b := newNS(t, "pod-a"), newNS(t, "pod-b")
	for key, p := range map[string]struct {
		ns testNS
		ip string
	}{"uid-a": {a, "10.244.1.2"}, "uid-b": {b, "10.244.1.3"}} {
		if _, err := n.SetupPodNS(ctx, key, p.ip, p.ns.h); err != nil {
			t.Fatal(err)
		}
	}

	if err := tcpTalk(a, b, "10.244.1.3", 2*time.Second); err != nil {
		t.Fatalf("pod a to pod b on one node: %v", err)
	}
	if err := tcpTalk(b, a, "10.244.1.2", 2*time.Second); err != nil {
		t.Fatalf("pod b to pod a on one node: %v", err)
	}

	// The trap of DESIGN.md §10: with br_netfilter, even bridged traffic
	// meets FORWARD's DROP policy once kubelab's chain is gone.
	if v, err := n.sys.Get(bridgeNFCallIP); err != nil || v != "1" {
		t.Log("br_netfilter not loaded here: skipping the check that Docker's DROP policy bites")
		return
	}
	if err := removeHook(n.ipt, forwardHook); err != nil {
		t.Fatal(err)
	}
	if err := tcpTalk(a, b, "10.244.1.3", 500*time.Millisecond); err == nil {
		t.Error("pods talked with FORWARD DROP and no KLAB-FORWARD: the test shows nothing")
	}
	if err := n.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tcpTalk(a, b, "10.244.1.3", 2*time.Second); err != nil {
		t.Fatalf("after Init restored KLAB-FORWARD: %v", err)
	}
}

func TestTeardownPod(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	n, _ := newTestNetwork(t, Config{NodeName: "node1", PodCIDR: "10.244.1.0/24"})
	if err := n.Init(ctx); err != nil {
		t.Fatal(err)
	}
	pod := newNS(t, "pod")
	veth, err := n.SetupPodNS(ctx, "uid-a", "10.244.1.2", pod.h)
	if err != nil {
		t.Fatal(err)
	}

	if err := n.TeardownPod(ctx, "uid-a"); err != nil {
		t.Fatal(err)
	}
	if l, err := linkByName(n.nl, veth); err != nil || l != nil {
		t.Errorf("host veth %s still there (err %v)", veth, err)
	}
	withHandle(t, pod, func(nl *netlink.Handle) error {
		if l, err := linkByName(nl, "eth0"); err != nil || l != nil {
			t.Errorf("eth0 still in the pod (err %v)", err)
		}
		return nil
	})
	for _, key := range []string{"uid-a", "uid-never-set-up"} {
		if err := n.TeardownPod(ctx, key); err != nil {
			t.Errorf("TeardownPod(%s) of a veth that is gone: %v", key, err)
		}
	}
}

func TestPodsOnTwoNodes(t *testing.T) {
	for _, mode := range []string{ModeHostGW, ModeVXLAN} {
		t.Run(mode, func(t *testing.T) {
			requireRoot(t)
			testPodsOnTwoNodes(t, mode)
		})
	}
}

func testPodsOnTwoNodes(t *testing.T, mode string) {
	ctx := context.Background()
	// 198.51.100.0/24 is a documentation range (RFC 5737), here only on
	// the veth pair between the two node namespaces.
	peers := []Peer{
		{NodeName: "node1", NodeIP: "198.51.100.1", PodCIDR: "10.244.1.0/24"},
		{NodeName: "node2", NodeIP: "198.51.100.2", PodCIDR: "10.244.2.0/24"},
	}
	var nets [2]*Network
	var nodes, pods [2]testNS
	for i, p := range peers {
		nets[i], nodes[i] = newTestNetwork(t, Config{NodeName: p.NodeName, PodCIDR: p.PodCIDR,
			NodeIP: p.NodeIP, Mode: mode, Egress: []string{EgressAllow, EgressDeny}[i]})
	}
	joinNodes(t, nodes[0], nodes[1], peers[0].NodeIP, peers[1].NodeIP)
	podIPs := []string{"10.244.1.2", "10.244.2.2"}
	for i, n := range nets {
		dockerLikeForward(t, nodes[i])
		if err := n.Init(ctx); err != nil {
			if mode == ModeVXLAN && errors.Is(err, unix.EOPNOTSUPP) {
				t.Skipf("skipping: this kernel has no VXLAN: %v", err)
			}
			t.Fatal(err)
		}
		pods[i] = newNS(t, "pod")
		if _, err := n.SetupPodNS(ctx, "uid-"+peers[i].NodeName, podIPs[i], pods[i].h); err != nil {
			t.Fatal(err)
		}
	}

	for range 2 { // the second sync must change nothing
		for _, n := range nets {
			if err := n.SyncRoutes(ctx, peers); err != nil {
				t.Fatal(err)
			}
		}
	}
	routes, err := nets[0].kubelabRoutes()
	if err != nil || len(routes) != 1 || routes[0].Dst.String() != "10.244.2.0/24" {
		t.Fatalf("node1's kubelab routes: %v (err %v), want one to 10.244.2.0/24", routes, err)
	}

	if err := tcpTalk(pods[0], pods[1], podIPs[1], 3*time.Second); err != nil {
		t.Fatalf("pod on node1 to pod on node2: %v", err)
	}
	if err := tcpTalk(pods[1], pods[0], podIPs[0], 3*time.Second); err != nil {
		t.Fatalf("pod on node2 to pod on node1: %v", err)
	}
	if mode == ModeVXLAN {
		vx, err := nets[0].nl.LinkByName(DefaultVXLANDevice)
		if err != nil || vx.Attrs().Statistics == nil || vx.Attrs().Statistics.TxPackets == 0 {
			t.Errorf("nothing went through %s (err %v)", DefaultVXLANDevice, err)
		}
	}

	// node2 is gone from node1's view: its route (and VXLAN entries) go.
	if err := nets[0].SyncRoutes(ctx, peers[:1]); err != nil {
		t.Fatal(err)
	}
	if routes, err := nets[0].kubelabRoutes(); err != nil || len(routes) != 0 {
		t.Errorf("routes left after node2 went: %v (err %v)", routes, err)
	}
	if mode == ModeVXLAN {
		vx, _ := nets[0].nl.LinkByName(DefaultVXLANDevice)
		for _, fam := range []int{unix.AF_BRIDGE, netlink.FAMILY_V4} {
			entries, _ := nets[0].nl.NeighList(vx.Attrs().Index, fam)
			for _, e := range entries {
				if e.IP != nil && e.State&netlink.NUD_PERMANENT != 0 {
					t.Errorf("entry for a gone peer left on %s: %v", DefaultVXLANDevice, e)
				}
			}
		}
	}
	if err := tcpTalk(pods[0], pods[1], podIPs[1], 500*time.Millisecond); err == nil {
		t.Error("pod on node1 still reaches node2's pod without a route")
	}

	for _, n := range nets {
		for range 2 { // Cleanup twice: the second finds nothing to do
			if err := n.Cleanup(ctx); err != nil {
				t.Fatal(err)
			}
		}
		assertClean(t, n)
	}
}

func TestSyncRoutesReportsBadPeers(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	n, _ := newTestNetwork(t, Config{NodeName: "node1", PodCIDR: "10.244.1.0/24"})
	if err := n.Init(ctx); err != nil {
		t.Fatal(err)
	}
	err := n.SyncRoutes(ctx, []Peer{
		{NodeName: "no-cidr-yet", NodeIP: "198.51.100.9"},                           // skipped quietly
		{NodeName: "overlap", NodeIP: "198.51.100.3", PodCIDR: "10.244.1.0/25"},     // error
		{NodeName: "unreachable", NodeIP: "198.51.100.4", PodCIDR: "10.244.4.0/24"}, // no link to it
	})
	for _, want := range []string{"peer overlap", "peer unreachable"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("SyncRoutes error %v: want one naming %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "no-cidr-yet") {
		t.Errorf("a node without a pod CIDR is not an error: %v", err)
	}
}

func TestChecksOnANode(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	n, node := newTestNetwork(t, Config{NodeName: "node1", PodCIDR: "10.244.1.0/24", NodeIP: "198.51.100.1"})
	withHandle(t, node, func(nl *netlink.Handle) error { // the node's own NIC, with its address
		// (a veth with its peer left in the node: this kernel may lack the dummy driver)
		if err := nl.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "eth1"}, PeerName: "eth1-peer"}); err != nil {
			return err
		}
		eth1, err := nl.LinkByName("eth1")
		if err != nil {
			return err
		}
		addr, _ := netlink.ParseAddr("198.51.100.1/24")
		return nl.AddrAdd(eth1, addr)
	})
	dockerLikeForward(t, node)

	problems := func() []string {
		var out []string
		for _, f := range n.Checks(ctx) {
			t.Log(f)
			if f.Severity == nodecheck.Problem {
				out = append(out, f.Message)
			}
		}
		return out
	}
	if p := problems(); len(p) != 1 || !strings.Contains(p[0], "FORWARD policy is DROP") {
		t.Errorf("before Init: problems %q, want only the FORWARD policy", p)
	}
	if err := n.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if p := problems(); len(p) != 0 {
		t.Errorf("after Init: problems %q, want none", p)
	}
}

// TestPodEgress sends a pod's connection to an "outside" address: a
// namespace of the test's own, reached through the node's default route,
// standing in for the internet. 192.0.2.10 (TEST-NET-1) lives only there.
// The node's FORWARD policy stays ACCEPT, as in a fresh namespace or on a
// host without Docker: only kubelab's rules stand in the way. With egress
// denied the pod is refused at once, over TCP and UDP, also when it forges
// a source address outside the pod network, and the refusals are
// counted; the node's peers stay reachable. With egress allowed the pod
// gets through, masqueraded to the node's address.
func TestPodEgress(t *testing.T) {
	for _, egress := range []string{EgressDeny, EgressAllow} {
		t.Run(egress, func(t *testing.T) {
			requireRoot(t)
			testPodEgress(t, egress)
		})
	}
}

func testPodEgress(t *testing.T, egress string) {
	ctx := context.Background()
	const nodeIP, outsideIP, internetIP, podIP = "203.0.113.1", "203.0.113.2", "192.0.2.10", "10.244.1.2"
	n, node := newTestNetwork(t, Config{NodeName: "node1", PodCIDR: "10.244.1.0/24", NodeIP: nodeIP, Egress: egress})
	outside := newNS(t, "outside")
	joinNodes(t, node, outside, nodeIP, outsideIP)
	withHandle(t, node, func(nl *netlink.Handle) error {
		return nl.RouteAdd(&netlink.Route{Gw: net.ParseIP(outsideIP)}) // the node's default route leads outside
	})
	withHandle(t, outside, func(nl *netlink.Handle) error {
		lo, err := nl.LinkByName("lo")
		if err != nil {
			return err
		}
		addr, _ := netlink.ParseAddr(internetIP + "/32")
		if err := nl.AddrAdd(lo, addr); err != nil {
			return err
		}
		// The way back to the pods, as a peer node in host-gw mode has it.
		_, pods, _ := net.ParseCIDR("10.244.1.0/24")
		return nl.RouteAdd(&netlink.Route{Dst: pods, Gw: net.ParseIP(nodeIP)})
	})
	if err := n.Init(ctx); err != nil {
		t.Fatal(err)
	}
	pod := newNS(t, "pod")
	if _, err := n.SetupPodNS(ctx, "uid-a", podIP, pod.h); err != nil {
		t.Fatal(err)
	}
	// The outside namespace is also a node of the cluster (its address
	// is a peer's): pods may reach that address, whatever the setting.
	if err := n.SyncRoutes(ctx, []Peer{{NodeName: "node2", NodeIP: outsideIP, PodCIDR: "10.244.2.0/24"}}); err != nil {
		t.Fatal(err)
	}
	if err := tcpTalk(pod, outside, outsideIP, 2*time.Second); err != nil {
		t.Errorf("pod to a peer node's address: %v", err)
	}

	from, err := dialOutside(pod, outside, internetIP, "")
	if egress == EgressDeny {
		if !errors.Is(err, unix.ECONNREFUSED) {
			t.Fatalf("pod to %s with egress denied: got %v (seen from %q), want connection refused", internetIP, err, from)
		}
		// A forged source: an address outside the pod network, on the
		// pod's own eth0 (a pod with raw sockets needs no address at all).
		withHandle(t, pod, func(nl *netlink.Handle) error {
			eth0, err := nl.LinkByName("eth0")
			if err != nil {
				return err
			}
			addr, _ := netlink.ParseAddr("192.0.2.99/32")
			return nl.AddrAdd(eth0, addr)
		})
		// The refusal goes back to 192.0.2.99, which the node does not
		// route to the pod: the pod waits, but the rule counts it.
		_, before, _ := egressState(n.ipt)
		if from, err := dialOutside(pod, outside, internetIP, "192.0.2.99"); err == nil || from != "" {
			t.Errorf("pod to %s from a forged 192.0.2.99 got through (seen from %q)", internetIP, from)
		}
		if _, after, _ := egressState(n.ipt); after <= before {
			t.Errorf("a forged source passed the egress rule (refused %d before, %d after)", before, after)
		}
		if err := udpOutside(pod, outside, internetIP); !errors.Is(err, unix.ECONNREFUSED) {
			t.Errorf("UDP from the pod to %s: got %v, want refused", internetIP, err)
		}
		if _, refused, err := egressState(n.ipt); refused == 0 || err != nil {
			t.Errorf("the egress reject rule counted %d packets (err %v), want the refused connection", refused, err)
		}
		found := false
		for _, f := range n.Checks(ctx) {
			found = found || strings.HasPrefix(f.Message, "pod egress denied")
		}
		if !found {
			t.Error("Checks say nothing about pod egress")
		}
		return
	}
	if err != nil {
		t.Fatalf("pod to %s with egress allowed: %v", internetIP, err)
	}
	if from != nodeIP {
		t.Errorf("the outside saw the pod's connection from %s, want the node's %s (masqueraded)", from, nodeIP)
	}
}

// dialOutside listens on ip:7777 in the outside namespace, connects from
// the pod (from source address src, unless ""), and returns the source
// address the outside saw.
func dialOutside(pod, outside testNS, ip, src string) (string, error) {
	var ln net.Listener
	if err := inNetNS(outside.h, func() (err error) { ln, err = net.Listen("tcp4", ip+":7777"); return err }); err != nil {
		return "", err
	}
	defer ln.Close()
	seen := make(chan string, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
			seen <- host
			c.Close()
		}
	}()
	err := inNetNS(pod.h, func() error {
		d := net.Dialer{Timeout: time.Second}
		if src != "" {
			d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
		}
		c, err := d.Dial("tcp4", ip+":7777")
		if err == nil {
			c.Close()
		}
		return err
	})
	if err != nil {
		return "", err
	}
	select {
	case s := <-seen:
		return s, err
	case <-time.After(time.Second):
		return "", err
	}
}

// udpOutside sends datagrams from the pod to ip:7778, where the outside
// namespace listens and echoes, and returns the error of reading the
// echo: nil when it came back, ECONNREFUSED when the node refused them.
func udpOutside(pod, outside testNS, ip string) error {
	var pc net.PacketConn
	if err := inNetNS(outside.h, func() (err error) { pc, err = net.ListenPacket("udp4", ip+":7778"); return err }); err != nil {
		return err
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 16)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], from)
		}
	}()
	return inNetNS(pod.h, func() error {
		c, err := net.Dial("udp4", ip+":7778")
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 16)
		for range 3 { // the first refusal arrives after the first datagram
			if _, err := c.Write([]byte("ping")); err != nil {
				return err
			}
			if _, err := c.Read(buf); err != nil {
				return err
			}
			return nil
		}
		return nil
	})
}
