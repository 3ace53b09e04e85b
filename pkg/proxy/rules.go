package proxy

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/nodecheck"
)

// This file is the heart of the proxy: Generate, a pure function from
// Services and Endpoints to the rules. doc.go draws the chains it makes.

// NodeInfo is what the rules need to know about the node they are for.
type NodeInfo struct {
	Name          string   // the Node's name: externalTrafficPolicy Local picks endpoints by it
	IPs           []string // the node's addresses: a LoadBalancer service answers on them
	ClusterCIDR   string   // all pod addresses, e.g. 10.244.0.0/16
	MasqueradeBit int      // the packet-mark bit that means "masquerade me" (kube-proxy's is 14)

	// AllowEgress lets a service lead outside the cluster. Without it (pod
	// egress denied, the default) an endpoint is used only when it is
	// inside the cluster: a pod (ClusterCIDR), a node (NodeAddresses, not
	// loopback), or for default/kubernetes the apiserver this proxy itself
	// talks to (APIServer). Any other endpoint is refused: the rules treat
	// it as absent, and ServicePort.Refused names it, for an Event on the
	// Service.
	AllowEgress   bool
	NodeAddresses []string // every node's InternalIPs
	APIServer     string   // the address of the proxy's apiserver
}

// equal reports whether two NodeInfos are the same in every field.
func (n NodeInfo) equal(o NodeInfo) bool {
	return n.Name == o.Name && slices.Equal(n.IPs, o.IPs) && n.ClusterCIDR == o.ClusterCIDR &&
		n.MasqueradeBit == o.MasqueradeBit && n.AllowEgress == o.AllowEgress &&
		slices.Equal(n.NodeAddresses, o.NodeAddresses) && n.APIServer == o.APIServer
}

// podNetwork is ClusterCIDR parsed; ok is false when it is empty or bad.
func (n NodeInfo) podNetwork() (p netip.Prefix, ok bool) {
	p, err := netip.ParsePrefix(n.ClusterCIDR)
	return p, err == nil
}

// The proxy's fixed chains. The node network of the kubelet owns
// KLAB-FORWARD and KLAB-POSTROUTING; the proxy's names differ, so each
// program can rewrite and clean up its own without touching the other's.
const (
	chainServices    = nodecheck.ProxyServicesChain // nat: every service address; from PREROUTING and OUTPUT
	chainNodePorts   = "KLAB-NODEPORTS"             // nat: node ports, from KLAB-SERVICES for local addresses
	chainMarkMasq    = "KLAB-MARK-MASQ"             // nat: marks a packet for masquerading
	chainPostrouting = "KLAB-PROXY-POSTROUTING"     // nat: masquerades marked packets; from POSTROUTING
	chainReject      = "KLAB-SERVICES-REJECT"       // filter: cluster IPs without endpoints
	chainExternal    = "KLAB-EXTERNAL"              // filter: node ports and external addresses without endpoints
	chainForward     = "KLAB-PROXY-FORWARD"         // filter: lets service traffic through FORWARD
	chainFirewall    = "KLAB-FIREWALL"              // filter: drops packets for 127.0.0.0/8 from elsewhere; from INPUT, OUTPUT

	prefixService  = "KLAB-SVC-" // nat, per service port: picks an endpoint
	prefixExternal = "KLAB-EXT-" // nat, per service port: traffic from outside (node port, load balancer)
	prefixEndpoint = "KLAB-SEP-" // nat, per endpoint: DNAT to it
)

var fixedChains = []string{chainServices, chainNodePorts, chainMarkMasq, chainPostrouting,
	chainReject, chainExternal, chainForward, chainFirewall}

// ownedChain reports whether a chain is the proxy's: cleanup and stale
// chain removal touch these and no others.
func ownedChain(name string) bool {
	for _, p := range []string{prefixService, prefixExternal, prefixEndpoint} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	for _, f := range fixedChains {
		if name == f {
			return true
		}
	}
	return false
}

// Jump is a rule in a built-in chain that sends packets into one of the
// proxy's chains. These are the only rules the proxy writes outside its
// own chains.
type Jump struct {
	Table, From, Chain string
	Match              []string // extra matches before the jump
}

// Rule is the jump as iptables arguments.
func (j Jump) Rule() []string {
	return append(append([]string{}, j.Match...), "-m", "comment", "--comment", "kubelab proxy", "-j", j.Chain)
}

