package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/nftables"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// What the benchmark watches: the Endpoints of its Service and its pods,
// through the API (each change timed as its watch event arrives), the
// DNAT rules in the kernel (polled), and the proxy's log (its restores).

// endpointsTracker follows the Service's Endpoints: which addresses are
// ready, and since when.
type endpointsTracker struct {
	mu      sync.Mutex
	ready   map[string]time.Time // address → when the Endpoints first showed it ready, this time
	gone    map[string]time.Time // address → when the Endpoints stopped showing it ready
	changes int                  // watch events that changed the ready set or the not-ready one
	last    string               // the last event's addresses, to count changes
	wake    chan struct{}        // closed at each event
}

func newEndpointsTracker() *endpointsTracker {
	return &endpointsTracker{ready: map[string]time.Time{}, gone: map[string]time.Time{}, wake: make(chan struct{})}
}

// handler is the informer handler that keeps the tracker up to date. An
// informer, not a bare watch: the apiserver ends a watch now and then,
// and the informer watches again.
func (e *endpointsTracker) handler() client.Handler {
	return client.Handler{
		OnAdd:    func(o api.Object) { e.update(o.(*api.Endpoints), false) },
		OnUpdate: func(_, o api.Object) { e.update(o.(*api.Endpoints), false) },
		OnDelete: func(o api.Object) { e.update(o.(*api.Endpoints), true) },
	}
}

