package nodecheck

import "fmt"

// podNetwork judges how pod traffic crosses nodes: which mode the node
// runs, and in vxlan mode whether the tunnel's packets fit the link that
// carries them. A VXLAN packet is the pod's packet plus VXLANOverhead
// bytes; if that is more than the link's MTU, the packet is dropped (or
// fragmented, at a cost), and what fails is only the large packets: a
// ping works, a page of a few kilobytes hangs. The kubelet makes the
// tunnel and the pods' links VXLANOverhead smaller than 1500 for that.
func podNetwork(f NetworkFacts) []Finding {
	var out []Finding
	add := func(s Severity, format string, args ...any) {
		out = append(out, Finding{s, fmt.Sprintf(format, args...)})
	}
	switch f.Mode {
	case ModeHostGW:
		msg := "network mode host-gw: packets for pods on other nodes are routed via those nodes' addresses, " +
			"so the nodes must share one layer-2 network (kubelet --network-mode=vxlan when they do not)"
		if f.BridgeMTU > 0 {
			msg += fmt.Sprintf("; pods' MTU %d", f.BridgeMTU)
		}
		add(OK, "%s", msg)
	case ModeVXLAN:
		t := f.Tunnel
		how := ""
		if t.VNI > 0 && t.Port > 0 {
			how = fmt.Sprintf(" (VNI %d, UDP port %d", t.VNI, t.Port)
			if t.Local != "" && t.Link != "" {
				how += fmt.Sprintf(", from %s on %s", t.Local, t.Link)
			}
			how += ")"
		}
		add(OK, "network mode vxlan: packets for pods on other nodes go through %s%s, wrapped in UDP to the node's address",
			VXLANDevice, how)
		switch {
		case t.MTU == 0:
			add(Warning, "could not read the MTU of %s", VXLANDevice)
		case t.LinkMTU > 0 && t.MTU+VXLANOverhead > t.LinkMTU:
			add(Problem, "tunnel MTU %d, but %s has MTU %d: a pod packet of more than %d bytes to another node "+
				"does not fit once wrapped (%d bytes of VXLAN headers), and is lost",
				t.MTU, t.Link, t.LinkMTU, t.LinkMTU-VXLANOverhead, VXLANOverhead)
		case t.LinkMTU > 0:
			add(OK, "tunnel MTU %d: a pod packet of up to %d bytes and %d bytes of VXLAN headers fit %s's MTU %d",
				t.MTU, t.MTU, VXLANOverhead, t.Link, t.LinkMTU)
		default:
			add(OK, "tunnel MTU %d", t.MTU)
		}
		if f.BridgeMTU > t.MTU && t.MTU > 0 {
			add(Warning, "the pods' bridge has MTU %d, more than the tunnel's %d: a pod may send packets to "+
				"another node that the tunnel must fragment or drop", f.BridgeMTU, t.MTU)
		}
	}
	return out
}
