package dns

import (
	"slices"
	"testing"

	"github.com/miekg/dns"

	"kubelab/pkg/api"
)

// cluster is the snapshot the answer tests ask about.
func cluster() Snapshot {
	dual := clusterIPService("default", "dual", "10.96.0.40", port("http", "TCP", 80))
	dual.Spec.ClusterIPs = []string{"10.96.0.40", "fd00::40"}
	terminating := pod("default", "web-2", "web-2", "web", api.PodRunning, "10.244.3.5")
	terminating.DeletionTimestamp = &api.Time{}
	unready := pod("default", "web-3", "web-3", "web", api.PodRunning, "10.244.3.6")
	unready.Status.Conditions[0].Status = api.ConditionFalse
	return Snapshot{
		Services: []*api.Service{
			clusterIPService("default", "kubia", "10.96.0.20", port("http", "TCP", 80)),
			clusterIPService("default", "plain", "10.96.0.21", port("", "TCP", 8080)),
			clusterIPService("kube-system", "kube-dns", "10.96.0.10", port("dns", "UDP", 53), port("dns-tcp", "TCP", 53)),
			clusterIPService("shop", "cart", "10.96.0.30"),
			dual,
			headlessService("default", "db", port("pg", "TCP", 5432), port("", "TCP", 9187)),
			headlessService("default", "web"),
			headlessService("default", "empty"),
			externalService("default", "ext", "Example.ORG"),
		},
		Endpoints: []*api.Endpoints{
			endpoints("default", "kubia", []string{"10.244.1.2", "10.244.2.2"}, nil, api.EndpointPort{Name: "http", Port: 8080}),
			endpoints("default", "db", []string{"db-0=10.244.1.5", "10.244.2.7"}, []string{"10.244.1.9"},
				api.EndpointPort{Name: "pg", Port: 15432, Protocol: "TCP"}, api.EndpointPort{Port: 9187}),
		},
		Pods: []*api.Pod{
			pod("default", "web-0", "web-0", "web", api.PodRunning, "10.244.3.3"),
			pod("default", "web-1", "web-1", "web", api.PodPending, ""),
			terminating,
			unready,
			pod("default", "lonely", "lonely", "nosvc", api.PodRunning, "10.244.3.4"),
			pod("default", "kubia-x1", "", "", api.PodRunning, "10.244.1.2"),
		},
	}
}

