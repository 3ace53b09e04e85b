package proxy

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/nodecheck"
)

// This file is the heart of the nftables mode, as rules.go is of the
// iptables mode: GenerateNFT, a pure function from Services and Endpoints
// to the whole of the proxy's nftables table. doc.go draws the table;
// testdata/kubia.nft is an example.
//
// # A service is a few map elements
//
// kube-proxy's nftables mode gives every service port a chain, and every
// endpoint another, and picks an endpoint with an anonymous verdict map
// in the service's chain (numgen random mod N vmap { 0: goto …, 1: … }).
// Measured here with 10,000 services that layout fails twice. The kernel
// names each anonymous set by scanning every set of the table for a free
// number, so loading 10,000 of them is quadratic: 2.7 s for 2,500
// services, 10 s for 5,000, 85 s for 10,000. And nft 1.0.6 reads every
// chain of the table back before any change, however small: with 30,000
// chains each sync starts with 100–150 ms of that.
//
// So kubelab keeps what varies per service in maps, and its chains are a
// handful, whatever the number of services. A plain service port (policy
// Cluster, no session affinity) with N ready endpoints is:
//
//   - one element of service-ips, its cluster IP . protocol . port →
//     "goto cluster-N": cluster-N is shared by every service with N
//     endpoints;
//   - N elements of service-endpoints, its cluster IP . protocol . port .
//     0…N-1 → endpoint address, and one of service-target-ports, its
//     cluster IP . protocol . port → the endpoints' port. cluster-N does
//     dnat to ip daddr . meta l4proto . th dport . numgen random mod N map @service-endpoints :
//     ip daddr . meta l4proto . th dport map @service-target-ports
//     which looks up "endpoint number k of the service this packet is
//     for", k drawn at random, each equally likely, and its port.
//
// Its external addresses and node port are the same again, through
// external-N and nodeport-N (keyed by protocol . node port in
// nodeport-endpoints and nodeport-target-ports), which also mark the
// packet for masquerading. An endpoint change is then a few element
// changes, and a sync one small nft transaction.
//
// Why two maps, and not one holding address . port: nft 1.0.6 can
// declare such a value only as "ip daddr . tcp dport", and then matches
// TCP alone; as "th dport" it cannot read the map back. So the endpoints
// of a plain service port must share one port, as they nearly always do.
//
// Three things the maps cannot hold get chains of their own, as in
// kube-proxy: ClientIP affinity (remember each client's endpoint, in a
// set per endpoint), externalTrafficPolicy Local (pods and the node may
// use every endpoint, other clients only this node's), and endpoints on
// different ports (a named targetPort that resolves to different numbers
// on different pods). Such a service port has a chain
// svc-<ns>/<name>/<protocol>/<port> that picks an endpoint the way the
// iptables mode does (1/n, then 1/(n-1) of the rest, …), and ext-… for
// its external addresses and node port. They are rare; if every service
// had them, their chains would bring back the cost above.
//
// What depends on the chosen endpoint, and so cannot be decided before
// DNAT, is decided in postrouting from two sets: hairpin (a pod that
// reached itself through a service) and masquerade-endpoints (endpoints
// outside the pod network: a node, the apiserver), whose traffic is
// masqueraded as the iptables mode's KLAB-SEP chains do.

// The table: one of the proxy's own, so that it can write and delete it
// without touching anyone else's rules (Docker's, the kubelet's, a
// firewall's). ip, not inet: kubelab's services are IPv4.
const nftTable = "ip " + nodecheck.ProxyTable

