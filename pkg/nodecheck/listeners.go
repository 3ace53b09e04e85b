package nodecheck

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Judging who can reach kubelab's programs over the network. Until issue
// 11's TLS and authentication land, every kubelab port answers anyone
// who reaches it: the apiserver's whole API, the kubelet's exec. A
// program bound to loopback is reachable from this machine only; bound to
// any other address, from the network. So a listener is judged by its
// address alone.
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
	Exposes string // what anyone who reaches it can do
	Lab     bool   // the other machines of a lab of VMs must reach it
}

// KubelabPorts are the ports of kubelab's programs, Kubernetes' own
// numbers, as the flags of cmd/*/main.go set them.
var KubelabPorts = []KubelabPort{
	{6443, "apiserver", "apiserver --listen", "anyone on the network can use the cluster", true},
	{6444, "apiserver's read-only view", "apiserver --listen (it shares its host) or --read-only-port 0",
		"anyone on the network can read every object but Secrets", true},
	{10250, "kubelet", "kubelet --address",
		"anyone on the network can read this node's pod logs and run commands as root in its containers", true},
	{10256, "proxy", "proxy --listen", "anyone on the network can read its /metrics", false},
	{10257, "controller", "controller --listen", "anyone on the network can read its /metrics", false},
	{10259, "scheduler", "scheduler --listen", "anyone on the network can read its /metrics", false},
	{2379, "etcd", "etcd --listen-client-urls",
		"anyone on the network can read every Secret and write objects past the apiserver's validation", false},
}

// ListenerFinding is a Finding about one listening socket, with what to
// do about it ("" when nothing).
type ListenerFinding struct {
	Finding
	Fix string
}

// Listeners judges the TCP sockets in LISTEN state of a node's network
// namespace: those on KubelabPorts bound to loopback are OK, those bound
// to any other address a Warning. Other ports are not judged. It is pure.
func Listeners(sockets []netip.AddrPort) []ListenerFinding {
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
		out = append(out, judgeListener(p, s))
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

func judgeListener(p KubelabPort, s netip.AddrPort) ListenerFinding {
	ip := s.Addr().Unmap()
	where := netip.AddrPortFrom(ip, s.Port()).String()
	if ip.IsLoopback() {
		return ListenerFinding{Finding: Finding{OK, fmt.Sprintf("%s listens on %s, loopback only", p.Program, where)}}
	}
	if ip.IsUnspecified() {
		where += " (every address of this machine)"
	}
	msg := fmt.Sprintf("%s listens on %s without authentication: %s "+
		"(TLS and authentication come with issue 11's next steps)", p.Program, where, p.Exposes)
	if p.Lab {
		msg += "; on a lab VM, whose other machines must reach it, this is expected until then"
	}
	return ListenerFinding{
		Finding: Finding{Warning, msg},
		Fix:     fmt.Sprintf("bind it to 127.0.0.1 or a private address (%s)", p.Flag),
	}
}

func kubelabPort(port uint16) (KubelabPort, bool) {
	for _, p := range KubelabPorts {
		if p.Port == port {
			return p, true
		}
	}
	return KubelabPort{}, false
}
