package kubelet

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// IPAM hands out pod IPs from the node's pod CIDR, the way CNI's host-local
// plugin does:
//
//   - the first host address is the gateway (the node's bridge), never a pod's;
//   - pods get the addresses after it, each allocation continuing after the
//     last one handed out and wrapping around, so an address just released
//     is the last to be reused (a Service endpoint or a conntrack entry may
//     still point at it for a moment);
//   - every allocation is a file in a directory, named by the address and
//     holding the pod's UID, so a restarted kubelet knows which addresses
//     are live and never hands one out twice.
//
// It is safe for concurrent use.
type IPAM struct {
	dir     string
	prefix  netip.Prefix
	gateway netip.Addr
	first   netip.Addr // the first address a pod may get
	last    netip.Addr // the last one (the broadcast address is left out)

	mu    sync.Mutex
	byUID map[string]netip.Addr
	byIP  map[netip.Addr]string
	prev  netip.Addr // the address handed out last
}

// lastReservedFile remembers where the next allocation starts, as
// host-local's last_reserved_ip.0 does.
const lastReservedFile = "last_reserved_ip"

// NewIPAM returns an allocator over cidr (an IPv4 prefix of /30 or larger)
// that keeps its state in dir, creating dir if needed and reading back
// what an earlier run allocated.
func NewIPAM(dir, cidr string) (*IPAM, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("pod CIDR %q: %w", cidr, err)
	}
	p = p.Masked()
	if !p.Addr().Is4() || p.Bits() > 30 {
		return nil, fmt.Errorf("pod CIDR %s: need an IPv4 range of /30 or larger", p)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	a := &IPAM{
		dir:     dir,
		prefix:  p,
		gateway: p.Addr().Next(),
		last:    broadcast(p).Prev(),
		byUID:   map[string]netip.Addr{},
		byIP:    map[netip.Addr]string{},
	}
	a.first = a.gateway.Next()
	if err := a.load(); err != nil {
		return nil, err
	}
	return a, nil
}

// broadcast is the highest address of p.
func broadcast(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// load reads the allocations an earlier run left in dir.
func (a *IPAM) load() error {
	entries, err := os.ReadDir(a.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		ip, err := netip.ParseAddr(e.Name())
		if err != nil || e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(a.dir, e.Name()))
		if err != nil {
			return err
		}
		uid := strings.TrimSpace(string(b))
		a.byUID[uid], a.byIP[ip] = ip, uid
	}
	if b, err := os.ReadFile(filepath.Join(a.dir, lastReservedFile)); err == nil {
		a.prev, _ = netip.ParseAddr(strings.TrimSpace(string(b)))
	}
	return nil
}

// Gateway is the first host address of the range: the node's bridge.
func (a *IPAM) Gateway() string { return a.gateway.String() }

// CIDR is the range addresses come from.
func (a *IPAM) CIDR() string { return a.prefix.String() }

// Allocate returns the address of the pod with uid, allocating one if it
// has none yet: asking again is safe and answers the same address.
func (a *IPAM) Allocate(uid string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ip, ok := a.byUID[uid]; ok {
		if a.prefix.Contains(ip) {
			return ip.String(), nil
		}
		// Left from a pod CIDR this node no longer has.
		if err := a.release(uid); err != nil {
			return "", err
		}
	}
	ip := a.prev
	for range 1 << (32 - a.prefix.Bits()) {
		ip = ip.Next()
		if !a.prefix.Contains(ip) || ip.Less(a.first) || a.last.Less(ip) {
			ip = a.first
		}
		if _, taken := a.byIP[ip]; taken {
			continue
		}
		err := a.reserve(ip, uid)
		if errors.Is(err, fs.ErrExist) {
			continue // another process took it: not ours to give
		}
		if err != nil {
			return "", err
		}
		return ip.String(), nil
	}
	return "", fmt.Errorf("no free pod IP in %s: all %d addresses are in use", a.prefix, len(a.byIP))
}

// reserve writes ip's file and records it. The file is created
// exclusively: if another process took the address meanwhile (two kubelets
// given one --root-dir), this one does not take it too.
func (a *IPAM) reserve(ip netip.Addr, uid string) error {
	f, err := os.OpenFile(filepath.Join(a.dir, ip.String()), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("reserve %s: %w", ip, err)
	}
	_, err = f.WriteString(uid + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("reserve %s: %w", ip, err)
	}
	a.byUID[uid], a.byIP[ip], a.prev = ip, uid, ip
	// Only a hint for where to continue: losing it costs nothing but order.
	os.WriteFile(filepath.Join(a.dir, lastReservedFile), []byte(ip.String()+"\n"), 0o644)
	return nil
}

// Release frees the address of the pod with uid. Releasing a pod that has
// none is not an error.
func (a *IPAM) Release(uid string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.release(uid)
}

func (a *IPAM) release(uid string) error {
	ip, ok := a.byUID[uid]
	if !ok {
		return nil
	}
	if err := os.Remove(filepath.Join(a.dir, ip.String())); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("release %s: %w", ip, err)
	}
	delete(a.byUID, uid)
	delete(a.byIP, ip)
	return nil
}

// Lookup returns the address of the pod with uid, if it has one.
func (a *IPAM) Lookup(uid string) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ip, ok := a.byUID[uid]
	if !ok {
		return "", false
	}
	return ip.String(), true
}

// Allocated returns every allocation, pod UID → address.
func (a *IPAM) Allocated() map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]string, len(a.byUID))
	for uid, ip := range a.byUID {
		out[uid] = ip.String()
	}
	return out
}
