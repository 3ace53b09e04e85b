package nodecheck

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Judging who can use kubelab's programs over the network. A program
// bound to loopback is reachable from this machine only; bound to any
// other address, from the network, and then what matters is whether it
// asks who is calling. The apiserver and the kubelet do (issue 11): the
// apiserver answers 401 to a request without a client certificate or a
// token, the kubelet 401 or 403 to one without a certificate of
// system:masters. The proxy's, controller's and scheduler's ports serve
// /metrics to anyone. So a listener is judged by its address and by
// what an anonymous request for something that needs credentials got
// (its Probe), the question one asks of a Kubernetes kubelet by hand:
// does `curl -k https://<node>:10250/pods` answer 401?
//
// The probe is the caller's to send (this package touches no network),
// and only through loopback: a socket on 0.0.0.0 answers there as it
// answers the network, one bound to a specific address is not asked, and
// its Access stays AccessUnknown.
//
// A listener is named by its port, the defaults of KubelabPorts, not by
// the process that holds it: /proc/net/tcp is readable without root,
// where finding a socket's process (/proc/PID/fd → socket inode) needs
// root to read other processes' descriptors. The cost is twofold: a
// program moved to another port (a simulated kubelet's --port 10251) is
// not seen, and a stranger on one of these ports is named as kubelab's.

// KubelabPort is a TCP port a kubelab program listens on by default.
type KubelabPort struct {
	Port    uint16
	Program string // as the report names it
	Flag    string // what binds it elsewhere, with the program's name
	Exposes string // what anyone who reaches it can do without credentials
	Lab     bool   // the other machines of a lab of VMs must reach it
	Auth    string // the credentials it asks for, "" when it asks for none
	Probe   Probe
}

// Probe is how to ask a port, anonymously, for something only a caller
// with credentials may have. The zero Probe asks nothing.
type Probe struct {
	Schemes []string // "https", "http": tried in order until one gets an HTTP answer
	Path    string   // what a GET asks for
}

// Access is what a Probe's anonymous request got.
type Access int

// The outcomes of a Probe.
const (
	AccessUnknown       Access = iota // not probed, no HTTP answer, or one that tells neither
	AccessOpen                        // 2xx: it serves anyone
	AccessAuthenticated               // 401 or 403: it wants to know who asks
)

func (a Access) String() string {
	return [...]string{"unknown", "open", "authenticated"}[a]
}

// AccessOf judges the status code of a Probe's answer, 0 when none came.
// A redirect, a 404 or a 400 (HTTP spoken to a TLS port) tells neither.
func AccessOf(status int) Access {
	switch {
	case status >= 200 && status < 300:
		return AccessOpen
	case status == 401 || status == 403:
		return AccessAuthenticated
	}
	return AccessUnknown
}

// KubelabPorts are the ports of kubelab's programs, Kubernetes' own
// numbers, as the flags of cmd/*/main.go set them.
var KubelabPorts = []KubelabPort{
	{Port: 6443, Program: "apiserver", Flag: "apiserver --listen", Lab: true,
		Exposes: "anyone on the network can use the cluster",
		Auth:    "TLS with client certificates or tokens",
		Probe:   Probe{Schemes: []string{"https"}, Path: "/api/v1/namespaces"}},
	{Port: 10250, Program: "kubelet", Flag: "kubelet --address", Lab: true,
		Exposes: "anyone on the network can read this node's pod logs and run commands as root in its containers",
		Auth:    "TLS with client certificates of system:masters; without --tls-cert-file it serves pods' logs and exec to no one",
		// A kubelet without a serving certificate speaks plain HTTP.
		Probe: Probe{Schemes: []string{"https", "http"}, Path: "/pods/kube-system/doctor-probe/log"}},
	{Port: 10256, Program: "proxy", Flag: "proxy --listen",
		Exposes: "anyone on the network can read its /metrics",
		Probe:   Probe{Schemes: []string{"http"}, Path: "/metrics"}},
	{Port: 10257, Program: "controller", Flag: "controller --listen",
		Exposes: "anyone on the network can read its /metrics",
		Probe:   Probe{Schemes: []string{"http"}, Path: "/metrics"}},
	{Port: 10259, Program: "scheduler", Flag: "scheduler --listen",
		Exposes: "anyone on the network can read its /metrics",
		Probe:   Probe{Schemes: []string{"http"}, Path: "/metrics"}},
	// Only an external etcd listens (the embedded one has none), and it
	// speaks gRPC: doctor does not probe it.
	{Port: 2379, Program: "etcd", Flag: "etcd --listen-client-urls",
		Exposes: "anyone on the network can read every Secret and write objects past the apiserver's validation"},
}

