package component

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// A program that must tell others where it is reached (the kubelet its
// node's InternalIP, the apiserver its advertise address) and was not told
// guesses the way Kubernetes does: the address of the interface that holds
// the default route. One copy of that guess, here, so they guess alike.

// DefaultRouteIPv4 returns the first IPv4 address of the interface of the
// IPv4 default route, and that interface's name.
func DefaultRouteIPv4() (ip, dev string, err error) {
	b, err := os.ReadFile("/proc/net/route")
	if err != nil {
		return "", "", fmt.Errorf("find the default route: %w", err)
	}
	dev, ok := ParseDefaultRoute(string(b))
	if !ok {
		return "", "", fmt.Errorf("no default route")
	}
	if ip, err = InterfaceIPv4(dev); err != nil {
		return "", dev, fmt.Errorf("the default route's interface: %w", err)
	}
	return ip, dev, nil
}

// ParseDefaultRoute returns the interface of the IPv4 default route in
// /proc/net/route: the line whose destination and mask are both 0, with
// the lowest metric.
func ParseDefaultRoute(table string) (string, bool) {
	best, bestMetric := "", -1
	for i, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		// Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
		if i == 0 || len(f) < 8 || f[1] != "00000000" || f[7] != "00000000" {
			continue
		}
		metric, err := strconv.Atoi(f[6])
		if err != nil {
			continue
		}
		if bestMetric < 0 || metric < bestMetric {
			best, bestMetric = f[0], metric
		}
	}
	return best, best != ""
}

// InterfaceIPv4 is the first IPv4 address of interface name that is not a
// loopback address, or its first loopback address when it has only those
// (interface lo).
func InterfaceIPv4(name string) (string, error) {
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return "", err
	}
	addrs, err := ifc.Addrs()
	if err != nil {
		return "", fmt.Errorf("addresses of %s: %w", name, err)
	}
	loopback := ""
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		switch {
		case !ok || n.IP.To4() == nil:
		case !n.IP.IsLoopback():
			return n.IP.String(), nil
		case loopback == "":
			loopback = n.IP.String()
		}
	}
	if loopback != "" {
		return loopback, nil
	}
	return "", fmt.Errorf("interface %s has no IPv4 address", name)
}