func (e *endpointsTracker) update(ep *api.Endpoints, deleted bool) {
	now := time.Now()
	ready, notReady := map[string]bool{}, []string{}
	if !deleted {
		for _, s := range ep.Subsets {
			for _, a := range s.Addresses {
				ready[a.IP] = true
			}
			for _, a := range s.NotReadyAddresses {
				notReady = append(notReady, a.IP)
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for ip := range e.ready {
		if !ready[ip] {
			delete(e.ready, ip)
			e.gone[ip] = now
		}
	}
	for ip := range ready {
		if _, ok := e.ready[ip]; !ok {
			e.ready[ip] = now
			delete(e.gone, ip)
		}
	}
	slices.Sort(notReady)
	state := fmt.Sprint(slices.Sorted(mapsKeys(ready)), notReady)
	if state != e.last {
		e.changes++
		e.last = state
	}
	close(e.wake)
	e.wake = make(chan struct{})
}

// wait waits until ip is ready (or not), and returns when the Endpoints
// said so: the time of the event that made it ready, or that took it
// out of the ready addresses.
func (e *endpointsTracker) wait(ctx context.Context, ip string, ready bool, within time.Duration) (time.Time, error) {
	deadline := time.After(within)
	for {
		e.mu.Lock()
		since, isReady := e.ready[ip]
		if !ready {
			since = e.gone[ip]
		}
		wake := e.wake
		e.mu.Unlock()
		if isReady == ready {
			if since.IsZero() { // never seen ready
				since = time.Now()
			}
			return since, nil
		}
		select {
		case <-wake:
		case <-deadline:
			return time.Time{}, fmt.Errorf("%s not %s in the Endpoints after %s", ip, map[bool]string{true: "ready", false: "gone"}[ready], within)
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
}

// count is how many times the Endpoints changed so far.
func (e *endpointsTracker) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.changes
}

func mapsKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// podTracker follows the benchmark's pods: when each was first seen
// Ready, and its IP.
type podTracker struct {
	mu    sync.Mutex
	ready map[string]time.Time // pod name → when the watch first showed it Ready
	ip    map[string]string
	wake  chan struct{}
}

func newPodTracker() *podTracker {
	return &podTracker{ready: map[string]time.Time{}, ip: map[string]string{}, wake: make(chan struct{})}
}

// handler is the informer handler that keeps the tracker up to date.
func (p *podTracker) handler() client.Handler {
	return client.Handler{
		OnAdd:    func(o api.Object) { p.update(o.(*api.Pod)) },
		OnUpdate: func(_, o api.Object) { p.update(o.(*api.Pod)) },
	}
}

func (p *podTracker) update(pod *api.Pod) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if pod.Status.PodIP != "" {
		p.ip[pod.Name] = pod.Status.PodIP
	}
	if _, seen := p.ready[pod.Name]; !seen && isReady(pod) {
		p.ready[pod.Name] = now
	}
	close(p.wake)
	p.wake = make(chan struct{})
}

// waitReady waits until the pod has been seen Ready, and returns when,
// with its IP.
func (p *podTracker) waitReady(ctx context.Context, name string, within time.Duration) (time.Time, string, error) {
	deadline := time.After(within)
	for {
		p.mu.Lock()
		at, ok := p.ready[name]
		ip, wake := p.ip[name], p.wake
		p.mu.Unlock()
		if ok && ip != "" {
			return at, ip, nil
		}
		select {
		case <-wake:
		case <-deadline:
			return time.Time{}, "", fmt.Errorf("pod %s not ready after %s", name, within)
		case <-ctx.Done():
			return time.Time{}, "", ctx.Err()
		}
	}
}

func isReady(p *api.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}

// ruleWatcher tells when the DNAT rule to an endpoint appeared in the
// kernel, or went.
type ruleWatcher interface {
	// wait waits until a DNAT rule to addr is there (or, with present
	// false, none is), and returns when that came to be.
	wait(ctx context.Context, addr string, present bool, within time.Duration) (time.Time, error)
	// how says how the times are taken, for the report.
	how() string
}

// newRuleWatcher follows the rules of the proxy's mode. In iptables mode
// on the nf_tables backend it reads `nft monitor` for the DNAT rules:
// each change as the kernel commits it, and no load on the machine
// meanwhile; the monitor stops when ctx ends. On the legacy backend,
// which reports nothing, it polls. In nftables mode it polls the
// endpoints map (mapPoller says why).
func newRuleWatcher(ctx context.Context, mode, iptables string) (ruleWatcher, error) {
	if mode == "nftables" {
		return newMapPoller()
	}
	version, _ := exec.Command(iptables, "--version").Output()
	if _, err := exec.LookPath("nft"); err == nil && strings.Contains(string(version), "nf_tables") {
		return startMonitor(ctx)
	}
	return &rulePoller{iptables: iptables}, nil
}

// ruleMonitor reads `nft -a monitor rules`, and counts, per endpoint,
// the DNAT rules that lead to it.
type ruleMonitor struct {
	mu      sync.Mutex
	handles map[string]string    // "chain handle" → the address its DNAT rule leads to
	count   map[string]int       // address → DNAT rules to it
	since   map[string]time.Time // address → when its count last went from 0 or to 0
	wake    chan struct{}        // closed at each change
	err     error                // why the monitor stopped
}

// The lines for the proxy's DNAT rules are
//
//	add rule ip nat KLAB-SEP-… meta l4proto tcp counter … dnat to 10.244.0.7:8080 # handle 42
//	delete rule ip nat KLAB-SEP-… handle 42
var (
	addRule    = regexp.MustCompile(`^add rule ip nat (\S+) .* dnat to (\S+) # handle (\d+)$`)
	deleteRule = regexp.MustCompile(`^delete rule ip nat (\S+) handle (\d+)$`)
)

func startMonitor(ctx context.Context) (*ruleMonitor, error) {
	cmd := exec.CommandContext(ctx, "nft", "-a", "monitor", "rules")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("nft monitor: %w", err)
	}
	m := &ruleMonitor{handles: map[string]string{}, count: map[string]int{}, since: map[string]time.Time{}, wake: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			m.mu.Lock()
			if m.line(sc.Text()) {
				close(m.wake)
				m.wake = make(chan struct{})
			}
			m.mu.Unlock()
		}
		m.mu.Lock()
		m.err = errors.Join(errors.New("nft monitor stopped"), sc.Err(), cmd.Wait())
		close(m.wake)
		m.wake = make(chan struct{})
		m.mu.Unlock()
	}()
	return m, nil
}

// add counts one more (delta 1) or one fewer (-1) rule leading to addr, noting when the count leaves or reaches 0. m.mu is held.
func (m *ruleMonitor) add(addr string, delta int) {
	before := m.count[addr]
	m.count[addr] += delta
	if (before == 0) != (m.count[addr] == 0) {
		m.since[addr] = time.Now()
	}
}

// line reads a line of `nft monitor rules`; true if it changed a count.
func (m *ruleMonitor) line(l string) bool {
	if a := addRule.FindStringSubmatch(l); a != nil {
		m.handles[a[1]+" "+a[3]] = a[2]
		m.add(a[2], 1)
		return true
	}
	if d := deleteRule.FindStringSubmatch(l); d != nil {
		addr, ok := m.handles[d[1]+" "+d[2]]
		if !ok {
			return false
		}
		delete(m.handles, d[1]+" "+d[2])
		m.add(addr, -1)
		return true
	}
	return false
}

func (m *ruleMonitor) wait(ctx context.Context, addr string, present bool, within time.Duration) (time.Time, error) {
	deadline := time.After(within)
	for {
		m.mu.Lock()
		n, since, wake, err := m.count[addr], m.since[addr], m.wake, m.err
		m.mu.Unlock()
		if (n > 0) == present {
			if since.IsZero() { // never there
				since = time.Now()
			}
			return since, nil
		}
		if err != nil {
			return time.Time{}, err
		}
		select {
		case <-wake:
		case <-deadline:
			return time.Time{}, fmt.Errorf("after %s, the DNAT rule to %s is still %s", within, addr,
				map[bool]string{true: "missing", false: "there"}[present])
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
}

func (m *ruleMonitor) how() string {
	return "rules timed by nft monitor, as the kernel commits them"
}

// rulePoller polls the nat table for the DNAT rule of an endpoint.
type rulePoller struct {
	iptables string
	polls    []time.Duration // how long each poll took: the resolution of the figures
}

// wait returns when the first poll that saw the rule so ended: at most
// one poll late.
func (r *rulePoller) wait(ctx context.Context, addr string, present bool, within time.Duration) (time.Time, error) {
	deadline := time.Now().Add(within)
	for {
		start := time.Now()
		out, err := exec.CommandContext(ctx, r.iptables, "-w", "-t", "nat", "-S").Output()
		end := time.Now()
		if err != nil {
			return time.Time{}, fmt.Errorf("%s -t nat -S: %w", r.iptables, err)
		}
		r.polls = append(r.polls, end.Sub(start))
		if strings.Contains(string(out), "--to-destination "+addr) == present {
			return end, nil
		}
		if end.After(deadline) {
			return time.Time{}, fmt.Errorf("after %s, the DNAT rule to %s is still %s", within, addr,
				map[bool]string{true: "missing", false: "there"}[present])
		}
		time.Sleep(5 * time.Millisecond) // leave the proxy's restore some room
	}
}

func (r *rulePoller) how() string {
	return fmt.Sprintf("rules polled with %s -t nat -S every 5 ms, a poll taking p50 %s: the figures are at most that late",
		r.iptables, ms(percentile(r.polls, 50)+5*time.Millisecond))
}

// mapPoller follows the nftables mode's endpoints: it reads the map
// service-endpoints of table ip kubelab over netlink
// (github.com/google/nftables) every 2 ms, and an endpoint is there when
// an element leads to its address. Why not `nft monitor`: nft 1.0.6
// loses track of the table's sets once a transaction deletes a chain, as
// a partial sync does when a service moves to the shared chain of its
// new endpoint count, and then reports "unknown set" for the elements
// added; and why not `nft list map`: starting nft takes tens of
// milliseconds here, which would be the figures' resolution.
type mapPoller struct {
	conn  *nftables.Conn
	polls []time.Duration
}

func newMapPoller() (*mapPoller, error) {
	c, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("netlink to nftables: %w", err)
	}
	return &mapPoller{conn: c}, nil
}

// has says whether an element of the endpoints map leads to ip.
func (p *mapPoller) has(ip net.IP) (bool, error) {
	set, err := p.conn.GetSetByName(&nftables.Table{Name: "kubelab", Family: nftables.TableFamilyIPv4}, "service-endpoints")
	if err != nil {
		return false, fmt.Errorf("map ip kubelab service-endpoints: %w", err)
	}
	elems, err := p.conn.GetSetElements(set)
	if err != nil {
		return false, fmt.Errorf("elements of ip kubelab service-endpoints: %w", err)
	}
	for _, e := range elems {
		if bytes.Equal(e.Val, ip) {
			return true, nil
		}
	}
	return false, nil
}

// wait returns when the first poll that saw the endpoint so ended: at
// most one poll late. addr is "ip:port"; the map holds the address (the
// port is in another map).
func (p *mapPoller) wait(ctx context.Context, addr string, present bool, within time.Duration) (time.Time, error) {
	host, _, _ := strings.Cut(addr, ":")
	ip := net.ParseIP(host).To4()
	if ip == nil {
		return time.Time{}, fmt.Errorf("%q: not an IPv4 address", addr)
	}
	deadline := time.Now().Add(within)
	for {
		start := time.Now()
		has, err := p.has(ip)
		end := time.Now()
		if err != nil {
			return time.Time{}, err
		}
		p.polls = append(p.polls, end.Sub(start))
		if has == present {
			return end, nil
		}
		if end.After(deadline) {
			return time.Time{}, fmt.Errorf("after %s, the endpoint %s is still %s in the map", within, host,
				map[bool]string{true: "missing", false: "there"}[present])
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

func (p *mapPoller) how() string {
	return fmt.Sprintf("endpoints polled in the map service-endpoints over netlink every 2 ms, a poll taking p50 %s: the figures are at most that late",
		ms(percentile(p.polls, 50)+2*time.Millisecond))
}

// restore is one sync of the proxy that wrote rules, from its log.
type restore struct {
	at            time.Time
	kind          string
	restore, took time.Duration
}

// restoresIn reads the proxy's "rules synced" lines logged between from
// and to. The log is zap's console format: time, level, logger, message,
// then the fields as JSON.
func restoresIn(logFile string, from, to time.Time) ([]restore, error) {
	f, err := os.Open(logFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []restore
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "\trules synced\t") {
			continue
		}
		at, err := time.Parse("2006-01-02T15:04:05.000Z0700", strings.SplitN(line, "\t", 2)[0])
		if err != nil || at.Before(from) || at.After(to) {
			continue
		}
		var fields struct{ Kind, Apply, Restore, Took string } // "restore": the field's name before the nftables mode
		if err := json.Unmarshal([]byte(line[strings.LastIndexByte(line, '\t')+1:]), &fields); err != nil {
			continue
		}
		r := restore{at: at, kind: fields.Kind}
		r.restore, _ = time.ParseDuration(cmp.Or(fields.Apply, fields.Restore))
		r.took, _ = time.ParseDuration(fields.Took)
		if r.restore > 0 {
			out = append(out, r)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no restore in the proxy's log: is bin/proxy older than its restore field?")
	}
	return out, nil
}
