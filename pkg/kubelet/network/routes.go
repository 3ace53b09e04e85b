package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/vishvananda/netlink"
	"go.uber.org/zap"
)

// routeProtocol marks the routes kubelab adds, so that it lists, replaces
// and deletes only its own: `ip route show proto 75` shows them. 75 is
// "K", and free in iproute2's rt_protos (as flannel has none, Calico uses 80).
const routeProtocol netlink.RouteProtocol = 75

// SyncRoutes makes this node route to every peer's pod CIDR, and no longer
// to nodes that are gone. peers may include this node itself; it is
// skipped. A bad peer does not stop the others: its error is reported
// after they are done.
//
// In host-gw mode a peer's pod CIDR goes via the peer's node IP, which
// must be one hop away (on a link this node has): the peer's kernel then
// delivers to its bridge. In VXLAN mode it goes through the VXLAN device
// (see vxlan.go), and the node IPs only need to reach each other.
func (n *Network) SyncRoutes(ctx context.Context, peers []Peer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()

	remote, errs := n.remotePeers(peers)
	var want []*netlink.Route
	if n.cfg.Mode == ModeVXLAN {
		vx, err := n.ensureVXLAN()
		if err != nil {
			return fmt.Errorf("vxlan device %s: %w", n.cfg.VXLANDevice, err)
		}
		want, errs = n.vxlanRoutes(vx, remote, errs)
	} else {
		want, errs = n.hostGWRoutes(remote, errs)
	}

	keep := map[string]bool{}
	for _, r := range want {
		if err := n.nl.RouteReplace(r); err != nil {
			errs = append(errs, fmt.Errorf("route %s: %w", r.Dst, err))
			continue
		}
		keep[r.Dst.String()] = true
	}
	errs = append(errs, n.deleteRoutesExcept(keep))
	if err := n.allowPeers(remote, keep); err != nil {
		errs = append(errs, fmt.Errorf("iptables: %w", err))
	}
	return errors.Join(errs...)
}

// allowPeers lets pods reach the addresses of the peers this node routes
// to (a NodePort on another node, say) when egress is denied:
// KLAB-FORWARD lists them. Only peers whose route is in place count
// (routed, in host-gw mode one hop away): a Node object alone, whatever
// address it claims, opens nothing. It rewrites the chain only when the
// list changed.
func (n *Network) allowPeers(peers []remotePeer, routed map[string]bool) error {
	var ips []netip.Addr
	for _, p := range peers {
		if routed[p.podCIDR.String()] {
			ips = append(ips, p.nodeIP)
		}
	}
	slices.SortFunc(ips, netip.Addr.Compare)
	ips = slices.Compact(ips)
	if slices.Equal(ips, n.peerIPs) {
		return nil
	}
	n.peerIPs = ips
	return n.ensureRules()
}

// remotePeer is a peer whose addresses parsed.
type remotePeer struct {
	name    string
	nodeIP  netip.Addr
	podCIDR netip.Prefix
}

// remotePeers keeps the other nodes that have both a node IP and a pod
// CIDR inside the cluster CIDR. A node without a pod CIDR yet is skipped
// quietly: it has no pods to reach.
func (n *Network) remotePeers(peers []Peer) ([]remotePeer, []error) {
	var out []remotePeer
	var errs []error
	for _, p := range peers {
		if p.NodeName == n.cfg.NodeName || p.PodCIDR == "" {
			continue
		}
		cidr, err := parseCIDR("pod CIDR", p.PodCIDR)
		if err == nil && (!contains(n.clusterCIDR, cidr) || cidr.Overlaps(n.podCIDR)) {
			err = fmt.Errorf("pod CIDR %s is outside %s or overlaps this node's %s", cidr, n.clusterCIDR, n.podCIDR)
		}
		ip, ipErr := netip.ParseAddr(p.NodeIP)
		if err == nil && (ipErr != nil || !ip.Is4()) {
			err = fmt.Errorf("node IP %q: not an IPv4 address", p.NodeIP)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("peer %s: %w", p.NodeName, err))
			continue
		}
		out = append(out, remotePeer{name: p.NodeName, nodeIP: ip, podCIDR: cidr})
	}
	return out, errs
}

// hostGWRoutes is, for each peer, "podCIDR via nodeIP dev <the link that
// reaches nodeIP>".
func (n *Network) hostGWRoutes(peers []remotePeer, errs []error) ([]*netlink.Route, []error) {
	var want []*netlink.Route
	for _, p := range peers {
		got, err := n.nl.RouteGet(p.nodeIP.AsSlice())
		if err != nil {
			errs = append(errs, fmt.Errorf("peer %s: no route to node IP %s: %w", p.name, p.nodeIP, err))
			continue
		}
		if len(got) == 0 || got[0].Gw != nil {
			errs = append(errs, fmt.Errorf("peer %s: node IP %s is not on a link of this node "+
				"(host-gw needs the nodes one hop apart; use vxlan mode)", p.name, p.nodeIP))
			continue
		}
		want = append(want, &netlink.Route{
			Dst:       ipNet(p.podCIDR),
			Gw:        p.nodeIP.AsSlice(),
			LinkIndex: got[0].LinkIndex,
			Protocol:  routeProtocol,
		})
		n.log.Debug("route to peer", zap.String("peer", p.name), zap.String("podCIDR", p.podCIDR.String()),
			zap.String("via", p.nodeIP.String()))
	}
	return want, errs
}

// deleteRoutesExcept deletes kubelab's routes (in the main table) whose
// destination is not in keep; with keep nil, all of them.
func (n *Network) deleteRoutesExcept(keep map[string]bool) error {
	routes, err := n.kubelabRoutes()
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range routes {
		if r.Dst != nil && keep[r.Dst.String()] {
			continue
		}
		if err := n.nl.RouteDel(&r); err != nil {
			errs = append(errs, fmt.Errorf("delete route %s: %w", r.Dst, err))
			continue
		}
		n.log.Info("removed route to a node that is gone", zap.Stringer("podCIDR", r.Dst))
	}
	return errors.Join(errs...)
}

// kubelabRoutes lists the main table's routes marked with routeProtocol.
func (n *Network) kubelabRoutes() ([]netlink.Route, error) {
	return n.nl.RouteListFiltered(netlink.FAMILY_V4,
		&netlink.Route{Protocol: routeProtocol}, netlink.RT_FILTER_PROTOCOL)
}

// firstAddr is a prefix's network address as a net.IP (10.244.2.0).
func firstAddr(p netip.Prefix) net.IP { return p.Masked().Addr().AsSlice() }
