// Package proxy makes Services work on a node, the way kube-proxy's
// iptables mode does: it watches Services and Endpoints and keeps
// iptables rules that rewrite each new connection to a service address
// into a connection to one of the service's pods.
//
// # The idea
//
// A cluster IP belongs to no machine. Nothing listens on it. The rules
// catch a packet for it on its way through the node, pick an endpoint at
// random and rewrite the destination (DNAT); conntrack remembers the
// choice, so the rest of the connection follows, and rewrites the answers
// back, so the client believes it talked to the cluster IP.
//
// One pure function computes all the rules from the API objects:
//
//	rules := proxy.Generate(services, endpoints, proxy.NodeInfo{Name: "node1",
//		IPs: []string{"192.168.56.11"}, ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14})
//	fmt.Print(rules.Text()) // iptables-restore input; testdata/kubia.rules is an example
//
// and one call of `iptables-restore --noflush` applies them. Each table
// changes at once, so no packet ever sees half of an update.
//
// # The chains (nat table)
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
// A Proxier runs the loop. Informer handlers note which service changed
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
// A sync remembers the Ruleset it applied and writes only the chains that
// differ from the last one (Ruleset.Update): an endpoint change rewrites
// one KLAB-SVC chain and adds or deletes KLAB-SEP chains, whatever the
// number of services. Every SyncPeriod a periodic sync, on a schedule of
// its own that no change pays for, and any sync after a failure write
// everything (Ruleset.Replace), which repairs whatever was changed behind
// the proxy's back. The first sync also reads
// back which chains exist and deletes the proxy's chains it no longer
// wants: services deleted while the proxy was down.
//
//	p := proxy.New(proxy.Config{Node: node, MinSyncPeriod: time.Second, SyncPeriod: 30 * time.Second,
//		Applier: applier, Services: svcInformer, Endpoints: epInformer, Nodes: nodeInformer, Log: log})
//	svcInformer.AddHandler(p.Handler())
//	epInformer.AddHandler(p.Handler())
//	nodeInformer.AddHandler(p.NodeHandler()) // readiness and addresses, not heartbeats
//	p.Run(ctx)
//
// Rules are written through a RuleApplier: IPTables on a node (inside a
// network namespace for a simulated node: NetNS), FakeApplier in tests,
// which checks each input the way iptables-restore would and keeps the
// result for the test to read. Cleanup removes everything the proxy
// installs (`proxy --cleanup`); a plain shutdown leaves the rules, so
// traffic keeps flowing while the proxy restarts.
//
// Besides the rules, a sync deletes the conntrack entries of UDP endpoints
// that went away (conntrack.go) and, on one node, publishes the addresses
// of LoadBalancer services in their status (status.go).
//
// # What it costs
//
// hack/bench/proxy.sh measures it with 10,000 services, and
// hack/bench/proxysync.sh on a Docker node how long a pod that turns
// ready, or stops being ready, waits for its rules. The two iptables
// backends differ: the legacy one copies the whole table in and out of
// the kernel on every call, so loading everything is fast but even a
// one-chain update costs as much as the table is big; the nf_tables one
// changes only what it is told, but iptables-nft 1.8 handles tens of
// thousands of chains in one input slowly, and the kernel re-checks every
// chain reachable from the built-in ones on each commit. kube-proxy hit
// the same walls, which is why it grew IPVS and nftables modes.
//
// # What it leaves on a node
//
//   - the chains above, and jumps to them from PREROUTING, OUTPUT,
//     POSTROUTING (nat) and INPUT, OUTPUT, FORWARD (filter), each with the
//     comment "kubelab proxy";
//   - net.ipv4.ip_forward=1 and net.bridge.bridge-nf-call-iptables=1, and
//     once its first sync has put KLAB-FIREWALL in place,
//     net.ipv4.conf.all.route_localnet=1 (sysctl.go says why); `proxy
//     --cleanup` turns route_localnet off again with the firewall gone.
//
// The node network of the kubelet has chains of its own, KLAB-FORWARD and
// KLAB-POSTROUTING; the proxy never touches them.
//
// Where Kubernetes does more: kube-proxy also has IPVS and nftables modes,
// IPv6 and dual stack, EndpointSlices with topology hints, terminating
// endpoints, internalTrafficPolicy, loadBalancerSourceRanges, a health
// check node port for Local policy, and a canary chain that detects a
// flushed table between full syncs.
package proxy
