package proxy

import (
	"cmp"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

// Why conntrack entries need deleting: the kernel decides where a
// connection goes on its first packet, then conntrack remembers, and
// later packets follow the entry, not the rules. A TCP connection to a
// removed endpoint fails and the client reconnects through the new
// rules. UDP has no end: a client that keeps sending from the same port
// (a DNS resolver does) keeps its entry alive, and keeps talking to an
// endpoint that is gone. So when UDP endpoints go away, their entries go.

// ConntrackFilter selects UDP conntrack entries to delete. Empty fields
// match anything.
type ConntrackFilter struct {
	OrigDst     string // where the client sent it: a cluster IP, an external address
	OrigPortDst int32  // the port the client sent it to: a node port
	DstNAT      string // the endpoint the entry was rewritten to
}

// Conntrack deletes conntrack entries.
type Conntrack interface {
	DeleteUDP(f ConntrackFilter) error
}

// staleUDP lists the entries to delete after the service ports went from
// prev to next: those rewritten to UDP endpoints that are gone, and those
// of UDP service ports that had no endpoints before (their packets went
// nowhere, and would go on going there). Only UDP ports are looked at,
// which keeps it cheap with thousands of TCP services.
func staleUDP(prev, next []ServicePort) []ConntrackFilter {
	before, after := map[string]ServicePort{}, map[string]ServicePort{}
	for _, sp := range prev {
		if sp.Protocol == "udp" {
			before[sp.Name] = sp
		}
	}
	for _, sp := range next {
		if sp.Protocol == "udp" {
			after[sp.Name] = sp
		}
	}
	var out []ConntrackFilter
	for k, old := range before {
		for _, e := range old.Endpoints {
			if !slices.ContainsFunc(after[k].Endpoints, func(n Endpoint) bool { return n.IP == e.IP }) {
				out = append(out, entriesOf(old, ConntrackFilter{DstNAT: e.IP})...)
			}
		}
	}
	for k, sp := range after {
		if len(sp.Endpoints) > 0 && len(before[k].Endpoints) == 0 {
			out = append(out, entriesOf(sp, ConntrackFilter{})...)
		}
	}
	slices.SortFunc(out, func(a, b ConntrackFilter) int {
		return cmp.Or(cmp.Compare(a.OrigDst, b.OrigDst), cmp.Compare(a.OrigPortDst, b.OrigPortDst), cmp.Compare(a.DstNAT, b.DstNAT))
	})
	return slices.Compact(out)
}

// entriesOf is f for each address a client reaches the port at.
func entriesOf(sp ServicePort, f ConntrackFilter) []ConntrackFilter {
	out := []ConntrackFilter{{OrigDst: sp.ClusterIP, DstNAT: f.DstNAT}}
	for _, a := range sp.External {
		out = append(out, ConntrackFilter{OrigDst: a, DstNAT: f.DstNAT})
	}
	if sp.NodePort != 0 {
		out = append(out, ConntrackFilter{OrigPortDst: sp.NodePort, DstNAT: f.DstNAT})
	}
	return out
}

// ConntrackCommand deletes entries with the conntrack command
// (conntrack-tools; the Debian package is conntrack) inside a namespace.
type ConntrackCommand struct {
	NS *NetNS
}

var _ Conntrack = ConntrackCommand{}

// DeleteUDP runs `conntrack -D -p udp` with the filter's fields.
func (c ConntrackCommand) DeleteUDP(f ConntrackFilter) error {
	args := []string{"-D", "-p", "udp"}
	if f.OrigDst != "" {
		args = append(args, "--orig-dst", f.OrigDst)
	}
	if f.OrigPortDst != 0 {
		args = append(args, "--orig-port-dst", strconv.Itoa(int(f.OrigPortDst)))
	}
	if f.DstNAT != "" {
		args = append(args, "--dst-nat", f.DstNAT)
	}
	var out []byte
	err := c.NS.Do(func() (err error) {
		out, err = exec.Command("conntrack", args...).CombinedOutput()
		return err
	})
	if err != nil && !strings.Contains(string(out), "0 flow entries") { // nothing to delete is fine
		return fmt.Errorf("conntrack %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
