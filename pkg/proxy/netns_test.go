package proxy

// Helpers for the privileged tests, which build a small world of
// throwaway network namespaces: a "node" namespace holding the proxy's
// rules, and "pod" namespaces plugged into a bridge in it. The test
// process's own namespace, where the host's network and iptables live, is
// never touched, and all test traffic goes between addresses inside those
// namespaces. Deleting a namespace deletes everything in it (links,
// routes, iptables rules, conntrack entries); t.Cleanup deletes them
// even when a test fails.

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// requireRoot skips the test, with one line saying why, unless it can
// create network namespaces and run iptables.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root (creates network namespaces and iptables rules inside them)")
	}
	for _, cmd := range []string{"iptables", "iptables-restore", "iptables-save"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("skipping: needs the %s command (Debian package iptables)", cmd)
		}
	}
}

var nsSeq atomic.Int32

// testNS is a named network namespace that lives as long as the test.
type testNS struct {
	name string
	*NetNS
}

// newNS makes a throwaway network namespace with lo up.
func newNS(t *testing.T, role string) testNS {
	t.Helper()
	name := fmt.Sprintf("klabproxy-%d-%d-%s", os.Getpid(), nsSeq.Add(1), role)
	// NewNamed moves the calling thread into the new namespace: do it on
	// a thread that is thrown away afterwards.
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		h, err := netns.NewNamed(name)
		if err == nil {
			h.Close()
		}
		errc <- err
	}()
	err := <-errc
	if errors.Is(err, unix.EPERM) {
		t.Skipf("skipping: may not create network namespaces here (needs CAP_SYS_ADMIN): %v", err)
	}
	if err != nil {
		t.Fatalf("create network namespace %s: %v", name, err)
	}
	ns, err := OpenNetNS("/run/netns/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ns.Close()
		if err := netns.DeleteNamed(name); err != nil {
			t.Errorf("delete network namespace %s: %v", name, err)
		}
	})
	tns := testNS{name: name, NetNS: ns}
	tns.netlink(t, func(nl *netlink.Handle) error {
		lo, err := nl.LinkByName("lo")
		if err != nil {
			return err
		}
		return nl.LinkSetUp(lo)
	})
	return tns
}

// netlink runs fn with a netlink handle inside the namespace and fails the
// test on an error.
func (ns testNS) netlink(t *testing.T, fn func(*netlink.Handle) error) {
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

// run runs a command inside the namespace and returns its output.
func (ns testNS) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var out []byte
	err := ns.Do(func() (err error) {
		out, err = exec.Command(name, args...).CombinedOutput()
		return err
	})
	if err != nil {
		t.Fatalf("%s %v in %s: %v: %s", name, args, ns.name, err, out)
	}
	return string(out)
}

// addr parses "10.244.1.2/24" for netlink.
func addr(t *testing.T, s string) *netlink.Addr {
	t.Helper()
	a, err := netlink.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// newNode makes a node namespace: an "eth0" with the node address and
// the default route, and a bridge holding the pod gateway address. eth0
// is one end of a veth pair whose other end, "wire", is in the same
// namespace: what is sent out to the "network" comes back in, and
// nothing leaves the namespace.
func newNode(t *testing.T, nodeIP, gateway string) testNS {
	t.Helper()
	node := newNS(t, "node")
	node.netlink(t, func(nl *netlink.Handle) error {
		eth0 := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "eth0"}, PeerName: "wire"}
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "klabbr0"}}
		for _, l := range []netlink.Link{eth0, br} {
			if err := nl.LinkAdd(l); err != nil {
				return err
			}
		}
		for _, name := range []string{"eth0", "wire", "klabbr0"} {
			l, err := nl.LinkByName(name)
			if err != nil {
				return err
			}
			if err := nl.LinkSetUp(l); err != nil {
				return err
			}
		}
		if err := nl.AddrAdd(eth0, addr(t, nodeIP+"/24")); err != nil {
			return err
		}
		if err := nl.AddrAdd(br, addr(t, gateway+"/24")); err != nil {
			return err
		}
		return nl.RouteAdd(&netlink.Route{LinkIndex: eth0.Attrs().Index, Scope: netlink.SCOPE_LINK,
			Dst: &net.IPNet{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)}})
	})
	return node
}

// newPod makes a pod namespace plugged into the node's bridge through a
// veth pair, with ip and a default route via gateway; its bridge port is
// in hairpin mode, as the kubelet's are.
func newPod(t *testing.T, node testNS, name, ip, gateway string) testNS {
	t.Helper()
	pod := newNS(t, name)
	host := "veth" + name
	node.netlink(t, func(nl *netlink.Handle) error {
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: host}, PeerName: "eth0", PeerNamespace: netlink.NsFd(pod.h)}
		if err := nl.LinkAdd(veth); err != nil {
			return err
		}
		l, err := nl.LinkByName(host)
		if err != nil {
			return err
		}
		br, err := nl.LinkByName("klabbr0")
		if err != nil {
			return err
		}
		if err := nl.LinkSetMaster(l, br); err != nil {
			return err
		}
		if err := nl.LinkSetUp(l); err != nil {
			return err
		}
		return nl.LinkSetHairpin(l, true)
	})
	pod.netlink(t, func(nl *netlink.Handle) error {
		eth0, err := nl.LinkByName("eth0")
		if err != nil {
			return err
		}
		if err := nl.AddrAdd(eth0, addr(t, ip+"/24")); err != nil {
			return err
		}
		if err := nl.LinkSetUp(eth0); err != nil {
			return err
		}
		return nl.RouteAdd(&netlink.Route{LinkIndex: eth0.Attrs().Index, Gw: net.ParseIP(gateway)})
	})
	return pod
}
