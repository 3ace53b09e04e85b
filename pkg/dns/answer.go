package dns

import "github.com/miekg/dns"

// This file answers one question from an Index: the heart of the cluster
// DNS, a pure function with no network in sight. server.go puts the
// Reply into a message and sends it.

// Reply is the answer to one question.
type Reply struct {
	Rcode  int      // dns.RcodeSuccess, dns.RcodeNameError (NXDOMAIN) or dns.RcodeRefused
	Answer []dns.RR // the records asked for
	Ns     []dns.RR // with no answer, the zone's SOA: its last field tells resolvers how long to remember that
	Extra  []dns.RR // the addresses of SRV targets, which saves the client a second query

	// Forward says an upstream resolver may know better: the name is
	// outside the cluster domain, or it is an address the cluster has no
	// PTR record for. A server with an upstream forwards such a question;
	// one without sends this Reply (REFUSED, or NXDOMAIN).
	Forward bool
}

// Answer answers q. Names are compared without regard to case; the
// records carry the name as it was asked, because some resolvers
// randomize its case to foil spoofing and check that it comes back.
func (x *Index) Answer(q dns.Question) Reply {
	name := dns.CanonicalName(q.Name)
	zone := x.zoneOf(name)
	switch {
	case zone == "":
		// Not ours. Refusing, rather than asking the host's resolver, is
		// what keeps pods from reaching anything outside the cluster by
		// name unless the lab asks for it (DESIGN.md §10).
		return Reply{Rcode: dns.RcodeRefused, Forward: true}
	case q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY:
		return Reply{Rcode: dns.RcodeRefused}
	}
	n, ok := x.names[name]
	if !ok {
		return Reply{Rcode: dns.RcodeNameError, Ns: []dns.RR{x.soa(zone)}, Forward: zone != x.zone}
	}
	answer, extra := x.records(dns.Fqdn(q.Name), n, q.Qtype, name == zone)
	if len(answer) == 0 {
		// NODATA: the name exists, not with this type. Resolvers such as
		// musl's ask for A and AAAA at once and fail the lookup if either
		// answer is an error, so this must be NOERROR.
		return Reply{Rcode: dns.RcodeSuccess, Ns: []dns.RR{x.soa(zone)}}
	}
	return Reply{Rcode: dns.RcodeSuccess, Answer: answer, Extra: extra}
}

// records are n's records of type qtype (all of them for ANY), owned by
// owner, and the addresses of the SRV targets among them.
func (x *Index) records(owner string, n *node, qtype uint16, apex bool) (answer, extra []dns.RR) {
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: owner, Rrtype: t, Class: dns.ClassINET, Ttl: TTL}
	}
	if n.cname != "" {
		// A CNAME stands for every type: the client asks again for the
		// target. The cluster DNS does not chase it (CoreDNS does, when
		// it can resolve the target).
		return []dns.RR{&dns.CNAME{Hdr: hdr(dns.TypeCNAME), Target: n.cname}}, nil
	}
	want := func(t uint16) bool { return qtype == t || qtype == dns.TypeANY }
	if want(dns.TypeA) || want(dns.TypeAAAA) {
		answer = append(answer, addressRecords(owner, n, qtype)...)
	}
	if want(dns.TypeSRV) {
		// Equal weights: every endpoint as likely as the next (RFC 2782
		// picks among records of one priority in proportion to weight).
		weight := uint16(max(1, 100/max(1, len(n.srvs))))
		for _, s := range n.srvs {
			answer = append(answer, &dns.SRV{Hdr: hdr(dns.TypeSRV), Weight: weight, Port: s.port, Target: s.target})
			if t := x.names[s.target]; t != nil {
				extra = append(extra, addressRecords(s.target, t, dns.TypeANY)...)
			}
		}
	}
	if want(dns.TypePTR) {
		for _, p := range n.ptrs {
			answer = append(answer, &dns.PTR{Hdr: hdr(dns.TypePTR), Ptr: p})
		}
	}
	if apex && want(dns.TypeSOA) {
		answer = append(answer, x.soa(owner))
	}
	return answer, extra
}

// addressRecords are n's A records (qtype A), AAAA records (AAAA), or
// both (ANY), owned by owner.
func addressRecords(owner string, n *node, qtype uint16) []dns.RR {
	var rrs []dns.RR
	for _, a := range n.addrs {
		switch {
		case a.Is4() && (qtype == dns.TypeA || qtype == dns.TypeANY):
			rrs = append(rrs, &dns.A{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: TTL}, A: a.AsSlice()})
		case a.Is6() && (qtype == dns.TypeAAAA || qtype == dns.TypeANY):
			rrs = append(rrs, &dns.AAAA{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeAAAA, Class: dns.ClassINET, Ttl: TTL}, AAAA: a.AsSlice()})
		}
	}
	return rrs
}

// soa is the start of authority of a zone the cluster DNS owns. Nobody
// transfers these zones, so refresh, retry and expire matter little; the
// last field, the negative TTL, tells resolvers how long an NXDOMAIN or a
// NODATA holds: as short as the records themselves.
func (x *Index) soa(owner string) dns.RR {
	return &dns.SOA{
		Hdr:     dns.RR_Header{Name: owner, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: TTL},
		Ns:      "ns.dns." + x.zone,
		Mbox:    "hostmaster." + x.zone,
		Serial:  x.serial,
		Refresh: 7200,
		Retry:   1800,
		Expire:  86400,
		Minttl:  TTL,
	}
}