var newConns = []string{"-m", "conntrack", "--ctstate", "NEW"}

// Jumps are where the proxy hooks into the built-in chains. The filter
// chains only see new connections: once conntrack has a connection, its
// later packets need no decision.
var Jumps = []Jump{
	{"nat", "PREROUTING", chainServices, nil}, // packets arriving: from pods, from other nodes
	{"nat", "OUTPUT", chainServices, nil},     // packets the node itself sends
	{"nat", "POSTROUTING", chainPostrouting, nil},
	{"filter", "INPUT", chainExternal, newConns}, // a node port without endpoints
	{"filter", "OUTPUT", chainReject, newConns},
	{"filter", "OUTPUT", chainExternal, newConns},
	{"filter", "FORWARD", chainReject, newConns},
	{"filter", "FORWARD", chainExternal, newConns},
	{"filter", "FORWARD", chainForward, nil},
	{"filter", "INPUT", chainFirewall, nil},
	{"filter", "OUTPUT", chainFirewall, nil},
}

// Generate computes the proxy's whole rule set for one node from the
// Services and Endpoints. It is pure: the same input gives byte-identical
// output (everything is sorted), so a caller can compare two results
// chain by chain.
func Generate(services []*api.Service, endpoints []*api.Endpoints, node NodeInfo) *Ruleset {
	g := &generator{node: node, mark: fmt.Sprintf("0x%x", uint32(1)<<node.MasqueradeBit),
		reject: Chain{Name: chainReject}, external: Chain{Name: chainExternal}, forward: Chain{Name: chainForward},
		firewall: Chain{Name: chainFirewall},
		services: Chain{Name: chainServices}, nodePorts: Chain{Name: chainNodePorts},
		markMasq: Chain{Name: chainMarkMasq}, postrouting: Chain{Name: chainPostrouting}}
	g.fixedRules()
	ports := servicePorts(services, endpoints, node)
	for _, sp := range ports {
		g.servicePort(sp)
	}
	// Last: a node port is any local address, 127.0.0.1 too (see
	// fixedRules), so it must not shadow the service addresses above.
	g.services.add(comment("kubelab proxy: node ports (keep last)"),
		"-m addrtype --dst-type LOCAL -j", chainNodePorts)
	return &Ruleset{
		Tables: []Table{
			{"filter", []Chain{g.reject, g.external, g.forward, g.firewall}},
			{"nat", append([]Chain{g.services, g.nodePorts, g.markMasq, g.postrouting}, g.perPort...)},
		},
		Ports: ports,
	}
}

type generator struct {
	node                                       NodeInfo
	mark                                       string // the masquerade bit as a mark value: 0x4000
	reject, external, forward, firewall        Chain  // filter
	services, nodePorts, markMasq, postrouting Chain  // nat
	perPort                                    []Chain
}

