package network

import (
	"context"
	"errors"
	"io/fs"

	"github.com/vishvananda/netlink"

	"kubelab/pkg/nodecheck"
)

// Checks looks at the node for the traps of DESIGN.md §10 and says what it
// found, in words a student can act on. It changes nothing. It gathers
// the facts inside the node's namespace; nodecheck judges them, as it
// does for `kctl doctor`, which gathers its own on the host.
func (n *Network) Checks(ctx context.Context) []nodecheck.Finding {
	if err := ctx.Err(); err != nil {
		return []nodecheck.Finding{{Severity: nodecheck.Problem, Message: err.Error()}}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return nodecheck.Evaluate(n.gatherFacts())
}

func (n *Network) gatherFacts() nodecheck.NetworkFacts {
	var f nodecheck.NetworkFacts
	var err error
	note := func(e error) {
		if e != nil {
			f.Errs = append(f.Errs, e)
		}
	}
	f.IPForward, err = n.sys.Get(ipForward)
	note(err)
	f.BridgeNFCall, err = n.sys.Get(bridgeNFCallIP)
	f.BrNetfilter = !errors.Is(err, fs.ErrNotExist)
	if f.BrNetfilter {
		note(err)
	}
	f.ForwardPolicy, err = forwardPolicy(n.ipt)
	note(err)
	f.ForwardHooked, err = hooked(n.ipt, forwardHook)
	note(err)
	f.Egress, f.EgressRefused, err = egressState(n.ipt)
	note(err)
	f.IPTablesVersion, err = n.ipt.Version()
	note(err)
	f.LegacyTables, err = n.ipt.LegacyTables()
	note(err)

	links := map[int]string{}
	if ls, err := n.nl.LinkList(); err == nil {
		for _, l := range ls {
			links[l.Attrs().Index] = l.Attrs().Name
		}
	}
	if n.nodeIP.IsValid() {
		f.NodeIP = n.nodeIP.String()
		if idx, err := n.linkWithAddr(n.nodeIP); err == nil {
			f.NodeIPDev = links[idx]
		}
	}
	routes, err := n.nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{}, netlink.RT_FILTER_DST)
	note(err)
	for _, r := range routes { // Dst nil in the filter: the default route
		f.DefaultRouteDev = links[r.LinkIndex]
		break
	}
	return f
}