// The proxy's fixed chains and sets.
const (
	nftServices      = "services"            // nat: which service is a packet for
	nftMarkMasq      = "mark-for-masquerade" // nat: marks a packet for masquerading
	nftMasquerading  = "masquerading"        // nat: masquerades what is marked
	nftNoEndpoints   = "no-endpoints"        // filter: services without endpoints
	nftRefuse        = "refuse"              // filter: rejects with "port unreachable"
	nftFirewall      = "firewall"            // filter: drops outside packets for 127.0.0.0/8
	nftServiceIPs    = "service-ips"
	nftNodePorts     = "service-nodeports"
	nftServiceEPs    = "service-endpoints"
	nftServicePorts  = "service-target-ports"
	nftNodePortEPs   = "nodeport-endpoints"
	nftNodePortPorts = "nodeport-target-ports"
	nftNoEPServices  = "no-endpoint-services"
	nftNoEPNodePorts = "no-endpoint-nodeports"
	nftHairpin       = "hairpin"
	nftMasqEndpoints = "masquerade-endpoints"

	// The chains shared by plain service ports with N endpoints: pickers
	// of one of N, by where the packet came in.
	nftPickCluster  = "cluster-"  // at a cluster IP
	nftPickExternal = "external-" // at an external address: masquerade, then pick
	nftPickNodePort = "nodeport-" // at a node port: masquerade, then pick

	// The chains of a service port with affinity or policy Local, and the
	// affinity sets of its endpoints.
	nftPrefixService  = "svc-"
	nftPrefixExternal = "ext-"
	nftPrefixAffinity = "aff-"
)

// The base chains: where the table hooks into the kernel's packet path.
// nft 1.0.6 knows the name "dstnat" (-100) only for prerouting, so
// nat-output says -100. Filtering happens at priority filter (0), after
// DNAT: a packet for a service without endpoints was rewritten by nothing
// and still carries the service's address.
var nftBaseChains = []NFTChain{
	{Name: "nat-prerouting", Base: "type nat hook prerouting priority dstnat; policy accept;"},
	{Name: "nat-output", Base: "type nat hook output priority -100; policy accept;"},
	{Name: "nat-postrouting", Base: "type nat hook postrouting priority srcnat; policy accept;"},
	{Name: "filter-input", Base: "type filter hook input priority filter; policy accept;"},
	{Name: "filter-forward", Base: "type filter hook forward priority filter; policy accept;"},
	{Name: "filter-output", Base: "type filter hook output priority filter; policy accept;"},
}

// GenerateNFT computes the proxy's whole nftables table for one node from
// the Services and Endpoints. It is pure: the same input gives
// byte-identical output (everything is sorted), so a caller can compare
// two results element by element. It writes each service's share of the
// table apart, as a part, and puts the parts together (nftparts.go); a
// sync after a change of a few services makes only theirs again.
func GenerateNFT(services []*api.Service, endpoints []*api.Endpoints, node NodeInfo) *NFTRuleset {
	ports := servicePorts(services, endpoints, node)
	idx := newNFTIndex(len(ports))
	g := newNFTGenerator(node, idx.claimed, idx.contested)
	parts := make([]*nftPart, 0, len(ports))
	forEachService(ports, func(key string, sps []ServicePort) {
		part := g.servicePart(sps)
		idx.parts[key] = part
		parts = append(parts, part)
	})
	return g.assemble(ports, parts, idx)
}

type nftGenerator struct {
	node      NodeInfo
	mark      string          // the masquerade bit as a mark value: 0x4000
	claimed   map[nftKey]bool // map entries taken, by whichever service
	contested map[nftKey]bool // map entries asked for when taken already
	part      *nftPart        // the service being written
}

func newNFTGenerator(node NodeInfo, claimed, contested map[nftKey]bool) *nftGenerator {
	return &nftGenerator{node: node, mark: fmt.Sprintf("0x%x", uint32(1)<<node.MasqueradeBit),
		claimed: claimed, contested: contested}
}

// servicePart writes what one service adds to the table: the elements,
// and if needed the chains, of each of its ports.
func (g *nftGenerator) servicePart(ports []ServicePort) *nftPart {
	room := 0 // for the elements of plain ports, which most are: no growing
	for _, sp := range ports {
		room += 2 * (1 + len(sp.Endpoints)) * (1 + len(sp.External) + min(int(sp.NodePort), 1))
	}
	g.part = &nftPart{elements: make([]setElement, 0, room)}
	for _, sp := range ports {
		g.servicePort(sp)
	}
	return g.part
}

