// Command proxybench measures the proxy's rule programming against real
// iptables and nftables, inside throwaway network namespaces (nothing
// touches the host's tables), in one run:
//
//   - program: N services × E endpoints written into an empty namespace by
//     the proxy's first sync (one iptables-restore), goal ≤ 2 s;
//   - one service changed while N exist: an endpoint added to one service
//     and reported to the Proxier's handler, as an informer does, applied
//     by Run's partial sync, which writes only the changed chains, goal
//     ≤ 100 ms; the same change by a full sync (every chain rewritten), for
//     the ratio; and a service added, which also rewrites KLAB-SERVICES;
//   - the baseline: the same rules written one iptables command per chain
//     and per rule (go-iptables NewChain and Append), for a sample of
//     services, scaled up linearly to N. That underestimates it: each
//     command reads and writes the whole table, so it slows as the table
//     grows. Goal: the single restore ≥ 50× faster;
//   - the nftables mode (proxy --mode=nftables), the same cluster and the
//     same changes through a Proxier in that mode, each written as one nft
//     transaction: program all, goal ≤ 2 s; one endpoint changed while N
//     services exist, goal ≤ 50 ms (Run knows which service changed, so
//     the sync makes only its part of the table again); each printed
//     beside the iptables figure as a ratio.
//
// Every address the bench uses (cluster IPs in 10.96.0.0/12, endpoints in
// the pod network 10.128.0.0/9, the node address 192.168.56.11) appears
// only in rules inside the bench's own network namespaces: no interface
// holds it, no packet is sent, and the host's tables are never written.
//
// Run it with hack/bench/proxy.sh (root). -iptables iptables-legacy or
// iptables-nft picks a backend; the default is the host's `iptables`.
// -mode iptables or nftables measures one mode only.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	goipt "github.com/coreos/go-iptables/iptables"
	"github.com/vishvananda/netns"
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/proxy"
)

type options struct {
	services, endpoints, sample, repeat int
	iptables, mode                      string
}

func main() {
	var o options
	flag.IntVar(&o.services, "services", 10000, "services (one TCP port each)")
	flag.IntVar(&o.endpoints, "endpoints", 2, "endpoints per service")
	flag.IntVar(&o.sample, "sample", 100, "services written rule by rule for the baseline")
	flag.IntVar(&o.repeat, "repeat", 5, "one-service changes measured (the median is shown)")
	flag.StringVar(&o.iptables, "iptables", "iptables", "iptables command: iptables (the host's default backend), iptables-legacy or iptables-nft")
	flag.StringVar(&o.mode, "mode", "both", "modes to measure: both, iptables or nftables")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "proxybench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if os.Geteuid() != 0 {
		return errors.New("needs root: it creates network namespaces and writes iptables rules and nftables tables inside them")
	}
	// The pod network holds every endpoint (endpointsOf): with pod egress
	// denied, an endpoint outside it would get no rules at all.
	node := proxy.NodeInfo{Name: "node1", IPs: []string{"192.168.56.11"}, ClusterCIDR: "10.128.0.0/9", MasqueradeBit: 14}
	var ipt, nft *figures
	var err error
	if o.mode != "nftables" {
		if ipt, err = runIPTables(o, node); err != nil {
			return err
		}
	}
	if o.mode != "iptables" {
		if nft, err = runNFTables(o, node); err != nil {
			return err
		}
	}
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	if ipt != nil {
		fmt.Printf("iptables: program %d services, one iptables-restore: %.2f s (goal ≤ 2 s: %s)\n",
			o.services, ipt.program.Seconds(), verdict(ipt.program <= 2*time.Second))
		fmt.Printf("iptables: one service changed, partial sync (median of %d): %.1f ms (goal ≤ 100 ms: %s); full sync / partial sync = %.1f×; "+
			"from the change to the rules written %.1f ms\n",
			o.repeat, ms(ipt.partial), verdict(ipt.partial <= 100*time.Millisecond), float64(ipt.full)/float64(ipt.partial), ms(ipt.wait))
		fmt.Printf("iptables: per-rule commands / one iptables-restore = %.0f× (goal ≥ 50×: %s)\n", ipt.perRule, verdict(ipt.perRule >= 50))
	}
	if nft != nil {
		fmt.Printf("nftables: program %d services, first sync: %.2f s (one nft transaction %.2f s; goal ≤ 2 s: %s)\n",
			o.services, nft.first.Seconds(), nft.program.Seconds(), verdict(nft.first <= 2*time.Second))
		fmt.Printf("nftables: one service changed, partial sync (median of %d): %.1f ms (goal ≤ 50 ms: %s); full sync / partial sync = %.1f×; "+
			"from the change to the rules written %.1f ms\n",
			o.repeat, ms(nft.partial), verdict(nft.partial <= 50*time.Millisecond), float64(nft.full)/float64(nft.partial), ms(nft.wait))
	}
	if ipt != nil && nft != nil {
		fmt.Printf("nftables / iptables, same run, whole syncs: first %.3f×, one service changed %.2f×, full %.3f×\n",
			float64(nft.first)/float64(ipt.first), float64(nft.partial)/float64(ipt.partial), float64(nft.full)/float64(ipt.full))
	}
	return nil
}

