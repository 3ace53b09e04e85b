// Package dns is the cluster DNS, what CoreDNS and its kubernetes plugin
// are in Kubernetes: pods find Services by name instead of by cluster IP.
// It runs as pods (addons/dns.yaml) behind the kube-dns Service at
// 10.96.0.10, watches Services, Endpoints and Pods, and answers from
// them. In this package, dns.Msg, dns.RR and friends are the wire types
// of github.com/miekg/dns.
//
// # The names
//
// With the cluster domain cluster.local (--cluster-domain):
//
//	kubia.default.svc.cluster.local           A     the cluster IP of Service kubia in namespace default
//	db.default.svc.cluster.local              A     headless (clusterIP: None): the IP of each ready pod
//	db-0.db.default.svc.cluster.local         A     one pod of a headless service: its hostname…
//	10-244-2-7.db.default.svc.cluster.local   A     …or, without one, its IP with dashes
//	web-0.web.default.svc.cluster.local       A     a pod with hostname web-0 and subdomain web, when a
//	                                                headless Service web exists in its namespace
//	ext.default.svc.cluster.local             CNAME an ExternalName service's spec.externalName
//	_http._tcp.kubia.default.svc.cluster.local SRV  a named port: for kubia, its port on the service's
//	                                                name; for a headless service, one record per ready
//	                                                pod, with that pod's port of that name
//	20.0.96.10.in-addr.arpa                   PTR   back from a cluster IP, a headless pod or a named pod
//
// Only ready pods appear: the endpoints controller moves a pod that fails
// its readiness probe to notReadyAddresses, and with the next index it
// drops out of the answers. Every record lives 5 seconds (TTL), so
// clients notice soon.
//
// A name that exists without records of the asked type (AAAA for an IPv4
// service) is NODATA: NOERROR, no answer, the zone's SOA in the authority
// section. It must not be an error: musl's resolver (busybox, Alpine)
// asks A and AAAA at once and fails the lookup when either fails. A name
// that does not exist is NXDOMAIN, with the SOA too, whose last field says
// how long to remember the answer (5 s as well).
//
// # Why the search path
//
// The server answers full names only. The kubelet gives every pod (with
// dnsPolicy ClusterFirst, the default) this /etc/resolv.conf:
//
//	nameserver 10.96.0.10
//	search default.svc.cluster.local svc.cluster.local cluster.local
//	options ndots:5
//
// A name with fewer than five dots is first tried with each search suffix
// in turn. `kubia` becomes kubia.default.svc.cluster.local at the first
// try: the pod's own namespace. `kubia.default` becomes
// kubia.default.default.svc.cluster.local (NXDOMAIN), then
// kubia.default.svc.cluster.local: another namespace's service. So a
// short name means "in my namespace", as in Kubernetes, without the
// server knowing who asks. Five dots, because `_http._tcp.kubia.default`
// has four and still needs the suffix. The price: example.com costs
// three NXDOMAINs before it is asked as it is.
//
// # Why REFUSED for the rest of the world
//
// A pod reaches pods, services, nodes and this DNS, and nothing else
// (DESIGN.md §10, "Safe by default"). Forwarding every other name to the
// host's resolver would hand pods a way out: to learn about the host's
// network, and to carry data out in queries. So a name outside the
// cluster domain is REFUSED, "I will not answer that" (not NXDOMAIN,
// which would claim the name does not exist). A lab on real hosts that
// wants pods to resolve the Internet names a resolver with --upstream
// IP:port; then such questions are forwarded to it (over UDP, again over
// TCP if the answer came back truncated) and its reply relayed, as is a
// reverse lookup of an address the cluster has no PTR for. Without
// --upstream, nothing is ever sent anywhere.
//
// # How an answer is computed
//
// Not by searching the objects for each query. Whenever an informer
// reports a change, the server waits a moment for the rest of the burst
// (MinRebuildPeriod), takes a Snapshot of the caches and builds an Index:
// every name, with its records, in one map (index.go). It swaps the new
// index in with one atomic store, so queries never take a lock and never
// see half an update. A query is then a lookup (answer.go):
//
//	idx := dns.NewIndex(snapshot, "cluster.local", serial) // pure: objects in, names out
//	reply := idx.Answer(dns.Question{Name: "kubia.default.svc.cluster.local.", Qtype: dns.TypeA, Qclass: dns.ClassINET})
//	// reply.Rcode == dns.RcodeSuccess; reply.Answer: kubia.default.svc.cluster.local. 5 IN A 10.96.0.20
//
// Both are pure functions, tested without a network (answer_test.go).
// Server wraps them: it answers on UDP and TCP at one address (Listen,
// Serve), turns a Reply into a message, forwards when allowed, and cuts a
// UDP reply to the client's size (the client then asks over TCP).
//
// Until the informers have synced there is no index, and the server
// answers SERVFAIL: an index built from empty caches would call every
// name NXDOMAIN, and clients would remember that. /readyz says 503 until
// then, so the kube-dns Service sends no queries to a pod still starting;
// /healthz says only that the process runs, for the liveness probe.
//
// Run wires it all for cmd/dns: informers for services, endpoints and
// running pods, the server, and /healthz, /readyz and /metrics (replies
// counted by rcode) on --health-listen.
//
// Where CoreDNS does more: a cache, several upstreams with health checks,
// loop detection, answering for a CNAME's target, pod names
// (10-244-1-5.default.pod.cluster.local), wildcard queries, autopath (the
// search path tried on the server), EndpointSlices, zone transfers and
// DNSSEC.
package dns
