package network

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"kubelab/pkg/nodecheck"
)

// Init prepares the node for pods: the bridge with the pods' gateway
// address, forwarding on, kubelab's iptables chains, and in VXLAN mode the
// VXLAN device. It only adds what is missing, so calling it again, on
// every start or every resync, is safe and repairs what someone removed.
func (n *Network) Init(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()

	if err := n.ensureBridge(); err != nil {
		return fmt.Errorf("bridge %s: %w", n.cfg.Bridge, err)
	}
	if err := n.ensureSysctls(); err != nil {
		return err
	}
	if err := n.ensureRules(); err != nil {
		return fmt.Errorf("iptables: %w", err)
	}
	if n.cfg.Mode == ModeVXLAN {
		if _, err := n.ensureVXLAN(); err != nil {
			return fmt.Errorf("vxlan device %s: %w", n.cfg.VXLANDevice, err)
		}
	} else if err := deleteLink(n.nl, n.cfg.VXLANDevice); err != nil { // left from an earlier vxlan mode
		return err
	}
	n.log.Info("node network ready", zap.String("bridge", n.cfg.Bridge),
		zap.String("gateway", n.gateway.String()), zap.String("mode", n.cfg.Mode))
	return nil
}

// ensureBridge makes the bridge the pods plug into: up, with the pod
// CIDR's first address (the pods' gateway) and no other.
func (n *Network) ensureBridge() error {
	br, err := linkByName(n.nl, n.cfg.Bridge)
	if err != nil {
		return err
	}
	if br == nil {
		// A fixed MAC: a bridge otherwise takes the lowest MAC of its
		// ports, and changes it (stranding the pods' ARP caches) as pods
		// come and go.
		br = &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{
			Name: n.cfg.Bridge, MTU: n.cfg.MTU, HardwareAddr: macFor(n.gateway),
		}}
		if err := n.nl.LinkAdd(br); err != nil {
			return err
		}
	} else if br.Type() != "bridge" {
		return fmt.Errorf("exists and is a %s, not a bridge", br.Type())
	}

	want := &netlink.Addr{IPNet: &net.IPNet{IP: n.gateway.AsSlice(), Mask: maskOf(n.podCIDR)}}
	have, err := n.nl.AddrList(br, netlink.FAMILY_V4)
	if err != nil {
		return err
	}
	for _, a := range have { // say a node's pod CIDR changed: the old gateway goes
		if !a.IPNet.IP.Equal(want.IP) || a.IPNet.Mask.String() != want.Mask.String() {
			if err := n.nl.AddrDel(br, &a); err != nil {
				return err
			}
		}
	}
	if err := n.nl.AddrReplace(br, want); err != nil {
		return err
	}
	return n.nl.LinkSetUp(br)
}

// The kernel settings a node needs, per network namespace.
const (
	ipForward      = nodecheck.SysctlIPForward
	bridgeNFCallIP = nodecheck.SysctlBridgeNFCallIPTables // exists once br_netfilter is loaded
)

// ensureSysctls turns on forwarding, without which a node drops every
// packet not addressed to itself (all cross-node pod traffic).
//
// When br_netfilter is loaded, it also sets bridge-nf-call-iptables=1: the
// Service proxy rewrites (DNATs) a pod's packet to a backend pod, and when
// both sit on this bridge the backend's answer is bridged straight back;
// only if bridged packets pass iptables does conntrack undo the rewrite.
// Docker sets the same, which is why KLAB-FORWARD must accept pod traffic.
// When the module is absent the setting does not exist; loading a kernel
// module is the host's business (Checks says so), not the kubelet's.
func (n *Network) ensureSysctls() error {
	if err := n.ensureSysctl(ipForward, "1"); err != nil {
		return err
	}
	err := n.ensureSysctl(bridgeNFCallIP, "1")
	if errors.Is(err, fs.ErrNotExist) {
		n.log.Debug("br_netfilter not loaded: bridged pod traffic bypasses iptables")
		return nil
	}
	return err
}

func (n *Network) ensureSysctl(name, value string) error {
	have, err := n.sys.Get(name)
	if err != nil || have == value {
		return err
	}
	if err := n.sys.Set(name, value); err != nil {
		return fmt.Errorf("set %s=%s: %w", name, value, err)
	}
	n.log.Info("changed a kernel setting", zap.String("sysctl", name), zap.String("from", have), zap.String("to", value))
	return nil
}

// ensureRules installs KLAB-FORWARD, and KLAB-POSTROUTING only when pods
// may leave the cluster (and removes it when they no longer may).
func (n *Network) ensureRules() error {
	cluster := n.clusterCIDR.String()
	if err := ensureHook(n.ipt, forwardHook, n.forwardRules()); err != nil {
		return err
	}
	if n.cfg.Egress == EgressAllow {
		return ensureHook(n.ipt, postroutingHook, masqueradeRules(cluster))
	}
	return removeHook(n.ipt, postroutingHook)
}

// Cleanup removes everything kubelab's network made on the node: the pods'
// host veths, the bridge, the VXLAN device, kubelab's routes and iptables
// chains. Kernel settings stay as they are: ip_forward may have been on
// before kubelab came. It goes on past failures and reports them all.
func (n *Network) Cleanup(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()

	var errs []error
	errs = append(errs, n.deletePodVeths())
	errs = append(errs, deleteLink(n.nl, n.cfg.Bridge))
	errs = append(errs, deleteLink(n.nl, n.cfg.VXLANDevice))
	errs = append(errs, n.deleteRoutesExcept(nil))
	errs = append(errs, removeHook(n.ipt, forwardHook))
	errs = append(errs, removeHook(n.ipt, postroutingHook))
	n.log.Info("node network removed")
	return errors.Join(errs...)
}

// deletePodVeths deletes the veths plugged into the bridge: deleting a
// bridge does not delete its ports.
func (n *Network) deletePodVeths() error {
	br, err := linkByName(n.nl, n.cfg.Bridge)
	if err != nil || br == nil {
		return err
	}
	links, err := n.nl.LinkList()
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range links {
		if l.Type() == "veth" && l.Attrs().MasterIndex == br.Attrs().Index {
			errs = append(errs, deleteLink(n.nl, l.Attrs().Name))
		}
	}
	return errors.Join(errs...)
}

// linkByName finds a link, or returns nil, nil when there is none.
func linkByName(h *netlink.Handle, name string) (netlink.Link, error) {
	l, err := h.LinkByName(name)
	if _, ok := errors.AsType[netlink.LinkNotFoundError](err); ok {
		return nil, nil
	}
	return l, err
}

// deleteLink deletes a link; an absent one is fine.
func deleteLink(h *netlink.Handle, name string) error {
	l, err := linkByName(h, name)
	if err != nil || l == nil {
		return err
	}
	if err := h.LinkDel(l); err != nil && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

// macFor derives a stable MAC from an IPv4 address: 0a:58 (a locally
// administered prefix, the one CNI's plugins use) and the four bytes of
// the address.
func macFor(a netip.Addr) net.HardwareAddr {
	b := a.As4()
	return net.HardwareAddr{0x0a, 0x58, b[0], b[1], b[2], b[3]}
}

func maskOf(p netip.Prefix) net.IPMask { return net.CIDRMask(p.Bits(), 32) }

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: maskOf(p)}
}
