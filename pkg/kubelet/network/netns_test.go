package network

// Helpers for the privileged tests. Each test builds its own little world
// of throwaway network namespaces: a "node" namespace per simulated node,
// a "pod" namespace standing in for each sandbox, and for two nodes a veth
// pair between them standing in for the lab's network. The test process's
// own namespace, where the host's network lives, is never touched, and all
// test traffic goes between addresses inside those namespaces. Deleting a
// namespace deletes everything in it (links, addresses, routes, iptables
// tables), and t.Cleanup deletes them even when a test fails.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	goipt "github.com/coreos/go-iptables/iptables"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"go.uber.org/zap/zaptest"
	"golang.org/x/sys/unix"
)

// requireRoot skips the test, with one line saying why, unless it can
// create network namespaces and run iptables.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root (creates network namespaces, bridges, veths and iptables rules inside them)")
	}
	if _, err := exec.LookPath("iptables"); err != nil {
		t.Skip("skipping: needs the iptables command (Debian package iptables)")
	}
}

var nsSeq atomic.Int32

// testNS is a named network namespace that lives as long as the test.
type testNS struct {
	name, path string
	h          netns.NsHandle
}

// newNS makes a throwaway network namespace with lo up.
func newNS(t *testing.T, role string) testNS {
	t.Helper()
	name := fmt.Sprintf("klabtest-%d-%d-%s", os.Getpid(), nsSeq.Add(1), role)
	var h netns.NsHandle
	// NewNamed moves the calling thread into the new namespace: do it on
	// a thread that is thrown away afterwards.
	err := onThrowawayThread(func() (err error) { h, err = netns.NewNamed(name); return err })
	if errors.Is(err, unix.EPERM) {
		t.Skipf("skipping: may not create network namespaces here (needs CAP_SYS_ADMIN): %v", err)
	}
	if err != nil {
		t.Fatalf("create network namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		h.Close()
		if err := netns.DeleteNamed(name); err != nil {
			t.Errorf("delete network namespace %s: %v", name, err)
		}
	})
	ns := testNS{name: name, path: "/run/netns/" + name, h: h}
	withHandle(t, ns, func(nl *netlink.Handle) error {
		lo, err := nl.LinkByName("lo")
		if err != nil {
			return err
		}
		return nl.LinkSetUp(lo)
	})
	return ns
}

// withHandle runs fn with a netlink handle inside ns and fails the test on
// an error.
func withHandle(t *testing.T, ns testNS, fn func(*netlink.Handle) error) {
	t.Helper()
	nl, err := netlink.NewHandleAt(ns.h)
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	if err := fn(nl); err != nil {
		t.Fatalf("in %s: %v", ns.name, err)
	}
}

// newTestNetwork makes a node namespace and a Network for it.
func newTestNetwork(t *testing.T, cfg Config) (*Network, testNS) {
	t.Helper()
	ns := newNS(t, cfg.NodeName)
	cfg.NodeNetNS = ns.path
	cfg.Log = zaptest.NewLogger(t)
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() }) // runs before the namespace is deleted
	return n, ns
}

// joinNodes plugs a veth pair "lab0" between two node namespaces, as the
// lab's shared network, with a node address on each end.
func joinNodes(t *testing.T, a, b testNS, ipA, ipB string) {
	t.Helper()
	withHandle(t, a, func(nl *netlink.Handle) error {
		return nl.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "lab0"},
			PeerName: "lab0", PeerNamespace: netlink.NsFd(b.h)})
	})
	for ns, ip := range map[testNS]string{a: ipA, b: ipB} {
		withHandle(t, ns, func(nl *netlink.Handle) error {
			l, err := nl.LinkByName("lab0")
			if err != nil {
				return err
			}
			addr, _ := netlink.ParseAddr(ip + "/24")
			if err := nl.AddrAdd(l, addr); err != nil {
				return err
			}
			return nl.LinkSetUp(l)
		})
	}
}

// dockerLikeForward sets FORWARD's policy to DROP inside the node
// namespace, as Docker does on a real host.
func dockerLikeForward(t *testing.T, ns testNS) {
	t.Helper()
	ipt, err := goipt.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := inNetNS(ns.h, func() error { return ipt.ChangePolicy("filter", "FORWARD", "DROP") }); err != nil {
		t.Fatalf("FORWARD policy DROP in %s: %v", ns.name, err)
	}
}

// tcpTalk listens on ip:7777 inside to, connects from inside from, and
// reads a greeting. Both ends are sockets opened inside the namespaces
// (inNetNS), so the traffic never leaves them.
func tcpTalk(from, to testNS, ip string, timeout time.Duration) error {
	addr := net.JoinHostPort(ip, "7777")
	var ln net.Listener
	if err := inNetNS(to.h, func() (err error) { ln, err = net.Listen("tcp4", addr); return err }); err != nil {
		return fmt.Errorf("listen in %s: %w", to.name, err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Write([]byte("hello from " + to.name))
			c.Close()
		}
	}()
	return inNetNS(from.h, func() error {
		c, err := net.DialTimeout("tcp4", addr, timeout)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(timeout))
		got, err := io.ReadAll(c)
		if err != nil {
			return err
		}
		if string(got) != "hello from "+to.name {
			return errors.New("unexpected greeting " + string(got))
		}
		return nil
	})
}

// assertClean checks that nothing of kubelab's network is left in the
// node's namespace.
func assertClean(t *testing.T, n *Network) {
	t.Helper()
	for _, name := range []string{n.cfg.Bridge, n.cfg.VXLANDevice} {
		if l, err := linkByName(n.nl, name); err != nil || l != nil {
			t.Errorf("link %s still there (err %v)", name, err)
		}
	}
	links, err := n.nl.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		if l.Type() == "veth" && len(l.Attrs().Name) == 12 && l.Attrs().Name[:4] == "veth" {
			t.Errorf("pod veth %s still there", l.Attrs().Name)
		}
	}
	if routes, err := n.kubelabRoutes(); err != nil || len(routes) != 0 {
		t.Errorf("kubelab routes left: %v (err %v)", routes, err)
	}
	for _, h := range []hook{forwardHook, postroutingHook} {
		if ok, err := n.ipt.ChainExists(h.table, h.chain); err != nil || ok {
			t.Errorf("chain %s/%s still there (err %v)", h.table, h.chain, err)
		}
		if ok, err := hooked(n.ipt, h); err != nil || ok {
			t.Errorf("jump from %s to %s still there (err %v)", h.from, h.chain, err)
		}
	}
}
