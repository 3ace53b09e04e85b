package kubelet

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

// A pod's name lookups go where its dnsPolicy says, never by accident to
// the node's resolver: the kubelet writes each pod's /etc/resolv.conf
// itself, and the runtime puts it in every container (runtime.ContainerConfig's
// ResolvConf). ResolvConfFor works the text out, as Kubernetes'
// pkg/kubelet/network/dns does:
//
//	ClusterFirst             nameserver <cluster DNS>
//	                         search <ns>.svc.<domain> svc.<domain> <domain>
//	                         options ndots:5
//	                         (a hostNetwork pod gets Default instead)
//	ClusterFirstWithHostNet  the same, hostNetwork or not
//	Default                  the node's: nameserver, search and options of --resolv-conf
//	None                     nothing but dnsConfig
//
// and spec.dnsConfig is then merged onto any of them. ndots:5 makes a short
// name such as "redis" or "redis.default" go through the search list
// first, so that it finds the Service.
//
// Kubernetes also appends the node's search domains to ClusterFirst's;
// kubelab leaves them out, so nothing of the node's resolver reaches a
// ClusterFirst pod. It also records an event when it cuts a list to its
// limit; kubelab cuts silently (validation already refuses dnsConfigs too
// long on their own).

// DNSSettings are the node's DNS settings, from the kubelet's flags.
type DNSSettings struct {
	ClusterDNS    []string // --cluster-dns: the cluster DNS Service's IP; none: ClusterFirst falls back to Default
	ClusterDomain string   // --cluster-domain, e.g. cluster.local
	ResolvConf    string   // --resolv-conf: the node's resolver configuration; "": none
}

// ResolvConfFor is the text of pod's /etc/resolv.conf on a node with
// settings node, whose --resolv-conf file holds hostResolvConf. It is a
// pure function: the pod workers read the file, runtimes write the text.
func ResolvConfFor(pod *api.Pod, node DNSSettings, hostResolvConf string) string {
	var rc resolverConfig
	switch {
	case pod.Spec.DNSPolicy == api.DNSNone:
	case usesClusterDNS(pod) && len(node.ClusterDNS) > 0:
		rc.nameservers = slices.Clone(node.ClusterDNS)
		if d := node.ClusterDomain; d != "" {
			rc.searches = []string{pod.Namespace + ".svc." + d, "svc." + d, d}
		}
		rc.options = []string{"ndots:5"}
	case node.ResolvConf == "":
		// No resolver configuration on the node: lookups go to the pod's
		// own localhost, that is nowhere, as in Kubernetes.
		rc.nameservers, rc.searches = []string{"127.0.0.1"}, []string{"."}
	default: // Default, and ClusterFirst without a cluster DNS
		rc = parseResolvConf(hostResolvConf)
	}
	if c := pod.Spec.DNSConfig; c != nil {
		rc.nameservers = compact(append(rc.nameservers, c.Nameservers...))
		rc.searches = compact(append(rc.searches, c.Searches...))
		rc.options = mergeOptions(rc.options, c.Options)
	}
	return rc.fitLimits().String()
}

// usesClusterDNS reports whether pod's policy asks for the cluster DNS:
// ClusterFirst for a pod on the pod network, ClusterFirstWithHostNet for
// any pod. An unknown policy (validation refuses them) counts as
// ClusterFirst, as in Kubernetes.
func usesClusterDNS(pod *api.Pod) bool {
	switch pod.Spec.DNSPolicy {
	case api.DNSNone, api.DNSDefault:
		return false
	case api.DNSClusterFirstWithHostNet:
		return true
	}
	return !pod.Spec.HostNetwork
}

// resolverConfig is what a resolv.conf says.
type resolverConfig struct {
	nameservers []string
	searches    []string
	options     []string // "ndots:5", "edns0"
}