// ListenerFinding is a Finding about one listening socket, with what to
// do about it ("" when nothing).
type ListenerFinding struct {
	Finding
	Fix string
}

// Listeners judges the TCP sockets in LISTEN state of a node's network
// namespace, on KubelabPorts, with what each one's Probe got (missing
// from access: AccessUnknown). Bound to loopback, or asking for
// credentials, a socket is OK; answering anyone, or not known to ask, a
// Warning. Other ports are not judged. It is pure.
func Listeners(sockets []netip.AddrPort, access map[netip.AddrPort]Access) []ListenerFinding {
	sockets = slices.Clone(sockets)
	slices.SortFunc(sockets, func(a, b netip.AddrPort) int {
		if a.Port() != b.Port() {
			return int(a.Port()) - int(b.Port())
		}
		return a.Addr().Compare(b.Addr())
	})
	var out []ListenerFinding
	for _, s := range slices.Compact(sockets) {
		p, ok := kubelabPort(s.Port())
		if !ok {
			continue
		}
		out = append(out, judgeListener(p, s, access[s]))
	}
	if len(out) == 0 {
		ports := make([]string, len(KubelabPorts))
		for i, p := range KubelabPorts {
			ports[i] = strconv.Itoa(int(p.Port))
		}
		out = append(out, ListenerFinding{Finding: Finding{OK, "no kubelab program listens in this network namespace (ports " +
			strings.Join(ports, ", ") + ")"}})
	}
	return out
}

func judgeListener(p KubelabPort, s netip.AddrPort, a Access) ListenerFinding {
	ip := s.Addr().Unmap()
	where := netip.AddrPortFrom(ip, s.Port()).String()
	if ip.IsLoopback() {
		return ListenerFinding{Finding: Finding{OK, fmt.Sprintf("%s listens on %s, loopback only", p.Program, where)}}
	}
	if ip.IsUnspecified() {
		where += " (every address of this machine)"
	}
	fix := fmt.Sprintf("bind it to 127.0.0.1 or a private address (%s)", p.Flag)
	switch a {
	case AccessAuthenticated:
		msg := fmt.Sprintf("%s listens on %s and requires authentication", p.Program, where)
		if p.Auth != "" {
			msg += " (" + p.Auth + ")"
		}
		if p.Lab {
			msg += "; on a lab VM, whose other machines must reach it, this is how it should be"
		}
		return ListenerFinding{Finding: Finding{OK, msg}}
	case AccessOpen:
		msg := fmt.Sprintf("%s listens on %s and answers without authentication: %s", p.Program, where, p.Exposes)
		if p.Lab {
			msg += "; a lab VM's other machines must reach it, but kubelab's " + p.Program +
				" asks for credentials: is this an older build, or another program on its port?"
		}
		return ListenerFinding{Finding{Warning, msg}, fix}
	}
	msg := fmt.Sprintf("%s listens on %s, and whether it requires authentication was not checked (%s); if it does not, %s",
		p.Program, where, uncheckedBecause(p, ip), p.Exposes)
	return ListenerFinding{Finding{Warning, msg}, fix}
}

// uncheckedBecause says why a listener's Access is unknown.
func uncheckedBecause(p KubelabPort, ip netip.Addr) string {
	switch {
	case len(p.Probe.Schemes) == 0:
		return "doctor has no probe for it"
	case !ip.IsUnspecified():
		return "doctor asks only through loopback, and this address may be a real network's"
	}
	return "no answer through loopback told"
}

func kubelabPort(port uint16) (KubelabPort, bool) {
	for _, p := range KubelabPorts {
		if p.Port == port {
			return p, true
		}
	}
	return KubelabPort{}, false
}