// fixed makes the chains and sets that do not depend on services, the
// sets empty.
func (g *nftGenerator) fixed() (chains []NFTChain, sets []NFTSet) {
	jumps := map[string][]string{
		"nat-prerouting": {"jump " + nftServices},
		"nat-output":     {"jump " + nftServices},
		"nat-postrouting": {
			// A pod that reached itself through a service gets its answer
			// from itself unless it is masqueraded: it would drop it, as
			// it came from the endpoint's address, not the service's.
			"ct status dnat ip saddr . ip daddr @" + nftHairpin + ` jump ` + nftMarkMasq + ` comment "hairpin"`,
			// A node or the apiserver may have no route back to the pods.
			"ct status dnat ip daddr . meta l4proto . th dport @" + nftMasqEndpoints + " jump " + nftMarkMasq +
				` comment "endpoint outside the pod network"`,
			"jump " + nftMasquerading,
		},
		"filter-input":   {"ct state new jump " + nftNoEndpoints, "jump " + nftFirewall},
		"filter-forward": {"ct state new jump " + nftNoEndpoints},
		"filter-output":  {"ct state new jump " + nftNoEndpoints, "jump " + nftFirewall},
	}
	for _, c := range nftBaseChains {
		c.Rules = jumps[c.Name]
		chains = append(chains, c)
	}
	var services NFTChain
	services.Name = nftServices
	services.add("ip daddr . meta l4proto . th dport vmap @" + nftServiceIPs)
	// Last: a node port is any local address, 127.0.0.1 too (see the
	// firewall), so it must not shadow the service addresses above.
	services.add("fib daddr type local meta l4proto . th dport vmap @" + nftNodePorts)

	mark := NFTChain{Name: nftMarkMasq}
	mark.add("meta mark set meta mark | " + g.mark)
	// Masquerade replaces the source address with the node's, so the
	// answer comes back through this node, where conntrack undoes the
	// DNAT. Clearing the mark first keeps a packet that passes
	// postrouting twice (VXLAN) from being masqueraded twice.
	masq := NFTChain{Name: nftMasquerading}
	masq.add("meta mark & " + g.mark + " == 0 return")
	masq.add("meta mark set meta mark ^ " + g.mark)
	masq.add(`masquerade comment "kubelab proxy: masquerade marked traffic"`)

	// New connections to a service port without endpoints are refused
	// at once ("connection refused") instead of timing out; see refuse.
	noEndpoints := NFTChain{Name: nftNoEndpoints}
	noEndpoints.add("ip daddr . meta l4proto . th dport vmap @" + nftNoEPServices)
	noEndpoints.add("fib daddr type local meta l4proto . th dport vmap @" + nftNoEPNodePorts)
	refuse := NFTChain{Name: nftRefuse}
	refuse.add("reject with icmp type port-unreachable")

	// A node port answers on 127.0.0.1 too, as kube-proxy's do in iptables
	// mode: the proxy sets route_localnet, without which the kernel drops
	// a packet from 127.0.0.1 rewritten to a pod. route_localnet also lets
	// packets from other machines reach 127.0.0.1 (CVE-2020-8558); drop
	// those, unless the proxy rewrote them (DNAT) or they belong to a
	// connection that is already there.
	firewall := NFTChain{Name: nftFirewall}
	firewall.add("ip saddr != 127.0.0.0/8 ip daddr 127.0.0.0/8 ct state != { established, related } ct status & dnat == 0 drop" +
		` comment "kubelab proxy: no outside packets to 127.0.0.0/8"`)
	chains = append(chains, services, mark, masq, noEndpoints, refuse, firewall)

	// typeof borrows the types of the expressions that fill the key and
	// the value: numgen's is a plain integer, which "type" cannot name
	// inside a concatenation. Its modulus there means nothing.
	sets = []NFTSet{
		{Name: nftServiceIPs, Map: true, Spec: []string{"type ipv4_addr . inet_proto . inet_service : verdict",
			`comment "cluster IPs and external addresses: the chain that picks an endpoint"`}},
		{Name: nftNodePorts, Map: true, Spec: []string{"type inet_proto . inet_service : verdict",
			`comment "node ports: the chain that picks an endpoint"`}},
		{Name: nftServiceEPs, Map: true, Spec: []string{
			"typeof ip daddr . meta l4proto . th dport . numgen random mod 1 : ip daddr",
			`comment "service address . protocol . port . endpoint number: the endpoint"`}},
		{Name: nftServicePorts, Map: true, Spec: []string{"type ipv4_addr . inet_proto . inet_service : inet_service",
			`comment "service address . protocol . port: the endpoints' port"`}},
		{Name: nftNodePortEPs, Map: true, Spec: []string{
			"typeof meta l4proto . th dport . numgen random mod 1 : ip daddr",
			`comment "protocol . node port . endpoint number: the endpoint"`}},
		{Name: nftNodePortPorts, Map: true, Spec: []string{"type inet_proto . inet_service : inet_service",
			`comment "protocol . node port: the endpoints' port"`}},
		{Name: nftNoEPServices, Map: true, Spec: []string{"type ipv4_addr . inet_proto . inet_service : verdict",
			`comment "service addresses without endpoints: refuse or drop"`}},
		{Name: nftNoEPNodePorts, Map: true, Spec: []string{"type inet_proto . inet_service : verdict",
			`comment "node ports without endpoints: refuse or drop"`}},
		{Name: nftHairpin, Spec: []string{"type ipv4_addr . ipv4_addr",
			`comment "endpoint . itself: a pod that reached itself through a service"`}},
		{Name: nftMasqEndpoints, Spec: []string{"type ipv4_addr . inet_proto . inet_service",
			`comment "endpoints outside the pod network"`}},
	}
	return chains, sets
}

