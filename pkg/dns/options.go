package dns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"kubelab/pkg/client"
)

// Options are the DNS server's command-line settings.
type Options struct {
	Kubeconfig    string // a kubeconfig; "" in a pod: the ServiceAccount's token (client.InCluster)
	Server        string // apiserver URL, overriding the kubeconfig's or the pod's
	Listen        string // DNS over UDP and TCP, ":53"
	HealthListen  string // /healthz, /readyz and /metrics, ":8080"
	ClusterDomain string // "cluster.local"
	Upstream      string // "IP:port" for names outside the cluster; "" refuses them
	LogLevel      string
}

// validate says which flag is wrong and why.
func (o Options) validate() error {
	if u, err := url.Parse(o.Server); o.Server != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		return fmt.Errorf("--server %q: want the apiserver's URL, such as https://10.96.0.1:443", o.Server)
	}
	dnsPort, err := checkListen("--listen", o.Listen)
	if err != nil {
		return err
	}
	healthPort, err := checkListen("--health-listen", o.HealthListen)
	if err != nil {
		return err
	}
	if dnsPort == healthPort && dnsPort != 0 {
		return fmt.Errorf("--health-listen %q: port %d is the DNS port of --listen, which listens on TCP too", o.HealthListen, dnsPort)
	}
	if err := checkDomain(o.ClusterDomain); err != nil {
		return fmt.Errorf("--cluster-domain %q: %w", o.ClusterDomain, err)
	}
	if o.Upstream != "" {
		// An IP, not a name: finding the resolver must not need a resolver.
		if ap, err := netip.ParseAddrPort(o.Upstream); err != nil || ap.Port() == 0 {
			return fmt.Errorf("--upstream %q: want an IP address and port, such as 192.168.56.1:53", o.Upstream)
		}
	}
	return nil
}

// checkListen checks a listen address, [IP]:port, and returns its port.
func checkListen(flag, addr string) (uint64, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, fmt.Errorf("%s %q: want [IP]:port, such as :53", flag, addr)
	}
	if _, err := netip.ParseAddr(host); host != "" && err != nil {
		return 0, fmt.Errorf("%s %q: %q is not an IP address", flag, addr, host)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("%s %q: the port must be a number from 0 to 65535", flag, addr)
	}
	return n, nil
}

// checkDomain checks a cluster domain: labels of letters, digits and
// hyphens, and not a reverse zone, which the server owns already.
func checkDomain(domain string) error {
	d := strings.ToLower(strings.TrimSuffix(domain, "."))
	switch {
	case d == "":
		return errors.New("must not be empty")
	case len(d) > 253:
		return errors.New("longer than 253 characters")
	case d == "arpa" || strings.HasSuffix(d, ".arpa"):
		return errors.New("the reverse zones under arpa are not a cluster domain")
	}
	for _, label := range strings.Split(d, ".") {
		if err := checkLabel(label); err != nil {
			return fmt.Errorf("label %q: %w", label, err)
		}
	}
	return nil
}

func checkLabel(l string) error {
	switch {
	case l == "":
		return errors.New("empty (two dots in a row?)")
	case len(l) > 63:
		return errors.New("longer than 63 characters")
	case l[0] == '-' || l[len(l)-1] == '-':
		return errors.New("must not start or end with '-'")
	}
	for _, c := range l {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("character %q: only letters, digits and '-' are allowed", c)
		}
	}
	return nil
}

// clientConfig is how the DNS reaches the apiserver: with --kubeconfig,
// else, in a pod, as its ServiceAccount (client.InCluster); --server
// overrides the address.
func (o Options) clientConfig() (client.Config, error) {
	if o.Kubeconfig != "" {
		return client.Load(o.Kubeconfig, o.Server)
	}
	cc, err := client.InCluster()
	if err != nil {
		if o.Server == "" {
			return cc, fmt.Errorf("%w; outside a pod, give --kubeconfig", err)
		}
		return client.Config{Server: o.Server}, nil
	}
	if o.Server != "" {
		cc.Server = o.Server
	}
	return cc, nil
}
