package network

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"go.uber.org/zap"
)

// podIfName is the pod's side of its veth pair, as every pod sees it.
const podIfName = "eth0"

// HostVethName is the name of a pod's veth on the node: "veth" and 8 hex
// digits of a hash of podKey, within the kernel's 15 characters. Deriving
// it means nothing needs to remember it: TeardownPod recomputes it.
// Use the pod's UID as podKey: a pod deleted and created again under the
// same name (a StatefulSet's) gets a new UID, and so a veth of its own.
func HostVethName(podKey string) string {
	sum := sha256.Sum256([]byte(podKey))
	return "veth" + hex.EncodeToString(sum[:4])
}

// SetupPod wires a pod whose sandbox process is sandboxPID into the node's
// network with the address podIP; see SetupPodNS. Call it after the sandbox
// started: its network namespace lives as long as that process.
func (n *Network) SetupPod(ctx context.Context, podKey, podIP string, sandboxPID int) (hostVeth string, err error) {
	ns, err := netns.GetFromPid(sandboxPID)
	if err != nil {
		return "", fmt.Errorf("pod %s: network namespace of sandbox pid %d: %w", podKey, sandboxPID, err)
	}
	defer ns.Close()
	return n.SetupPodNS(ctx, podKey, podIP, ns)
}

// SetupPodNS wires the network namespace podNS into the node's network:
//
//	pod namespace                 node namespace
//	eth0 podIP/24  <--- veth --->  vethXXXXXXXX --- bridge klab0 (gateway .1)
//	default via gateway
//
// It returns the host end's name. If the pod already has eth0 with podIP
// it only makes sure the host end is on the bridge, so a kubelet that
// restarts can call it again.
func (n *Network) SetupPodNS(ctx context.Context, podKey, podIP string, podNS netns.NsHandle) (hostVeth string, err error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	ip, err := netip.ParseAddr(podIP)
	if err != nil || !n.podCIDR.Contains(ip) || ip == n.gateway {
		return "", fmt.Errorf("pod %s: IP %q is not a pod address of %s", podKey, podIP, n.podCIDR)
	}
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: ip.AsSlice(), Mask: maskOf(n.podCIDR)}}
	hostVeth = HostVethName(podKey)

	pod, err := netlink.NewHandleAt(podNS)
	if err != nil {
		return "", fmt.Errorf("pod %s: netlink in its namespace: %w", podKey, err)
	}
	defer pod.Close()

	n.mu.Lock()
	defer n.mu.Unlock()
	if hasAddr(pod, podIfName, addr) {
		// Wired already. Plugging the host end in again is harmless, and
		// repairs a pod whose bridge was deleted and made anew.
		host, err := linkByName(n.nl, hostVeth)
		if err == nil && host != nil {
			if err := n.plugIntoBridge(host); err != nil {
				return "", fmt.Errorf("pod %s: veth %s: %w", podKey, hostVeth, err)
			}
			return hostVeth, nil
		}
	}
	// Whatever an interrupted earlier attempt left goes first. Deleting
	// either end of a veth pair deletes both.
	if err := deleteLink(pod, podIfName); err != nil {
		return "", fmt.Errorf("pod %s: %w", podKey, err)
	}
	if err := deleteLink(n.nl, hostVeth); err != nil {
		return "", fmt.Errorf("pod %s: %w", podKey, err)
	}

	if err := n.addVeth(hostVeth, podNS); err != nil {
		return "", fmt.Errorf("pod %s: veth %s: %w", podKey, hostVeth, err)
	}
	if err := n.configurePodSide(pod, addr); err != nil {
		_ = deleteLink(n.nl, hostVeth) // so the next attempt starts clean
		return "", fmt.Errorf("pod %s: %s: %w", podKey, podIfName, err)
	}
	n.log.Info("pod network set up", zap.String("pod", podKey),
		zap.String("ip", podIP), zap.String("hostVeth", hostVeth))
	return hostVeth, nil
}

// addVeth creates the pair with its pod end made directly inside podNS as
// eth0 (so no "eth0" ever appears on the node), and plugs the node end
// into the bridge.
func (n *Network) addVeth(hostVeth string, podNS netns.NsHandle) error {
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: hostVeth, MTU: n.cfg.MTU},
		PeerName:      podIfName,
		PeerNamespace: netlink.NsFd(podNS),
	}
	if err := n.nl.LinkAdd(veth); err != nil {
		return err
	}
	if err := n.plugIntoBridge(veth); err != nil {
		_ = n.nl.LinkDel(veth)
		return err
	}
	return nil
}

// plugIntoBridge makes the host end a port of the bridge, hairpin on, up.
// Each step is a no-op when already done.
func (n *Network) plugIntoBridge(hostEnd netlink.Link) error {
	br, err := linkByName(n.nl, n.cfg.Bridge)
	if err != nil {
		return err
	}
	if br == nil {
		return fmt.Errorf("no bridge %s: Init the network first", n.cfg.Bridge)
	}
	if err := n.nl.LinkSetMaster(hostEnd, br); err != nil {
		return err
	}
	// Hairpin lets a packet leave by the port it came in on: a pod that
	// reaches its own Service may be sent back to itself.
	if err := n.nl.LinkSetHairpin(hostEnd, true); err != nil {
		return err
	}
	return n.nl.LinkSetUp(hostEnd)
}

// configurePodSide gives eth0 its address, brings up eth0 and lo, and
// sends everything not on the pod CIDR to the gateway (the bridge).
func (n *Network) configurePodSide(pod *netlink.Handle, addr *netlink.Addr) error {
	eth0, err := pod.LinkByName(podIfName)
	if err != nil {
		return err
	}
	if err := pod.AddrAdd(eth0, addr); err != nil {
		return err
	}
	if err := pod.LinkSetUp(eth0); err != nil {
		return err
	}
	if lo, err := pod.LinkByName("lo"); err != nil {
		return err
	} else if err := pod.LinkSetUp(lo); err != nil {
		return err
	}
	return pod.RouteReplace(&netlink.Route{ // Dst nil: the default route
		LinkIndex: eth0.Attrs().Index,
		Gw:        n.gateway.AsSlice(),
	})
}

// hasAddr reports whether the link name exists with addr on it.
func hasAddr(h *netlink.Handle, name string, addr *netlink.Addr) bool {
	l, err := linkByName(h, name)
	if err != nil || l == nil {
		return false
	}
	addrs, err := h.AddrList(l, netlink.FAMILY_V4)
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if a.IPNet.String() == addr.IPNet.String() {
			return true
		}
	}
	return false
}

// TeardownPod deletes the pod's veth pair by its node end (the pod end
// goes with it). A veth already gone is fine: when the sandbox process
// died, its namespace went and took the pair along. Call it before
// removing the sandbox when you can, so nothing depends on that.
func (n *Network) TeardownPod(ctx context.Context, podKey string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	hostVeth := HostVethName(podKey)
	if err := deleteLink(n.nl, hostVeth); err != nil {
		return fmt.Errorf("pod %s: %w", podKey, err)
	}
	n.log.Info("pod network torn down", zap.String("pod", podKey), zap.String("hostVeth", hostVeth))
	return nil
}