// servicePort writes the elements, and if needed the chains, of one
// service port.
func (g *nftGenerator) servicePort(sp ServicePort) {
	if len(sp.Endpoints) == 0 {
		why := "has no endpoints"
		if len(sp.Refused) > 0 {
			why = "has no endpoints inside the cluster (pod egress denied)"
		}
		g.closeExternal(sp, why, "goto "+nftRefuse)
		if g.claim(nftNoEPServices, addrKey(sp.ClusterIP, sp)) {
			g.element(nftNoEPServices, addrKey(sp.ClusterIP, sp), sp.Name+" "+why, "goto "+nftRefuse)
		}
		return
	}
	g.masqueradeEndpoints(sp)
	if sp.Affinity > 0 || (sp.Local && sp.external()) || !onePort(sp.Endpoints) {
		g.ownChains(sp)
		return
	}
	n := len(sp.Endpoints)
	entry := func(set, key, kind, endpoints, ports string) {
		if g.claim(set, key) {
			g.element(set, key, "", "goto "+g.pick(kind, n))
			for i, e := range sp.Endpoints {
				g.element(endpoints, key+" . "+strconv.Itoa(i), "", e.IP)
			}
			g.element(ports, key, "", itoa(sp.Endpoints[0].Port))
		}
	}
	entry(nftServiceIPs, addrKey(sp.ClusterIP, sp), nftPickCluster, nftServiceEPs, nftServicePorts)
	for _, a := range sp.External {
		entry(nftServiceIPs, addrKey(a, sp), nftPickExternal, nftServiceEPs, nftServicePorts)
	}
	if sp.NodePort != 0 {
		entry(nftNodePorts, nodePortKey(sp), nftPickNodePort, nftNodePortEPs, nftNodePortPorts)
	}
}

// onePort reports whether the endpoints share one port.
func onePort(eps []Endpoint) bool {
	return !slices.ContainsFunc(eps, func(e Endpoint) bool { return e.Port != eps[0].Port })
}

// claim reports whether an entry (an address . protocol . port, or a
// protocol . node port) of a map is still free, and takes it. Two
// services may claim the same one (two LoadBalancers on one port); as in
// the iptables mode, where the first rule wins, the first service port by
// name gets it. So a map never holds two elements with one key. The part
// keeps every entry it asked for, and the index the contested ones: a
// partial regeneration must not touch those (nftparts.go).
func (g *nftGenerator) claim(set, key string) bool {
	k := nftKey{set, key}
	g.part.claims = append(g.part.claims, k)
	if g.claimed[k] {
		g.contested[k] = true
		return false
	}
	g.claimed[k] = true
	return true
}

// external reports whether a service port is reached from outside the
// cluster: at a node port or an external address.
func (sp ServicePort) external() bool { return sp.NodePort != 0 || len(sp.External) > 0 }

// pick names the chain that picks one of n endpoints for packets that
// came in at kind, and makes sure it is there. Every plain service port
// with n endpoints shares it.
func (g *nftGenerator) pick(kind string, n int) string {
	name := kind + strconv.Itoa(n)
	g.part.picks = append(g.part.picks, name)
	return name
}

