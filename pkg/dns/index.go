package dns

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

// This file turns a Snapshot into an Index: every name the cluster DNS
// knows, with its records. Building it walks every object once; a query
// is then one map lookup, however big the cluster. doc.go lists the names.

// TTL is the time to live of every record, in seconds: CoreDNS's default
// for the kubernetes plugin. Short, because a pod that fails its
// readiness probe must leave the answers of its service within seconds.
const TTL = 5

// Reverse zones: the cluster DNS owns the PTR names of every address.
const (
	reverseV4 = "in-addr.arpa."
	reverseV6 = "ip6.arpa."
)

// Index holds the records of one snapshot. It is never changed after
// NewIndex returns, so any number of queries may read it at once.
type Index struct {
	zone   string           // the cluster domain as a lowercase FQDN: "cluster.local."
	serial uint32           // the SOA serial
	names  map[string]*node // lowercase FQDN → records
}

// node is one name. A node with no records is an empty non-terminal,
// such as "svc.cluster.local.": it exists because names below it do, so
// asking for it is NODATA rather than NXDOMAIN (RFC 8020: NXDOMAIN means
// nothing below the name exists either).
type node struct {
	addrs []netip.Addr // A and AAAA
	cname string       // an ExternalName service's target, as an FQDN
	srvs  []srvRecord
	ptrs  []string // FQDNs
}

type srvRecord struct {
	target string // an FQDN that has addresses in the index
	port   uint16
}

// NewIndex builds the index of snap for the cluster domain ("cluster.local"),
// with the given SOA serial. It is a pure function of its arguments.
func NewIndex(snap Snapshot, domain string, serial uint32) *Index {
	x := &Index{zone: dns.CanonicalName(domain), serial: serial, names: map[string]*node{}}
	for _, apex := range []string{x.zone, reverseV4, reverseV6} {
		x.names[apex] = &node{}
	}
	headless := map[string]*api.Service{} // "ns/name" → service
	for _, svc := range snap.Services {
		if isHeadless(svc) {
			headless[svc.Namespace+"/"+svc.Name] = svc
		}
		x.addService(svc)
	}
	for _, ep := range snap.Endpoints {
		// A ClusterIP service answers with its cluster IP, never with its
		// pods: the proxy picks the pod. Only headless services expose them.
		if svc := headless[ep.Namespace+"/"+ep.Name]; svc != nil {
			x.addEndpoints(svc, ep)
		}
	}
	for _, pod := range snap.Pods {
		x.addPod(pod, headless)
	}
	return x
}

func isHeadless(svc *api.Service) bool {
	return svc.Spec.ClusterIP == api.ClusterIPNone && svc.Spec.Type != api.ServiceTypeExternalName
}

// serviceName is <svc>.<ns>.svc.<domain>.
func (x *Index) serviceName(namespace, name string) string {
	return strings.ToLower(name + "." + namespace + ".svc." + x.zone)
}

// srvName is _<port>._<proto>.<service name>: RFC 2782's form, which is
// why only named ports have one.
func srvName(port, protocol, service string) string {
	if protocol == "" {
		protocol = "TCP"
	}
	return strings.ToLower("_" + port + "._" + protocol + "." + service)
}

func (x *Index) addService(svc *api.Service) {
	name := x.serviceName(svc.Namespace, svc.Name)
	n := x.node(name)
	if n == nil {
		return
	}
	switch {
	case svc.Spec.Type == api.ServiceTypeExternalName:
		if svc.Spec.ExternalName != "" {
			n.cname = dns.CanonicalName(svc.Spec.ExternalName)
		}
	case isHeadless(svc):
		// The name exists even with no ready pods: NODATA, not NXDOMAIN.
		// Its addresses and SRV records come from the Endpoints.
	default:
		for _, ip := range append([]string{svc.Spec.ClusterIP}, svc.Spec.ClusterIPs...) {
			x.addAddress(name, ip, true)
		}
		if len(n.addrs) == 0 {
			return // no cluster IP allocated yet: nothing to point SRV records at
		}
		for _, p := range svc.Spec.Ports {
			if p.Name != "" {
				x.addSRV(srvName(p.Name, p.Protocol, name), name, p.Port)
			}
		}
	}
}