func TestAnswer(t *testing.T) {
	const (
		soaZone = "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 7 7200 1800 86400 5"
		soaRev  = "in-addr.arpa. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 7 7200 1800 86400 5"
	)
	tests := []struct {
		name    string
		qname   string
		qtype   uint16
		qclass  uint16 // 0 means IN
		rcode   int
		answer  []string
		ns      []string
		extra   []string
		forward bool
	}{
		// Services
		{name: "cluster IP", qname: "kubia.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"kubia.default.svc.cluster.local. 5 IN A 10.96.0.20"}},
		{name: "names are case-insensitive; the answer keeps the asked case", qname: "KUBIA.Default.SVC.Cluster.Local.", qtype: dns.TypeA,
			answer: []string{"KUBIA.Default.SVC.Cluster.Local. 5 IN A 10.96.0.20"}},
		{name: "a name without the final dot", qname: "kubia.default.svc.cluster.local", qtype: dns.TypeA,
			answer: []string{"kubia.default.svc.cluster.local. 5 IN A 10.96.0.20"}},
		{name: "headless: ready endpoints only", qname: "db.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"db.default.svc.cluster.local. 5 IN A 10.244.1.5", "db.default.svc.cluster.local. 5 IN A 10.244.2.7"}},
		{name: "headless without ready endpoints: NODATA", qname: "empty.default.svc.cluster.local.", qtype: dns.TypeA,
			ns: []string{soaZone}},
		{name: "ExternalName: CNAME", qname: "ext.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"ext.default.svc.cluster.local. 5 IN CNAME example.org."}},
		{name: "ExternalName: CNAME asked for", qname: "ext.default.svc.cluster.local.", qtype: dns.TypeCNAME,
			answer: []string{"ext.default.svc.cluster.local. 5 IN CNAME example.org."}},
		{name: "dual stack: AAAA", qname: "dual.default.svc.cluster.local.", qtype: dns.TypeAAAA,
			answer: []string{"dual.default.svc.cluster.local. 5 IN AAAA fd00::40"}},
		{name: "ANY: every record", qname: "dual.default.svc.cluster.local.", qtype: dns.TypeANY,
			answer: []string{"dual.default.svc.cluster.local. 5 IN A 10.96.0.40", "dual.default.svc.cluster.local. 5 IN AAAA fd00::40"}},

		// SRV
		{name: "SRV of a cluster IP service: the service and its port", qname: "_http._tcp.kubia.default.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{"_http._tcp.kubia.default.svc.cluster.local. 5 IN SRV 0 100 80 kubia.default.svc.cluster.local."},
			extra:  []string{"kubia.default.svc.cluster.local. 5 IN A 10.96.0.20"}},
		{name: "SRV of a UDP port", qname: "_dns._udp.kube-dns.kube-system.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{"_dns._udp.kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local."},
			extra:  []string{"kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10"}},
		{name: "SRV with the wrong protocol", qname: "_dns._tcp.kube-dns.kube-system.svc.cluster.local.", qtype: dns.TypeSRV,
			rcode: dns.RcodeNameError, ns: []string{soaZone}},
		{name: "SRV of a headless service: each ready endpoint and its port", qname: "_pg._tcp.db.default.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{
				"_pg._tcp.db.default.svc.cluster.local. 5 IN SRV 0 50 15432 10-244-2-7.db.default.svc.cluster.local.",
				"_pg._tcp.db.default.svc.cluster.local. 5 IN SRV 0 50 15432 db-0.db.default.svc.cluster.local.",
			},
			extra: []string{"10-244-2-7.db.default.svc.cluster.local. 5 IN A 10.244.2.7", "db-0.db.default.svc.cluster.local. 5 IN A 10.244.1.5"}},
		{name: "unnamed port: no SRV name at all", qname: "_tcp.plain.default.svc.cluster.local.", qtype: dns.TypeSRV,
			rcode: dns.RcodeNameError, ns: []string{soaZone}},
		{name: "named port: its _tcp parent exists (NODATA)", qname: "_tcp.kubia.default.svc.cluster.local.", qtype: dns.TypeSRV,
			ns: []string{soaZone}},

		// Endpoints and pods of headless services
		{name: "endpoint with a hostname", qname: "db-0.db.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"db-0.db.default.svc.cluster.local. 5 IN A 10.244.1.5"}},
		{name: "endpoint without one: the dashed IP", qname: "10-244-2-7.db.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"10-244-2-7.db.default.svc.cluster.local. 5 IN A 10.244.2.7"}},
		{name: "not-ready endpoint: no name", qname: "10-244-1-9.db.default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soaZone}},
		{name: "pod hostname.subdomain, before any Endpoints", qname: "web-0.web.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"web-0.web.default.svc.cluster.local. 5 IN A 10.244.3.3"}},
		{name: "pod not running yet", qname: "web-1.web.default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soaZone}},
		{name: "pod terminating", qname: "web-2.web.default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soaZone}},
		{name: "pod running but not ready", qname: "web-3.web.default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soaZone}},
		{name: "pod whose subdomain has no headless service", qname: "lonely.nosvc.default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soaZone}},

		// PTR
		{name: "PTR of a cluster IP", qname: "20.0.96.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"20.0.96.10.in-addr.arpa. 5 IN PTR kubia.default.svc.cluster.local."}},
		{name: "PTR of a headless endpoint", qname: "5.1.244.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"5.1.244.10.in-addr.arpa. 5 IN PTR db-0.db.default.svc.cluster.local."}},
		{name: "PTR of a headless endpoint without hostname", qname: "7.2.244.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"7.2.244.10.in-addr.arpa. 5 IN PTR 10-244-2-7.db.default.svc.cluster.local."}},
		{name: "PTR of a pod with hostname and subdomain", qname: "3.3.244.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"3.3.244.10.in-addr.arpa. 5 IN PTR web-0.web.default.svc.cluster.local."}},
		{name: "PTR of a cluster IP's pod: none (the proxy's business)", qname: "2.1.244.10.in-addr.arpa.", qtype: dns.TypePTR,
			rcode: dns.RcodeNameError, ns: []string{soaRev}, forward: true},
		{name: "PTR of an address the cluster does not know", qname: "8.8.8.8.in-addr.arpa.", qtype: dns.TypePTR,
			rcode: dns.RcodeNameError, ns: []string{soaRev}, forward: true},

		// No such type, no such name
		{name: "NODATA: AAAA of an IPv4 service", qname: "kubia.default.svc.cluster.local.", qtype: dns.TypeAAAA,
			ns: []string{soaZone}},
		{name: "NODATA: MX", qname: "kubia.default.svc.cluster.local.", qtype: dns.TypeMX,
			ns: []string{soaZone}},
		{name: "NODATA: a namespace with services", qname: "default.svc.cluster.local.", qtype: dns.TypeA,
			ns: []string{soaZone}},
		{name: "the apex SOA", qname: "cluster.local.", qtype: dns.TypeSOA,
			answer: []string{soaZone}},
		{name: "NXDOMAIN: unknown service", qname: "nope.default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soaZone}},
		{name: "NXDOMAIN: wrong namespace", qname: "kubia.shop.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soaZone}},
		{name: "NXDOMAIN: a namespace without services", qname: "empty-ns.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soaZone}},

		// What the search path makes of short names
		{name: "search: kubia.default + svc.cluster.local", qname: "kubia.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"kubia.default.svc.cluster.local. 5 IN A 10.96.0.20"}},
		{name: "search: kubia.default + default.svc.cluster.local", qname: "kubia.default.default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soaZone}},
		{name: "search: kubia.default + cluster.local", qname: "kubia.default.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soaZone}},
		{name: "search: the full name + default.svc.cluster.local", qname: "kubia.default.svc.cluster.local.default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soaZone}},
		{name: "search: kubia + svc.cluster.local", qname: "kubia.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soaZone}},
		{name: "a short name as it is: not ours", qname: "kubia.", qtype: dns.TypeA,
			rcode: dns.RcodeRefused, forward: true},
		{name: "a two-label name as it is: not ours", qname: "kubia.default.", qtype: dns.TypeA,
			rcode: dns.RcodeRefused, forward: true},

		// Outside the cluster
		{name: "outside the cluster domain: REFUSED", qname: "example.com.", qtype: dns.TypeA,
			rcode: dns.RcodeRefused, forward: true},
		{name: "a domain that only ends like the cluster's", qname: "kubia.default.svc.notcluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeRefused, forward: true},
		{name: "a class other than IN", qname: "kubia.default.svc.cluster.local.", qtype: dns.TypeTXT, qclass: dns.ClassCHAOS,
			rcode: dns.RcodeRefused},
	}
	idx := NewIndex(cluster(), "cluster.local", 7)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			class := tt.qclass
			if class == 0 {
				class = dns.ClassINET
			}
			r := idx.Answer(dns.Question{Name: tt.qname, Qtype: tt.qtype, Qclass: class})
			if r.Rcode != tt.rcode {
				t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
			}
			for _, section := range []struct {
				name      string
				got, want []string
			}{{"answer", rrs(r.Answer), tt.answer}, {"authority", rrs(r.Ns), tt.ns}, {"additional", rrs(r.Extra), tt.extra}} {
				want := slices.Sorted(slices.Values(section.want))
				if !slices.Equal(section.got, want) {
					t.Errorf("%s section:\n  got  %q\n  want %q", section.name, section.got, want)
				}
			}
			if r.Forward != tt.forward {
				t.Errorf("Forward %v, want %v", r.Forward, tt.forward)
			}
		})
	}
}

// The cluster domain is a setting: a cluster under another domain
// answers there, and not under cluster.local.
func TestAnswerOtherDomain(t *testing.T) {
	idx := NewIndex(cluster(), "Lab.Example.", 1)
	tests := []struct {
		name  string
		qname string
		rcode int
	}{
		{name: "its own domain", qname: "kubia.default.svc.lab.example.", rcode: dns.RcodeSuccess},
		{name: "cluster.local is outside", qname: "kubia.default.svc.cluster.local.", rcode: dns.RcodeRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := idx.Answer(dns.Question{Name: tt.qname, Qtype: dns.TypeA, Qclass: dns.ClassINET}); r.Rcode != tt.rcode {
				t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
			}
		})
	}
}
