// Package proxy makes Services work on a node, the way kube-proxy does:
// it watches Services and Endpoints and keeps rules that rewrite each new
// connection to a service address into a connection to one of the
// service's pods. It writes them in one of two modes, as kube-proxy's
// --proxy-mode: iptables rules, or one nftables table.
//
// # The idea
//
// A cluster IP belongs to no machine. Nothing listens on it. The rules
// catch a packet for it on its way through the node, pick an endpoint at
// random and rewrite the destination (DNAT); conntrack remembers the
// choice, so the rest of the connection follows, and rewrites the answers
// back, so the client believes it talked to the cluster IP.
//
// One pure function per mode computes all the rules from the API objects
// (ports.go first reads them into ServicePorts, which both share):
//
//	node := proxy.NodeInfo{Name: "node1", IPs: []string{"192.168.56.11"}, ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14}
//	fmt.Print(proxy.Generate(services, endpoints, node).Text())    // iptables-restore input: testdata/kubia.rules
//	fmt.Print(proxy.GenerateNFT(services, endpoints, node).Text()) // nft input: testdata/kubia.nft
//
// and one command applies them: `iptables-restore --noflush`, or `nft
// -f`. Each is one transaction, so no packet ever sees half of an update.
//
// # The two modes
//
// The iptables mode (rules.go, ruleset.go, apply.go) gives every service
// port a chain and every endpoint another, as kube-proxy's iptables mode
// does; the chains are drawn below. The nftables mode (nftrules.go,
// nftset.go, nftapply.go) writes one table of its own, ip kubelab, where
// a service is a few elements of maps that a handful of shared chains
// look up: nftrules.go draws it and says why it differs from kube-proxy's
// nftables mode. The same traffic test runs through both
// (traffic_test.go). What the nftables mode cannot do: accept a packet
// that another table drops. KLAB-PROXY-FORWARD below accepts service
// traffic in FORWARD, whose policy Docker sets to DROP; an accept in the
// proxy's own table decides nothing for Docker's, so in the nftables
// mode forwarded service traffic passes only what the kubelet's
// KLAB-FORWARD accepts (to pods, replies, pods to nodes and to the
// apiserver). A node port reached from another machine and rewritten to
// a node's own address (a pod of the host network) is dropped there.
//
// --mode picks one. Without it the proxy takes iptables, as kube-proxy
// does, for it works beside everything else that writes iptables rules;
// nftables only where iptables-restore is missing and the kernel (5.13 or
// later) and the nft command can run it (DefaultMode; the log says which
// and why). The first sync deletes what the other mode left, so that
// after a switch no packet meets both (modeswitch.go); `proxy --cleanup`
// deletes both.
//
// The nftables mode runs the nft command, not
// github.com/google/nftables, which speaks netlink to the kernel
// directly: nft reads the same text that `nft list table ip kubelab`
// shows, so what the proxy writes, what its tests read and what a
// student sees on a node are one language, where the library takes each
// rule as a list of low-level expressions (load this field into register
// 1, compare…). The price is a process per sync (nftapply.go).
//
// # The chains of the iptables mode (nat table)
//
//	PREROUTING, OUTPUT
//	  └─ KLAB-SERVICES           one rule per service port: -d CLUSTER-IP --dport PORT
//	       ├─ KLAB-SVC-<hash>    per service port: pick an endpoint
//	       │    ├─ (from outside the pod network: KLAB-MARK-MASQ)
//	       │    ├─ 1/3 → KLAB-SEP-<hash>   per endpoint: DNAT to pod-ip:port
//	       │    ├─ 1/2 → KLAB-SEP-<hash>   (1/2 of the remaining 2/3 is 1/3)
//	       │    └─ rest → KLAB-SEP-<hash>
//	       ├─ -d NODE-IP --dport PORT (LoadBalancer) → KLAB-EXT-<hash>
//	       └─ last, to any local address: KLAB-NODEPORTS
//	            └─ --dport NODEPORT → KLAB-EXT-<hash>   traffic from outside:
//	                 masquerade, then KLAB-SVC-<hash> (policy Cluster), or
//	                 only this node's endpoints (policy Local)
//	POSTROUTING
//	  └─ KLAB-PROXY-POSTROUTING  masquerade what KLAB-MARK-MASQ marked
//
// In the filter table, KLAB-SERVICES-REJECT and KLAB-EXTERNAL refuse new
// connections to service ports without endpoints (REJECT: the client sees
// "connection refused" at once instead of a timeout), and
// KLAB-PROXY-FORWARD accepts service traffic in FORWARD, whose policy
// Docker sets to DROP. Node ports also answer on 127.0.0.1, which needs
// route_localnet; KLAB-FIREWALL drops the packets from other machines
// that this setting would let reach the node's loopback. rules.go says
// why each rule is there.
//
// # Inside the cluster
//
// With pod egress denied (--pod-egress=deny, the default), a service
// leads only inside the cluster: to pods, to nodes, and for
// default/kubernetes to the apiserver. An endpoint anywhere else (a
// hand-written Endpoints pointing at the internet) gets no rule; a
// service left without endpoints is refused like any other, and an
// EndpointsOutsideCluster event on the Service says why.
//
// # Syncing
//
// A Proxier runs the loop, in either mode (Config.Mode; mode.go is the
// seam between the loop and the modes). Informer handlers note which service changed
// (a Service and its Endpoints share the key "ns/name"); Run then
// computes the ServicePorts of those services alone and compares them
// with what the last sync applied (changes.go). A change that alters no
// rule costs nothing: a new pod's address first lands in
// notReadyAddresses, which the rules ignore, and only its turning ready a
// moment later needs a sync.
//
// The syncs that are needed are paced by a token bucket (runner.go): it
// holds SyncBurst tokens (2) and gains one every MinSyncPeriod (1 s); a
// sync spends one. A lone change finds a token and is applied at once; in
// a storm (a Deployment scaled to 50) the first changes are applied at
// once and the rest wait for the next token and are applied together, in
// one sync, which reads the caches as they are by then.
//
// A sync remembers the rules it applied and writes only what differs
// from the last ones (Ruleset.Update, NFTRuleset.Update): an endpoint
// change rewrites one KLAB-SVC chain and adds or deletes KLAB-SEP chains,
// or changes a few map elements, whatever the number of services. In the
// nftables mode, where that update is small enough for the generation to
// dominate, the sync also makes only the changed services' share of the
// table again, from the keys Run collected (nftparts.go). Every
// SyncPeriod a periodic sync, on a schedule of its own that no change
// pays for, and any sync after a failure write everything
// (Ruleset.Replace, NFTRuleset.Replace), which repairs whatever was
// changed behind the proxy's back. The first sync also reads back which
// chains (and sets) exist and deletes those of the proxy it no longer
// wants: services deleted while the proxy was down.
//
//	p, err := proxy.New(proxy.Config{Node: node, MinSyncPeriod: time.Second, SyncPeriod: 30 * time.Second,
//		Mode: proxy.ModeNFTables, NFT: nft, Applier: ipt, // ipt only removes the iptables mode's leftovers
//		Services: svcInformer, Endpoints: epInformer, Nodes: nodeInformer, Log: log})
//	svcInformer.AddHandler(p.Handler())
//	epInformer.AddHandler(p.Handler())
//	nodeInformer.AddHandler(p.NodeHandler()) // readiness and addresses, not heartbeats
//	p.Run(ctx)
//
// Rules are written through a RuleApplier (IPTables) or an NFTApplier
// (NFT) on a node, inside a network namespace for a simulated node
// (NetNS); in tests through FakeApplier and FakeNFT, which check each
// input the way iptables-restore and nft would and keep the result for
// the test to read. Cleanup and CleanupNFT remove everything a mode
// installs (`proxy --cleanup` runs both); a plain shutdown leaves the
// rules, so traffic keeps flowing while the proxy restarts.
//
// Besides the rules, a sync deletes the conntrack entries of UDP endpoints
// that went away (conntrack.go) and, on one node, publishes the addresses
// of LoadBalancer services in their status (status.go).
//
// # What it costs
//
// hack/bench/proxy.sh measures both modes with 10,000 services, and
// hack/bench/proxysync.sh on a Docker node how long a pod that turns
// ready, or stops being ready, waits for its rules. The two iptables
// backends differ: the legacy one copies the whole table in and out of
// the kernel on every call, so loading everything is fast but even a
// one-chain update costs as much as the table is big; the nf_tables one
// changes only what it is told, but iptables-nft 1.8 handles tens of
// thousands of chains in one input slowly, and the kernel re-checks every
// chain reachable from the built-in ones on each commit. kube-proxy hit
// the same walls, which is why it grew IPVS and nftables modes. The
// nftables mode changes a few elements per endpoint change, and its sync
// costs about what starting nft costs.
//
// # What it leaves on a node
//
//   - in the iptables mode, the chains above, and jumps to them from
//     PREROUTING, OUTPUT, POSTROUTING (nat) and INPUT, OUTPUT, FORWARD
//     (filter), each with the comment "kubelab proxy"; in the nftables
//     mode, the table ip kubelab and nothing outside it (kctl doctor says
//     which mode a node has, and warns when it has both);
//   - net.ipv4.ip_forward=1 and net.bridge.bridge-nf-call-iptables=1, and
//     once its first sync has put KLAB-FIREWALL in place,
//     net.ipv4.conf.all.route_localnet=1 (sysctl.go says why), in both
//     modes (bridge-nf-call-iptables sends bridged packets through the
//     nftables hooks too); `proxy --cleanup` turns route_localnet off
//     again with the firewall gone.
//
// The node network of the kubelet has chains of its own, KLAB-FORWARD and
// KLAB-POSTROUTING; the proxy never touches them.
//
// Where Kubernetes does more: kube-proxy also has an IPVS mode (and
// nftables and iptables modes of its own layout), IPv6 and dual stack, EndpointSlices with topology hints, terminating
// endpoints, internalTrafficPolicy, loadBalancerSourceRanges, a health
// check node port for Local policy, and a canary chain that detects a
// flushed table between full syncs.
package proxy