// figures are one mode's results.
type figures struct {
	first   time.Duration // the first sync, whole
	program time.Duration // its write into the kernel: the iptables-restore, or the nft transaction
	partial time.Duration // a sync after one endpoint came, the median
	wait    time.Duration // from that change's handler call to the rules written, the median
	full    time.Duration // a full sync after one endpoint came
	perRule float64       // iptables: per-rule commands ÷ one restore
}

// runIPTables measures the iptables mode through a Proxier.
func runIPTables(o options, node proxy.NodeInfo) (*figures, error) {
	services, endpoints := cluster(o.services, o.endpoints)
	rs := proxy.Generate(services, endpoints, node)
	fmt.Printf("proxybench: %d services × %d endpoints: %d nat rules, %d chains, %.1f MB of iptables-restore input\n",
		o.services, o.endpoints, rs.RuleCount("nat"), strings.Count(rs.Text(), "\n:"), float64(len(rs.Text()))/1e6)

	ns, err := newNamespace("klabbench")
	if err != nil {
		return nil, err
	}
	defer ns.close()
	ipt, err := proxy.NewIPTables(o.iptables, ns.NetNS)
	if err != nil {
		return nil, err
	}
	fmt.Printf("iptables: %s, in network namespace %s\n\n", ipt.Version(), ns.name)
	applier := &timedApplier{RuleApplier: ipt}

	start := time.Now()
	for range 3 {
		proxy.Generate(services, endpoints, node)
	}
	fmt.Printf("%-38s %9.1f ms\n", "generate all rules (pure)", ms(time.Since(start)/3))

	b, err := newProxier(proxy.Config{Node: node, Applier: applier, Log: zap.NewNop()}, services, endpoints,
		func() time.Time { return applier.last })
	if err != nil {
		return nil, err
	}
	show := func(what string, took time.Duration) {
		fmt.Printf("%-38s %9.1f ms  (iptables-restore %.1f, jumps %.1f, reading chains %.1f, the rest %.1f)\n",
			what, ms(took), ms(applier.restore), ms(applier.jumps), ms(applier.chains),
			ms(took-applier.restore-applier.jumps-applier.chains))
	}
	f, err := measure(o, b, services, endpoints, applier.reset, show, func() time.Duration { return applier.restore })
	if err != nil {
		return nil, err
	}

	perRule, calls, err := baseline(o, node)
	if err != nil {
		return nil, err
	}
	scaled := time.Duration(float64(perRule) * float64(o.services) / float64(o.sample))
	fmt.Printf("%-38s %9.1f ms  (%d services, %d commands, %.2f ms each)\n",
		"baseline: one iptables command a rule", ms(perRule), o.sample, calls, ms(perRule)/float64(calls))
	fmt.Printf("%-38s %9.1f s   (linear: an underestimate)\n\n", fmt.Sprintf("  scaled to %d services", o.services), scaled.Seconds())
	f.perRule = float64(scaled) / float64(f.program)
	return f, nil
}

// timedApplier adds up the time spent in each kind of applier call, and
// notes when the last restore ended. The bench reads the figures once
// the Proxier's metrics show the sync done, which orders the reads after
// the writes.
type timedApplier struct {
	proxy.RuleApplier
	restore, jumps, chains time.Duration
	last                   time.Time
}

func (a *timedApplier) reset() { a.restore, a.jumps, a.chains = 0, 0, 0 }

func (a *timedApplier) Restore(text string) error {
	d, err := timed(func() error { return a.RuleApplier.Restore(text) })
	a.restore += d
	a.last = time.Now()
	return err
}

func (a *timedApplier) EnsureJumps(j []proxy.Jump) error {
	d, err := timed(func() error { return a.RuleApplier.EnsureJumps(j) })
	a.jumps += d
	return err
}

func (a *timedApplier) Chains(table string) (chains []string, err error) {
	d, err := timed(func() (err error) { chains, err = a.RuleApplier.Chains(table); return err })
	a.chains += d
	return chains, err
}

// cluster makes n services, each with one port and e endpoints.
func cluster(n, e int) ([]*api.Service, []*api.Endpoints) {
	var services []*api.Service
	var endpoints []*api.Endpoints
	for i := range n {
		services = append(services, serviceOf(i))
		endpoints = append(endpoints, endpointsOf(i, e))
	}
	return services, endpoints
}