// parseResolvConf reads the nameserver, search and options lines of a
// resolv.conf. As resolv.conf(5) says, the last search line counts, and a
// later option overrides an earlier one of the same name.
func parseResolvConf(text string) resolverConfig {
	var rc resolverConfig
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) > 1 {
				rc.nameservers = append(rc.nameservers, f[1])
			}
		case "search":
			rc.searches = nil
			for _, s := range f[1:] {
				if s = strings.TrimSuffix(s, "."); s != "" {
					rc.searches = append(rc.searches, s)
				}
			}
		case "options":
			var opts []api.PodDNSConfigOption
			for _, o := range f[1:] {
				name, value, ok := strings.Cut(o, ":")
				opt := api.PodDNSConfigOption{Name: name}
				if ok {
					opt.Value = &value
				}
				opts = append(opts, opt)
			}
			rc.options = mergeOptions(rc.options, opts)
		}
	}
	return rc
}

// mergeOptions overrides options by name, keeping their order, and adds
// new ones at the end.
func mergeOptions(options []string, with []api.PodDNSConfigOption) []string {
	out := slices.Clone(options)
	for _, o := range with {
		opt := o.Name
		if o.Value != nil && *o.Value != "" {
			opt += ":" + *o.Value
		}
		i := slices.IndexFunc(out, func(s string) bool { name, _, _ := strings.Cut(s, ":"); return name == o.Name })
		if i >= 0 {
			out[i] = opt
		} else {
			out = append(out, opt)
		}
	}
	return out
}

// compact drops the repeats of a list, keeping the first of each.
func compact(list []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Limits of a resolv.conf, as Kubernetes applies them: glibc reads three
// nameservers; the search list is bounded in entries and characters.
const (
	maxDNSNameservers     = 3
	maxDNSSearches        = 32
	maxDNSSearchListChars = 2048
)

// fitLimits cuts the lists to what a resolver reads.
func (rc resolverConfig) fitLimits() resolverConfig {
	if len(rc.nameservers) > maxDNSNameservers {
		rc.nameservers = rc.nameservers[:maxDNSNameservers]
	}
	if len(rc.searches) > maxDNSSearches {
		rc.searches = rc.searches[:maxDNSSearches]
	}
	for len(strings.Join(rc.searches, " ")) > maxDNSSearchListChars {
		rc.searches = rc.searches[:len(rc.searches)-1]
	}
	return rc
}

// String is the resolv.conf text: one line per nameserver, then the search
// list and the options on a line each.
func (rc resolverConfig) String() string {
	var b strings.Builder
	for _, ns := range rc.nameservers {
		b.WriteString("nameserver " + ns + "\n")
	}
	if len(rc.searches) > 0 {
		b.WriteString("search " + strings.Join(rc.searches, " ") + "\n")
	}
	if len(rc.options) > 0 {
		b.WriteString("options " + strings.Join(rc.options, " ") + "\n")
	}
	return b.String()
}

// podDNS gives the pod workers each pod's resolv.conf: ResolvConfFor over
// the node's settings and the current text of --resolv-conf, read at every
// container start so that a change on the node reaches new containers.
type podDNS struct {
	node     DNSSettings
	readFile func(string) ([]byte, error) // os.ReadFile
	log      *zap.Logger
	warned   sync.Once
}

// resolvConf is the text of pod's resolv.conf. It fails only when
// --resolv-conf cannot be read, as in Kubernetes: the container then waits
// with a config error rather than start with a resolver it was not meant
// to have.
func (d *podDNS) resolvConf(pod *api.Pod) (string, error) {
	if usesClusterDNS(pod) && len(d.node.ClusterDNS) == 0 {
		d.warned.Do(func() {
			d.log.Warn("no --cluster-dns: pods with dnsPolicy ClusterFirst get the node's resolver configuration (dnsPolicy Default) instead")
		})
	}
	var host []byte
	if d.node.ResolvConf != "" {
		var err error
		if host, err = d.readFile(d.node.ResolvConf); err != nil {
			return "", fmt.Errorf("the node's resolver configuration (--resolv-conf): %w", err)
		}
	}
	return ResolvConfFor(pod, d.node, string(host)), nil
}
