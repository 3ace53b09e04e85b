package apiserver

import (
	"fmt"
	"net"
	"strconv"
)

// chooseAdvertiseAddress picks the address pods reach this apiserver at
// (the kubernetes Endpoints, at the port of --listen), and says why, for
// the log:
//
//  1. --advertise-address, as given;
//  2. the host of --listen, when it is one IPv4 address (make up listens
//     on 127.0.0.1:6443, the one-host lab on 198.51.100.1:6443);
//  3. for a wildcard --listen (0.0.0.0, ::, or no host), the first IPv4
//     address of the default route's interface, as kube-apiserver does;
//  4. 127.0.0.1 when there is no default route.
//
// defaultRoute is component.DefaultRouteIPv4; tests pass their own.
func chooseAdvertiseAddress(given, listen string, defaultRoute func() (ip, dev string, err error)) (ip, why string, err error) {
	if given != "" {
		if p := net.ParseIP(given); p == nil || p.To4() == nil || p.IsUnspecified() {
			return "", "", fmt.Errorf("--advertise-address %q: must be one IPv4 address", given)
		}
		return given, "given with --advertise-address", nil
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return "", "", fmt.Errorf("--listen %q: %w", listen, err)
	}
	p := net.ParseIP(host)
	switch {
	case host == "" || p != nil && p.IsUnspecified():
		ip, dev, err := defaultRoute()
		if err != nil {
			return "127.0.0.1", fmt.Sprintf("--listen %s is on every address and %v (--advertise-address chooses another)", listen, err), nil
		}
		return ip, fmt.Sprintf("--listen %s is on every address; the first IPv4 address of %s, the default route's interface (--advertise-address chooses another)", listen, dev), nil
	case p == nil || p.To4() == nil:
		return "", "", fmt.Errorf("--listen %q is not on an IPv4 address: give --advertise-address", listen)
	}
	return host, "the address of --listen", nil
}

// listenPort is the port of an address such as 127.0.0.1:6443.
func listenPort(listen string) (int32, error) {
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		return 0, fmt.Errorf("--listen %q: %w", listen, err)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("--listen %q: the port must be a number from 1 to 65535", listen)
	}
	return int32(n), nil
}