// pickChain is the chain pick names: for a cluster IP, masquerade
// clients outside the pod network (the node itself, a host that routes
// the service range here), which would otherwise get the answer straight
// from an endpoint on another node; from outside, masquerade always.
func (g *nftGenerator) pickChain(name string) NFTChain {
	c := NFTChain{Name: name}
	kind, n, _ := strings.Cut(name, "-")
	key := "ip daddr . meta l4proto . th dport"
	endpoints, ports := nftServiceEPs, nftServicePorts
	switch kind + "-" {
	case nftPickCluster:
		if cidr := g.node.ClusterCIDR; cidr != "" {
			c.add("ip saddr != " + cidr + " jump " + nftMarkMasq)
		}
	case nftPickExternal:
		c.add("jump " + nftMarkMasq)
	case nftPickNodePort:
		c.add("jump " + nftMarkMasq)
		key, endpoints, ports = "meta l4proto . th dport", nftNodePortEPs, nftNodePortPorts
	}
	c.add("dnat to " + key + " . numgen random mod " + n + " map @" + endpoints + " : " + key + " map @" + ports)
	return c
}

// masqueradeEndpoints lists the port's endpoints outside the pod
// network: a node's or the apiserver's address, whose host may have no
// route back to the pods (a lab's control plane has none). The pods go
// into hairpin, for the pod that reaches itself: every pod, on any node,
// as the iptables mode's KLAB-SEP chains masquerade any endpoint that is
// the packet's source. A pod on another node does reach itself through
// this node's rules: at this node's address, where a node port or a load
// balancer address of policy Local sends pods to any endpoint, without
// masquerading them.
func (g *nftGenerator) masqueradeEndpoints(sp ServicePort) {
	pods, ok := g.node.podNetwork()
	for _, e := range sp.Endpoints {
		if !ok || !pods.Contains(netip.MustParseAddr(e.IP)) {
			g.element(nftMasqEndpoints, e.IP+" . "+sp.Protocol+" . "+itoa(e.Port), "", "")
		} else {
			g.element(nftHairpin, e.IP+" . "+e.IP, "", "")
		}
	}
}

// closeExternal refuses (or drops) new connections from outside to the
// node port and the external addresses of sp, in the filter chains: the
// nat chains let them through unchanged, addressed to this node.
func (g *nftGenerator) closeExternal(sp ServicePort, why, verdict string) {
	if sp.NodePort != 0 && g.claim(nftNoEPNodePorts, nodePortKey(sp)) {
		g.element(nftNoEPNodePorts, nodePortKey(sp), sp.Name+" "+why, verdict)
	}
	for _, a := range sp.External {
		if g.claim(nftNoEPServices, addrKey(a, sp)) {
			g.element(nftNoEPServices, addrKey(a, sp), sp.Name+" "+why, verdict)
		}
	}
}

// ownChains writes the chains of a port with affinity or policy Local:
// svc-… for its cluster IP, ext-… for its node port and external
// addresses.
func (g *nftGenerator) ownChains(sp ServicePort) {
	base := nftChainBase(sp)
	svc := NFTChain{Name: nftPrefixService + base}
	if g.claim(nftServiceIPs, addrKey(sp.ClusterIP, sp)) {
		g.element(nftServiceIPs, addrKey(sp.ClusterIP, sp), "", "goto "+svc.Name)
	}
	if cidr := g.node.ClusterCIDR; cidr != "" {
		svc.add("ip daddr " + sp.ClusterIP + " " + sp.Protocol + " dport " + itoa(sp.Port) +
			" ip saddr != " + cidr + " jump " + nftMarkMasq)
	}
	g.balance(&svc, sp, sp.Endpoints)
	g.part.chains = append(g.part.chains, svc)
	if !sp.external() {
		return
	}
	ext := NFTChain{Name: nftPrefixExternal + base}
	for _, a := range sp.External {
		if g.claim(nftServiceIPs, addrKey(a, sp)) {
			g.element(nftServiceIPs, addrKey(a, sp), "", "goto "+ext.Name)
		}
	}
	if sp.NodePort != 0 && g.claim(nftNodePorts, nodePortKey(sp)) {
		g.element(nftNodePorts, nodePortKey(sp), "", "goto "+ext.Name)
	}
	g.externalRules(&ext, sp, svc.Name)
	g.part.chains = append(g.part.chains, ext)
}

