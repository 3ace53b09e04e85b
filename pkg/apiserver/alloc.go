package apiserver

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// Allocation, the way this apiserver does it: every address an object holds
// (a ClusterIP, a NodePort, a node's pod CIDR) is a key of its own in etcd,
// a "claim", written in the same transaction as the object and only if the
// key does not exist yet. Two apiservers racing for one address cannot
// both win, an address is never held by an object that was not written,
// and a restart loses nothing: the claims are in etcd.

const (
	claimServiceIP = "ranges/serviceips/"
	claimNodePort  = "ranges/nodeports/"
	claimPodCIDR   = "ranges/podcidrs/"
	// A terminating namespace holds this mark; creates in it check its absence.
	markTerminating = "ranges/terminating/"
)

// claimsOf lists the claim keys an object holds; nil for a nil object.
func claimsOf(obj api.Object) []string {
	var out []string
	switch o := obj.(type) {
	case *api.Service:
		if ip := o.Spec.ClusterIP; ip != "" && ip != api.ClusterIPNone {
			out = append(out, claimServiceIP+ip)
		}
		for _, p := range o.Spec.Ports {
			if p.NodePort != 0 {
				out = append(out, claimNodePort+strconv.Itoa(int(p.NodePort)))
			}
		}
	case *api.Namespace:
		if o.DeletionTimestamp != nil {
			out = append(out, markTerminating+o.Name)
		}
	case *api.Node:
		if o.Spec.PodCIDR != "" {
			out = append(out, claimPodCIDR+strings.ReplaceAll(o.Spec.PodCIDR, "/", "-"))
		}
	}
	sort.Strings(out)
	return compactStrings(out)
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// claimDiff returns the claims to take (in next, not in prev) and to
// release (in prev, not in next).
func claimDiff(prev, next []string) (claim, release []string) {
	in := func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	for _, c := range next {
		if !in(prev, c) {
			claim = append(claim, c)
		}
	}
	for _, c := range prev {
		if !in(next, c) {
			release = append(release, c)
		}
	}
	return claim, release
}

// claimTaken is the 422 for an address another object already holds; obj
// is the object that asked for it, to name the field that holds it.
func claimTaken(r api.Resource, obj api.Object, name, key string) *api.Status {
	switch {
	case strings.HasPrefix(key, claimServiceIP):
		return fieldInvalid(r, name, "spec.clusterIP", strings.TrimPrefix(key, claimServiceIP), "provided IP is already allocated")
	case strings.HasPrefix(key, claimNodePort):
		port, _ := strconv.Atoi(strings.TrimPrefix(key, claimNodePort))
		return fieldInvalid(r, name, nodePortField(obj, int32(port)), port, "provided port is already allocated")
	case strings.HasPrefix(key, claimPodCIDR):
		return fieldInvalid(r, name, "spec.podCIDR", strings.ReplaceAll(strings.TrimPrefix(key, claimPodCIDR), "-", "/"), "provided CIDR is already allocated")
	}
	return conflict(r, name, "claim "+key+" is taken")
}

// nodePortField is the path of the field of svc that holds a node port:
// spec.ports[1].nodePort.
func nodePortField(svc api.Object, port int32) string {
	if svc, ok := svc.(*api.Service); ok {
		for i, p := range svc.Spec.Ports {
			if p.NodePort == port {
				return fmt.Sprintf("spec.ports[%d].nodePort", i)
			}
		}
	}
	return "spec.ports[].nodePort"
}

// allocator picks free addresses. It only chooses; the claim in the
// commit transaction is what makes the choice stick.
type allocator struct {
	store         *store.Store
	serviceCIDR   netip.Prefix
	clusterCIDR   netip.Prefix
	nodeCIDRSize  int
	portLo, portH int
}

func newAllocator(st *store.Store, serviceCIDR, clusterCIDR string, nodeSize int, portRange string) (*allocator, error) {
	svc, err := netip.ParsePrefix(serviceCIDR)
	if err != nil || !svc.Addr().Is4() {
		return nil, fmt.Errorf("service CIDR %q: must be an IPv4 CIDR such as 10.96.0.0/12", serviceCIDR)
	}
	cl, err := netip.ParsePrefix(clusterCIDR)
	if err != nil || !cl.Addr().Is4() {
		return nil, fmt.Errorf("cluster CIDR %q: must be an IPv4 CIDR such as 10.244.0.0/16", clusterCIDR)
	}
	if nodeSize < cl.Bits() || nodeSize > 30 {
		return nil, fmt.Errorf("node CIDR size /%d must be between /%d and /30", nodeSize, cl.Bits())
	}
	var lo, hi int
	if _, err := fmt.Sscanf(portRange, "%d-%d", &lo, &hi); err != nil || lo < 1 || hi > 65535 || lo > hi {
		return nil, fmt.Errorf("node port range %q: must be LOW-HIGH within 1-65535", portRange)
	}
	return &allocator{store: st, serviceCIDR: svc.Masked(), clusterCIDR: cl.Masked(), nodeCIDRSize: nodeSize, portLo: lo, portH: hi}, nil
}

// taken returns the set of claimed values under a claim prefix.
func (a *allocator) taken(ctx context.Context, prefix string) (map[string]bool, error) {
	kvs, _, err := a.store.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(kvs))
	for _, kv := range kvs {
		set[kv.Key[strings.LastIndex(kv.Key, "/")+1:]] = true
	}
	return set, nil
}

