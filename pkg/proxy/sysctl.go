package proxy

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.uber.org/zap"
)

// The kernel settings the proxy's rules depend on. Both are per network
// namespace, so a simulated node needs them inside its own.
const (
	sysctlIPForward      = "net/ipv4/ip_forward"
	sysctlBridgeNFCallIP = "net/bridge/bridge-nf-call-iptables" // exists once br_netfilter is loaded
	sysctlRouteLocalnet  = "net/ipv4/conf/all/route_localnet"
)

// ensureKernelSettings turns on what the rules need and says, in the log,
// what it could not turn on and what breaks without it. It never fails:
// a proxy with a missing setting still serves most traffic.
//
//   - ip_forward: a packet the node rewrote to a pod on another node must
//     be forwarded; without it only endpoints on this node work.
//   - bridge-nf-call-iptables: a pod's packet to a service whose endpoint
//     sits on the same bridge is rewritten on the way in, but the answer
//     is bridged straight back, past iptables, unless this is 1; conntrack
//     then never undoes the rewrite and the client drops the answer.
//   - route_localnet: the kernel routes packets from or to 127.0.0.0/8
//     off the loopback device only with this on. A node port reached at
//     127.0.0.1 is rewritten to a pod (and masqueraded on the way out),
//     and a pod reaching the apiserver's service on a one-machine cluster
//     is rewritten to 127.0.0.1:6443; both need it. KLAB-FIREWALL drops
//     what else it would let in (rules.go).
//
// route_localnet is left to ensureRouteLocalnet: it must wait for the
// firewall.
func ensureKernelSettings(ns *NetNS, log *zap.Logger) {
	if err := ensureSysctl(ns, sysctlIPForward, "1", log); err != nil {
		log.Warn("cannot turn on IP forwarding: services whose endpoints are on other nodes will not answer",
			zap.String("sysctl", sysctlIPForward), zap.Error(err))
	}
	err := ensureSysctl(ns, sysctlBridgeNFCallIP, "1", log)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		log.Warn("the br_netfilter kernel module is not loaded: a pod reaching a service whose endpoint is on "+
			"the same node gets no answer; load it with `modprobe br_netfilter`, then restart the proxy",
			zap.String("sysctl", sysctlBridgeNFCallIP))
	case err != nil:
		log.Warn("cannot turn on bridge-nf-call-iptables: a pod reaching a service whose endpoint is on "+
			"the same node gets no answer", zap.String("sysctl", sysctlBridgeNFCallIP), zap.Error(err))
	}
}

// ensureRouteLocalnet turns route_localnet on. Call it only once
// KLAB-FIREWALL is in place (after the first sync): with the setting on
// and no firewall, other machines could reach the node's loopback-only
// services.
func ensureRouteLocalnet(ns *NetNS, log *zap.Logger) {
	if err := ensureSysctl(ns, sysctlRouteLocalnet, "1", log); err != nil {
		log.Warn("cannot turn on route_localnet: node ports do not answer on 127.0.0.1",
			zap.String("sysctl", sysctlRouteLocalnet), zap.Error(err))
	}
}

// resetRouteLocalnet turns route_localnet off, for cleanup: without
// KLAB-FIREWALL, the setting would let other machines reach the node's
// loopback-only services.
func resetRouteLocalnet(ns *NetNS, log *zap.Logger) error {
	return ensureSysctl(ns, sysctlRouteLocalnet, "0", log)
}

// ensureSysctl sets name to value unless it is already, and logs a change.
func ensureSysctl(ns *NetNS, name, value string, log *zap.Logger) error {
	path := filepath.Join("/proc/sys", name)
	var have string
	err := ns.Do(func() error {
		// /proc/sys/net shows the namespace of the thread that opens the
		// file, which Do put inside the node's.
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if have = strings.TrimSpace(string(b)); have == value {
			return nil
		}
		return os.WriteFile(path, []byte(value), 0o644)
	})
	if err == nil && have != value {
		log.Info("changed a kernel setting", zap.String("sysctl", name), zap.String("from", have), zap.String("to", value))
	}
	return err
}
