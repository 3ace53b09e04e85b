package network

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// VXLAN mode, in short. Every node has one VXLAN device (a VTEP) with
// learning off. For a peer with pod CIDR 10.244.2.0/24 at node IP N, this
// node holds three entries, all written by SyncRoutes:
//
//	route  10.244.2.0/24 via 10.244.2.0 dev klab.vxlan onlink
//	neigh  10.244.2.0 lladdr M dev klab.vxlan         (no ARP across the tunnel)
//	fdb    M dst N dev klab.vxlan                     (frames for M go to N)
//
// where M is the peer's VTEP MAC. A pod packet for 10.244.2.7 thus leaves
// as an Ethernet frame to M, wrapped in UDP to N:8472; the peer's device
// unwraps it, and its kernel delivers the packet to its bridge.
//
// Each node must know every peer's M. Flannel publishes it in a Node
// annotation; kubelab derives it from the peer's pod CIDR instead (VTEPMAC),
// which every node already knows from the Node objects, so nothing extra is
// published and nothing can be stale.

// VTEPMAC is the MAC of the VXLAN device of the node owning podCIDR:
// 0a:58 and the four bytes of the CIDR's first address, e.g.
// 10.244.2.0/24 → 0a:58:0a:f4:02:00. (The bridge's MAC is the same recipe
// applied to the gateway, …:01, so the two never clash.)
func VTEPMAC(podCIDR string) (net.HardwareAddr, error) {
	p, err := parseCIDR("pod CIDR", podCIDR)
	if err != nil {
		return nil, err
	}
	return vtepMAC(p), nil
}

func vtepMAC(p netip.Prefix) net.HardwareAddr { return macFor(p.Masked().Addr()) }

// ensureVXLAN makes the node's VXLAN device as configured, up, with the
// pod CIDR's first address (so traffic the node itself sends to remote
// pods has a source they route back through the tunnel). A device that
// differs from the configuration is made anew.
func (n *Network) ensureVXLAN() (netlink.Link, error) {
	dev, err := n.linkWithAddr(n.nodeIP)
	if err != nil {
		return nil, err
	}
	want := &netlink.Vxlan{
		LinkAttrs:    netlink.LinkAttrs{Name: n.cfg.VXLANDevice, MTU: n.cfg.MTU, HardwareAddr: vtepMAC(n.podCIDR)},
		VxlanId:      n.cfg.VNI,
		VtepDevIndex: dev,
		SrcAddr:      n.nodeIP.AsSlice(),
		Port:         n.cfg.VXLANPort,
		Learning:     false, // every peer is written in by hand; nothing to learn
	}
	have, err := linkByName(n.nl, n.cfg.VXLANDevice)
	if err != nil {
		return nil, err
	}
	if have != nil && !sameVXLAN(have, want) {
		if err := n.nl.LinkDel(have); err != nil {
			return nil, err
		}
		have = nil
	}
	if have == nil {
		if err := n.nl.LinkAdd(want); err != nil {
			return nil, err
		}
		have = want
	}
	own := &netlink.Addr{IPNet: &net.IPNet{IP: firstAddr(n.podCIDR), Mask: net.CIDRMask(32, 32)}}
	if err := n.nl.AddrReplace(have, own); err != nil {
		return nil, err
	}
	return have, n.nl.LinkSetUp(have)
}

func sameVXLAN(l netlink.Link, want *netlink.Vxlan) bool {
	v, ok := l.(*netlink.Vxlan)
	return ok && v.VxlanId == want.VxlanId && v.Port == want.Port && !v.Learning &&
		v.SrcAddr.Equal(want.SrcAddr) && v.VtepDevIndex == want.VtepDevIndex &&
		v.HardwareAddr.String() == want.HardwareAddr.String() && v.MTU == want.MTU
}

// linkWithAddr is the index of the link that holds ip.
func (n *Network) linkWithAddr(ip netip.Addr) (int, error) {
	addrs, err := n.nl.AddrList(nil, netlink.FAMILY_V4)
	if err != nil {
		return 0, err
	}
	for _, a := range addrs {
		if a.IP.Equal(ip.AsSlice()) {
			return a.LinkIndex, nil
		}
	}
	return 0, fmt.Errorf("node IP %s is on no link of this node", ip)
}

// vxlanRoutes writes each peer's FDB and neighbour entries on the VXLAN
// device vx, removes those of peers that are gone, and returns the routes
// to write.
func (n *Network) vxlanRoutes(vx netlink.Link, peers []remotePeer, errs []error) ([]*netlink.Route, []error) {
	idx := vx.Attrs().Index
	var routes []*netlink.Route
	wantFDB, wantNeigh := map[string]bool{}, map[string]bool{}
	for _, p := range peers {
		mac, gw := vtepMAC(p.podCIDR), firstAddr(p.podCIDR)
		fdb := &netlink.Neigh{LinkIndex: idx, Family: unix.AF_BRIDGE, Flags: netlink.NTF_SELF,
			State: netlink.NUD_PERMANENT, IP: p.nodeIP.AsSlice(), HardwareAddr: mac}
		neigh := &netlink.Neigh{LinkIndex: idx, Family: netlink.FAMILY_V4,
			State: netlink.NUD_PERMANENT, IP: gw, HardwareAddr: mac}
		if err := n.nl.NeighSet(fdb); err != nil {
			errs = append(errs, fmt.Errorf("peer %s: fdb entry: %w", p.name, err))
			continue
		}
		if err := n.nl.NeighSet(neigh); err != nil {
			errs = append(errs, fmt.Errorf("peer %s: neighbour entry: %w", p.name, err))
			continue
		}
		wantFDB[mac.String()+" "+p.nodeIP.String()] = true
		wantNeigh[gw.String()] = true
		routes = append(routes, &netlink.Route{
			Dst: ipNet(p.podCIDR), Gw: gw, LinkIndex: idx,
			Flags: int(netlink.FLAG_ONLINK), Protocol: routeProtocol,
		})
	}
	errs = append(errs, n.pruneVXLAN(idx, wantFDB, wantNeigh))
	return routes, errs
}

// pruneVXLAN deletes the device's FDB and neighbour entries of peers that
// are gone. The device is kubelab's alone, so every entry on it is too.
func (n *Network) pruneVXLAN(idx int, wantFDB, wantNeigh map[string]bool) error {
	var errs []error
	fdb, err := n.nl.NeighList(idx, unix.AF_BRIDGE)
	if err != nil {
		return err
	}
	for _, e := range fdb {
		if e.IP != nil && !wantFDB[e.HardwareAddr.String()+" "+e.IP.String()] {
			errs = append(errs, n.nl.NeighDel(&e))
		}
	}
	neighs, err := n.nl.NeighList(idx, netlink.FAMILY_V4)
	if err != nil {
		return err
	}
	for _, e := range neighs {
		if e.State&netlink.NUD_PERMANENT != 0 && !wantNeigh[e.IP.String()] {
			errs = append(errs, n.nl.NeighDel(&e))
		}
	}
	return errors.Join(errs...)
}