// addrAt returns the i-th address of p.
func addrAt(p netip.Prefix, i uint64) netip.Addr {
	b := p.Addr().As4()
	n := new(big.Int).SetBytes(b[:])
	n.Add(n, new(big.Int).SetUint64(i))
	var out [4]byte
	n.FillBytes(out[:])
	return netip.AddrFrom4(out)
}

// ServiceIP picks a free ClusterIP. Like Kubernetes it never hands out the
// network address or the first address (kept for the API's own Service);
// it starts at a random offset so concurrent apiservers rarely collide.
func (a *allocator) ServiceIP(ctx context.Context) (string, error) {
	taken, err := a.taken(ctx, claimServiceIP)
	if err != nil {
		return "", err
	}
	size := uint64(1) << (32 - a.serviceCIDR.Bits())
	if size < 4 {
		return "", fmt.Errorf("service CIDR %s is too small", a.serviceCIDR)
	}
	usable := size - 3 // not the network, not .1, not broadcast
	start := rand.Uint64N(usable)
	for i := uint64(0); i < usable; i++ {
		ip := addrAt(a.serviceCIDR, 2+(start+i)%usable).String()
		if !taken[ip] {
			return ip, nil
		}
	}
	return "", fmt.Errorf("no ClusterIP left in %s", a.serviceCIDR)
}

// FirstServiceIP is the first address of the service CIDR (10.96.0.1 in
// 10.96.0.0/12): the ClusterIP of the kubernetes Service, which ServiceIP
// never hands out, so no Service created earlier can take it.
func (a *allocator) FirstServiceIP() string { return addrAt(a.serviceCIDR, 1).String() }

// InServiceRange reports whether ip may be requested as a ClusterIP.
func (a *allocator) InServiceRange(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	return err == nil && a.serviceCIDR.Contains(addr) && addr != a.serviceCIDR.Addr()
}

// NodePort picks a free node port, skipping those in avoid (ports the same
// request is about to claim).
func (a *allocator) NodePort(ctx context.Context, avoid map[int32]bool) (int32, error) {
	taken, err := a.taken(ctx, claimNodePort)
	if err != nil {
		return 0, err
	}
	n := a.portH - a.portLo + 1
	start := rand.IntN(n)
	for i := 0; i < n; i++ {
		p := a.portLo + (start+i)%n
		if !taken[strconv.Itoa(p)] && !avoid[int32(p)] {
			return int32(p), nil
		}
	}
	return 0, fmt.Errorf("no node port left in %d-%d", a.portLo, a.portH)
}

// InPortRange reports whether p is a node port this server hands out.
func (a *allocator) InPortRange(p int32) bool { return int(p) >= a.portLo && int(p) <= a.portH }

// PortRange is the range as Kubernetes prints it.
func (a *allocator) PortRange() string { return fmt.Sprintf("%d-%d", a.portLo, a.portH) }

// PodCIDR picks the lowest free node CIDR in the cluster CIDR.
func (a *allocator) PodCIDR(ctx context.Context) (string, error) {
	taken, err := a.taken(ctx, claimPodCIDR)
	if err != nil {
		return "", err
	}
	count := uint64(1) << (a.nodeCIDRSize - a.clusterCIDR.Bits())
	step := uint64(1) << (32 - a.nodeCIDRSize)
	for i := uint64(0); i < count; i++ {
		p := netip.PrefixFrom(addrAt(a.clusterCIDR, i*step), a.nodeCIDRSize).String()
		if !taken[strings.ReplaceAll(p, "/", "-")] {
			return p, nil
		}
	}
	return "", fmt.Errorf("no pod CIDR left in %s", a.clusterCIDR)
}