func serviceOf(i int) *api.Service {
	return &api.Service{
		ObjectMeta: api.ObjectMeta{Namespace: "bench", Name: fmt.Sprintf("svc-%05d", i)},
		Spec: api.ServiceSpec{Type: api.ServiceTypeClusterIP, ClusterIP: ip(96, i),
			Ports: []api.ServicePort{{Name: "http", Protocol: "TCP", Port: 80}}},
	}
}

// endpointsOf gives service i e endpoints; endpoint j of service i has an
// address of its own for any i and j < 4.
func endpointsOf(i, e int) *api.Endpoints {
	sub := api.EndpointSubset{Ports: []api.EndpointPort{{Name: "http", Port: 8080, Protocol: "TCP"}}}
	for j := range e {
		sub.Addresses = append(sub.Addresses, api.EndpointAddress{IP: ip(128+j*16, i)})
	}
	return &api.Endpoints{ObjectMeta: api.ObjectMeta{Namespace: "bench", Name: fmt.Sprintf("svc-%05d", i)},
		Subsets: []api.EndpointSubset{sub}}
}

// ip is the i-th address of 10.<second>.0.0/12.
func ip(second, i int) string {
	i++ // skip .0.0
	return fmt.Sprintf("10.%d.%d.%d", second+i>>16, i>>8&0xff, i&0xff)
}

// baseline writes the rules of o.sample services one command at a time,
// into a namespace of its own, and returns the time and the number of
// commands.
func baseline(o options, node proxy.NodeInfo) (time.Duration, int, error) {
	ns, err := newNamespace("klabbase")
	if err != nil {
		return 0, 0, err
	}
	defer ns.close()
	ipt, err := goipt.New(goipt.Path(o.iptables), goipt.Timeout(5))
	if err != nil {
		return 0, 0, err
	}
	services, endpoints := cluster(o.sample, o.endpoints)
	rs := proxy.Generate(services, endpoints, node)
	calls := 0
	d, err := timed(func() error {
		return ns.Do(func() error {
			for _, t := range rs.Tables {
				for _, c := range t.Chains {
					if err := ipt.NewChain(t.Name, c.Name); err != nil {
						return err
					}
					calls++
				}
				for _, c := range t.Chains {
					for _, r := range c.Rules {
						if err := ipt.Append(t.Name, c.Name, splitRule(r)...); err != nil {
							return fmt.Errorf("append to %s: %w", c.Name, err)
						}
						calls++
					}
				}
			}
			return nil
		})
	})
	return d, calls, err
}

// splitRule splits a rule into arguments, keeping "quoted comments" whole.
func splitRule(r string) []string {
	var out []string
	var cur strings.Builder
	quoted, inArg := false, false
	for _, ch := range r {
		switch {
		case ch == '"':
			quoted, inArg = !quoted, true
		case ch == ' ' && !quoted:
			if inArg {
				out = append(out, cur.String())
				cur.Reset()
			}
			inArg = false
		default:
			cur.WriteRune(ch)
			inArg = true
		}
	}
	if inArg {
		out = append(out, cur.String())
	}
	return out
}

// namespace is a throwaway network namespace.
type namespace struct {
	name string
	*proxy.NetNS
}

func newNamespace(role string) (*namespace, error) {
	name := fmt.Sprintf("%s-%d", role, os.Getpid())
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // NewNamed moves this thread into the namespace: it is never unlocked, so it ends here
		h, err := netns.NewNamed(name)
		if err == nil {
			h.Close()
		}
		errc <- err
	}()
	if err := <-errc; err != nil {
		return nil, fmt.Errorf("create network namespace %s: %w", name, err)
	}
	ns, err := proxy.OpenNetNS("/run/netns/" + name)
	if err != nil {
		netns.DeleteNamed(name)
		return nil, err
	}
	return &namespace{name: name, NetNS: ns}, nil
}

func (n *namespace) close() {
	n.NetNS.Close()
	if err := netns.DeleteNamed(n.name); err != nil {
		fmt.Fprintln(os.Stderr, "proxybench: delete network namespace:", err)
	}
}

// list is an in-memory client.Lister which, like client.Informer, also
// finds an object by its key: the Proxier reads the objects of the
// services that changed that way, not by listing 10,000 of them.
type list struct {
	items []api.Object
	byKey map[string]api.Object
}

func (l *list) List() []api.Object { return l.items }

func (l *list) Get(key string) (api.Object, bool) {
	obj, ok := l.byKey[key]
	return obj, ok
}

func (l *list) set(items any) {
	l.items = nil
	switch v := items.(type) {
	case []*api.Service:
		for _, o := range v {
			l.items = append(l.items, o)
		}
	case []*api.Endpoints:
		for _, o := range v {
			l.items = append(l.items, o)
		}
	}
	l.byKey = make(map[string]api.Object, len(l.items))
	for _, o := range l.items {
		l.byKey[client.KeyOf(o)] = o
	}
}

func timed(fn func() error) (time.Duration, error) {
	start := time.Now()
	err := fn()
	return time.Since(start), err
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