// externalRules fill ext-…: where traffic from outside the cluster enters
// a service port of its own chains.
func (g *nftGenerator) externalRules(ext *NFTChain, sp ServicePort, svcChain string) {
	if !sp.Local {
		// Policy Cluster: any endpoint, on any node. Masquerade, or an
		// endpoint on another node would answer the client directly.
		ext.add("jump " + nftMarkMasq)
		ext.add("goto " + svcChain)
		return
	}
	// Policy Local: only endpoints on this node, and no masquerade, so the
	// endpoint sees the client's own address. Pods and the node itself
	// are not "outside": they may use any endpoint, as kube-proxy lets them.
	if cidr := g.node.ClusterCIDR; cidr != "" {
		ext.add("ip saddr " + cidr + " goto " + svcChain + ` comment "pods use any endpoint"`)
	}
	ext.add("fib saddr type local jump " + nftMarkMasq + ` comment "this node uses any endpoint"`)
	ext.add("fib saddr type local goto " + svcChain)
	var local []Endpoint
	for _, e := range sp.Endpoints {
		if e.NodeName == g.node.Name {
			local = append(local, e)
		}
	}
	if len(local) > 0 {
		g.balance(ext, sp, local)
		return
	}
	// No endpoint here: drop, so that the client (or the load balancer's
	// health check, in a cloud) tries another node.
	g.closeExternal(sp, "has no local endpoints", "drop")
}

// balance sends each new connection to one of eps, each equally likely,
// the way the iptables mode does: the first rule takes 1/n of the
// connections, the next 1/(n-1) of the rest … and the last takes
// whatever is left; each rule draws its own number. With session
// affinity, a client seen recently goes back to the endpoint it had,
// before any draw, and every choice is remembered in the endpoint's
// affinity set for the affinity timeout.
func (g *nftGenerator) balance(c *NFTChain, sp ServicePort, eps []Endpoint) {
	dnat := func(e Endpoint) string {
		s := "meta l4proto " + sp.Protocol
		if sp.Affinity > 0 {
			s += " update @" + g.affinitySet(sp, e) + " { ip saddr }"
		}
		return s + " dnat to " + e.Addr()
	}
	if sp.Affinity > 0 {
		for _, e := range eps {
			c.add("ip saddr @" + g.affinitySet(sp, e) + " " + dnat(e))
		}
	}
	for i, e := range eps {
		if left := len(eps) - i; left > 1 {
			c.add("numgen random mod " + strconv.Itoa(left) + " == 0 " + dnat(e))
		} else {
			c.add(dnat(e))
		}
	}
}

// affinitySet names the affinity set of an endpoint of sp, and makes
// sure it is there: the clients that chose it, each forgotten Affinity
// seconds after its last new connection. The kernel fills it (update in
// the rules); a sync never writes or flushes its elements.
func (g *nftGenerator) affinitySet(sp ServicePort, e Endpoint) string {
	name := nftPrefixAffinity + nftChainBase(sp) + "__" + e.IP + "/" + itoa(e.Port)
	if !slices.ContainsFunc(g.part.affinity, func(s NFTSet) bool { return s.Name == name }) {
		g.part.affinity = append(g.part.affinity, NFTSet{Name: name, Dynamic: true, Spec: []string{
			"type ipv4_addr", "flags dynamic,timeout", "timeout " + itoa(sp.Affinity) + "s"}})
	}
	return name
}

// element adds an element to a set or map of the table.
func (g *nftGenerator) element(set, key, comment, value string) {
	g.part.elements = append(g.part.elements, setElement{set, NFTElement{Key: key, Comment: comment, Value: value}})
}

// nftChainBase names a service port's chains as kube-proxy does:
// namespace/name/protocol/port, the port by its name or, unnamed, its
// number. Namespaces, names and port names are DNS labels, so the parts
// never hold the "/" between them, and the name is one nft accepts
// unquoted.
func nftChainBase(sp ServicePort) string {
	i := strings.LastIndexByte(sp.Name, ':')
	return sp.Name[:i] + "/" + sp.Protocol + "/" + sp.Name[i+1:]
}

// addrKey is the key of a service address in service-ips: "10.96.0.10 . tcp . 80".
func addrKey(addr string, sp ServicePort) string {
	return addr + " . " + sp.Protocol + " . " + itoa(sp.Port)
}

// nodePortKey is the key of a node port in service-nodeports: "tcp . 30080".
func nodePortKey(sp ServicePort) string { return sp.Protocol + " . " + itoa(sp.NodePort) }