// addEndpoints gives a headless service its ready pods: their addresses
// under the service's name, a name of their own for each, and an SRV
// record per named port and pod. notReadyAddresses are left out, which
// is how a pod that fails its readiness probe leaves the answers.
func (x *Index) addEndpoints(svc *api.Service, ep *api.Endpoints) {
	service := x.serviceName(svc.Namespace, svc.Name)
	for _, subset := range ep.Subsets {
		for _, a := range subset.Addresses {
			own := endpointLabel(a) + "." + service
			// The address points back at the pod's own name, not at the
			// service's, which many pods share.
			if !x.addAddress(service, a.IP, false) || !x.addAddress(own, a.IP, true) {
				continue
			}
			for _, p := range subset.Ports {
				if p.Name != "" {
					x.addSRV(srvName(p.Name, p.Protocol, service), own, p.Port)
				}
			}
		}
	}
}

// endpointLabel is the first label of an endpoint's own name: the
// hostname the endpoints controller copied from the pod, or else the IP
// with dashes (10-244-1-5), as CoreDNS names them.
func endpointLabel(a api.EndpointAddress) string {
	if a.Hostname != "" {
		return strings.ToLower(a.Hostname)
	}
	return strings.NewReplacer(".", "-", ":", "-").Replace(a.IP)
}

// addPod gives a ready pod with spec.hostname and spec.subdomain the name
// <hostname>.<subdomain>.<ns>.svc.<domain>, when a headless service
// named <subdomain> exists in its namespace (Kubernetes' rule). Ready,
// because CoreDNS serves these names from the Endpoints, which list
// ready pods only. It comes from the pod itself, so it resolves as soon
// as the pod is ready, before the endpoints controller has copied the
// hostname into the Endpoints.
func (x *Index) addPod(pod *api.Pod, headless map[string]*api.Service) {
	s := pod.Spec
	switch {
	case s.Hostname == "" || s.Subdomain == "" || pod.Status.PodIP == "":
		return
	case pod.Status.Phase != api.PodRunning || pod.DeletionTimestamp != nil || !controller.IsPodReady(pod):
		return // not ready, or on its way out: nobody should start talking to it
	case headless[pod.Namespace+"/"+s.Subdomain] == nil:
		return
	}
	x.addAddress(s.Hostname+"."+x.serviceName(pod.Namespace, s.Subdomain), pod.Status.PodIP, true)
}

// addAddress gives name the address ip and, with ptr, ip the PTR record
// back to name. It reports false when ip is not an address.
func (x *Index) addAddress(name, ip string, ptr bool) bool {
	name = strings.ToLower(name)
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	n := x.node(name)
	if n == nil {
		return false
	}
	if !slices.Contains(n.addrs, addr) {
		n.addrs = append(n.addrs, addr)
	}
	if !ptr {
		return true
	}
	reverse, err := dns.ReverseAddr(addr.String())
	if err != nil {
		return true
	}
	if r := x.node(reverse); r != nil && !slices.Contains(r.ptrs, name) {
		r.ptrs = append(r.ptrs, name)
	}
	return true
}

func (x *Index) addSRV(name, target string, port int32) {
	if port <= 0 || port > 65535 {
		return
	}
	rec := srvRecord{target: target, port: uint16(port)}
	if n := x.node(name); n != nil && !slices.Contains(n.srvs, rec) {
		n.srvs = append(n.srvs, rec)
	}
}

// node returns the node of name, creating it and every name between it
// and its zone's apex, which exist from then on as empty non-terminals.
// It returns nil for a name that is not a valid domain name (a label
// longer than 63 characters), so that bad data makes no record rather
// than a reply that cannot be packed.
func (x *Index) node(name string) *node {
	name = strings.ToLower(name)
	if n, ok := x.names[name]; ok {
		return n
	}
	if _, ok := dns.IsDomainName(name); !ok || x.zoneOf(name) == "" {
		return nil
	}
	n := &node{}
	x.names[name] = n
	for parent := name; ; {
		i, end := dns.NextLabel(parent, 0)
		if end {
			break
		}
		parent = parent[i:]
		if _, ok := x.names[parent]; ok {
			break // it and everything above it are there already
		}
		x.names[parent] = &node{}
	}
	return n
}

// zoneOf returns the zone a lowercase FQDN belongs to: the cluster
// domain, one of the reverse zones, or "" for a name the cluster DNS
// does not own.
func (x *Index) zoneOf(name string) string {
	for _, z := range []string{x.zone, reverseV4, reverseV6} {
		if dns.IsSubDomain(z, name) {
			return z
		}
	}
	return ""
}