// fixedRules fills the chains that do not depend on services.
func (g *generator) fixedRules() {
	mark := g.mark + "/" + g.mark
	g.markMasq.add("-j MARK --or-mark", g.mark)

	// Masquerade replaces the source address with the node's, so the
	// answer comes back through this node, where conntrack undoes the
	// DNAT. Clearing the mark first keeps a packet that passes POSTROUTING
	// twice (VXLAN) from being masqueraded twice.
	g.postrouting.add("-m mark ! --mark", mark, "-j RETURN")
	g.postrouting.add("-j MARK --xor-mark", g.mark)
	g.postrouting.add(comment("kubelab proxy: masquerade marked traffic"), "-j MASQUERADE")

	// Docker sets FORWARD's policy to DROP: accept what the proxy sends on
	// (to pods, or marked), and the answers. Nothing else: in particular
	// not everything pods send, which is the node network's decision
	// (kubelet --pod-egress).
	g.forward.add(comment("kubelab proxy: marked for masquerade"), "-m mark --mark", mark, "-j ACCEPT")
	g.forward.add(comment("kubelab proxy: replies"), "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
	if cidr := g.node.ClusterCIDR; cidr != "" {
		g.forward.add(comment("kubelab proxy: to pods"), "-d", cidr, "-j ACCEPT")
	}

	// A node port answers on 127.0.0.1 too, as kube-proxy's do: the proxy
	// sets route_localnet, without which the kernel drops a packet from
	// 127.0.0.1 rewritten to a pod. route_localnet also lets packets from
	// other machines reach 127.0.0.1 (CVE-2020-8558); drop those, unless
	// a rule of ours rewrote them (DNAT) or they belong to a connection
	// that is already there.
	g.firewall.add(comment("kubelab proxy: no outside packets to 127.0.0.0/8"),
		"! -s 127.0.0.0/8 -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP")
}

// servicePort writes the rules of one service port.
func (g *generator) servicePort(sp ServicePort) {
	match := portMatch(sp.Protocol, sp.Port)
	if len(sp.Endpoints) == 0 {
		g.refuse(sp)
		return
	}
	hash := portHash(sp)
	targets := make([]target, len(sp.Endpoints))
	for i, e := range sp.Endpoints {
		targets[i] = target{e, e.Addr(), endpointChainName(sp, e)}
	}
	svc := Chain{Name: prefixService + hash}
	g.services.add(comment(sp.Name+" cluster IP"), "-d", sp.ClusterIP+"/32", match, "-j", svc.Name)
	if cidr := g.node.ClusterCIDR; cidr != "" {
		// A client outside the pod network (the node itself, a host that
		// routes the service range here) would get its answer straight
		// from an endpoint on another node, which it does not expect.
		svc.add(comment(sp.Name+" cluster IP from outside the pod network"),
			"! -s", cidr, "-d", sp.ClusterIP+"/32", match, "-j", chainMarkMasq)
	}
	g.balance(&svc, sp, targets)
	g.perPort = append(g.perPort, svc)

	if sp.NodePort != 0 || len(sp.External) > 0 {
		ext := Chain{Name: prefixExternal + hash}
		for _, a := range sp.External {
			g.services.add(comment(sp.Name+" external address"), "-d", a+"/32", match, "-j", ext.Name)
		}
		if sp.NodePort != 0 {
			g.nodePorts.add(comment(sp.Name+" node port"), portMatch(sp.Protocol, sp.NodePort), "-j", ext.Name)
		}
		g.externalRules(&ext, sp, svc.Name, targets)
		g.perPort = append(g.perPort, ext)
	}
	for _, t := range targets {
		g.perPort = append(g.perPort, g.endpointChain(sp, t))
	}
}

// A target is an endpoint, its address as DNAT writes it, and the name
// of its KLAB-SEP chain.
type target struct {
	Endpoint
	addr, chain string
}

// refuse answers a service port without endpoints (or with only refused
// ones) at once, with "port
// unreachable" (the client sees "connection refused"), instead of letting
// the packets go nowhere until the client times out.
func (g *generator) refuse(sp ServicePort) {
	why := "has no endpoints"
	if len(sp.Refused) > 0 {
		why = "has no endpoints inside the cluster (pod egress denied)"
	}
	g.reject.add(comment(sp.Name+" "+why), "-d", sp.ClusterIP+"/32", portMatch(sp.Protocol, sp.Port),
		"-j REJECT --reject-with icmp-port-unreachable")
	g.closeExternal(sp, why, "-j REJECT --reject-with icmp-port-unreachable")
}

// closeExternal refuses (or drops) new connections from outside to the
// node port and the external addresses of sp, in the filter table: the
// nat rules let them through unchanged, addressed to this node.
func (g *generator) closeExternal(sp ServicePort, why, verdict string) {
	if sp.NodePort != 0 {
		g.external.add(comment(sp.Name+" "+why), "-m addrtype --dst-type LOCAL", portMatch(sp.Protocol, sp.NodePort), verdict)
	}
	for _, a := range sp.External {
		g.external.add(comment(sp.Name+" "+why), "-d", a+"/32", portMatch(sp.Protocol, sp.Port), verdict)
	}
}

// externalRules fill KLAB-EXT-<hash>: where traffic from outside the
// cluster enters a service port (its node port, its external addresses).
func (g *generator) externalRules(ext *Chain, sp ServicePort, svcChain string, targets []target) {
	if !sp.Local {
		// Policy Cluster: any endpoint, on any node. Masquerade, or an
		// endpoint on another node would answer the client directly.
		ext.add(comment(sp.Name+" from outside: masquerade"), "-j", chainMarkMasq)
		ext.add(comment(sp.Name+" to any endpoint"), "-j", svcChain)
		return
	}
	// Policy Local: only endpoints on this node, and no masquerade, so the
	// endpoint sees the client's own address. Pods and the node itself
	// are not "outside": they may use any endpoint, as kube-proxy lets them.
	if cidr := g.node.ClusterCIDR; cidr != "" {
		ext.add(comment(sp.Name+" pods use any endpoint"), "-s", cidr, "-j", svcChain)
	}
	ext.add(comment(sp.Name+" this node uses any endpoint"), "-m addrtype --src-type LOCAL -j", chainMarkMasq)
	ext.add(comment(sp.Name+" this node uses any endpoint"), "-m addrtype --src-type LOCAL -j", svcChain)
	var local []target
	for _, t := range targets {
		if t.NodeName == g.node.Name {
			local = append(local, t)
		}
	}
	if len(local) > 0 {
		g.balance(ext, sp, local)
		return
	}
	// No endpoint here: drop, so that the client (or the load balancer's
	// health check, in a cloud) tries another node.
	g.closeExternal(sp, "has no local endpoints", "-j DROP")
}

// balance sends each new connection to one of targets, each equally
// likely: the first rule takes 1/n of the packets, the next 1/(n-1) of
// the rest … and the last takes whatever is left. With session affinity,
// a client seen recently goes back to the endpoint it had, before any
// dice roll.
func (g *generator) balance(c *Chain, sp ServicePort, targets []target) {
	if sp.Affinity > 0 {
		for _, t := range targets {
			c.add(comment(sp.Name+" -> "+t.addr+" (affinity)"),
				"-m recent --name", t.chain, "--rcheck --seconds", itoa(sp.Affinity), "--reap -j", t.chain)
		}
	}
	for i, t := range targets {
		if left := len(targets) - i; left > 1 {
			c.add(comment(sp.Name+" -> "+t.addr), "-m statistic --mode random --probability",
				strconv.FormatFloat(1/float64(left), 'f', 10, 64), "-j", t.chain)
		} else {
			c.add(comment(sp.Name+" -> "+t.addr), "-j", t.chain)
		}
	}
}

// endpointChain is KLAB-SEP-<hash>: rewrite the destination to one
// endpoint. A pod that reached itself through its service (hairpin) is
// masqueraded: otherwise it would get an answer from its own address to
// a connection it made to the service's, and drop it.
func (g *generator) endpointChain(sp ServicePort, t target) Chain {
	c := Chain{Name: t.chain}
	if pods, ok := g.node.podNetwork(); !ok || !pods.Contains(netip.MustParseAddr(t.IP)) {
		// A node's or the apiserver's address: such a host may have no
		// route back to the pods (a lab's control plane has none).
		c.add(comment(sp.Name+" endpoint outside the pod network"), "-j", chainMarkMasq)
	} else {
		c.add(comment(sp.Name+" hairpin"), "-s", t.IP+"/32", "-j", chainMarkMasq)
	}
	if sp.Affinity > 0 {
		c.add(comment(sp.Name+" -> "+t.addr), "-p", sp.Protocol, "-m recent --name", c.Name, "--set -j DNAT --to-destination", t.addr)
	} else {
		c.add(comment(sp.Name+" -> "+t.addr), "-p", sp.Protocol, "-j DNAT --to-destination", t.addr)
	}
	return c
}

// portHash names a service port's chains: the first 16 characters of the
// base32 SHA-256 of its name and protocol, so names stay under iptables'
// 28-character limit and never collide in practice.
func portHash(sp ServicePort) string { return hash(sp.Name + "/" + sp.Protocol) }

func endpointChainName(sp ServicePort, e Endpoint) string {
	return prefixEndpoint + hash(sp.Name+"/"+sp.Protocol+"/"+e.Addr())
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base32.StdEncoding.EncodeToString(sum[:10]) // 10 bytes are 16 characters
}

// comment says which service a rule is for: iptables-save and
// `iptables -L` show it next to the rule.
func comment(s string) string {
	return `-m comment --comment "` + strings.ReplaceAll(s, `"`, "'") + `"`
}

// portMatch matches a destination port: "-p tcp --dport 80".
func portMatch(protocol string, port int32) string {
	return "-p " + protocol + " --dport " + itoa(port)
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
