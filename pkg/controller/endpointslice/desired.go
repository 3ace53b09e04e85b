package endpointslice

import (
	"cmp"
	"fmt"
	"net"
	"slices"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

// This file is the pure part of the controller: from a Service and its
// pods to the contents of its slices. Nothing here reads a cache or
// writes to the apiserver.

// maxEndpointsPerSlice is how many endpoints the controller puts in one
// slice: Kubernetes' default (--max-endpoints-per-slice), well under the
// 1000 validation allows.
const maxEndpointsPerSlice = 100

// LabelZone is the node label an endpoint's zone comes from.
const LabelZone = "topology.kubernetes.io/zone"

// group is the endpoints that serve one set of ports over one address
// type: they may share a slice.
type group struct {
	addressType string
	ports       []api.EndpointSlicePort
	endpoints   []api.Endpoint
}

// key tells groups apart, and the stored slices that belong to each.
func (g group) key() string { return groupKey(g.addressType, g.ports) }

func groupKey(addressType string, ports []api.EndpointSlicePort) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = fmt.Sprintf("%s/%s/%d", deref(p.Name), deref(p.Protocol), derefInt(p.Port))
	}
	slices.Sort(parts)
	return addressType + " " + strings.Join(parts, ",")
}

// desiredGroups returns the groups of svc's endpoints, sorted by key, with
// endpoints sorted by address: one canonical form, so that a resync
// compares equal. zoneOf gives a node's zone ("" if unknown).
func desiredGroups(svc *api.Service, pods []*api.Pod, zoneOf func(node string) string) []group {
	byKey := map[string]*group{}
	for _, addressType := range addressTypes(svc) {
		for _, pod := range pods {
			ip := podIP(pod, addressType)
			if ip == "" || pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed {
				continue
			}
			ports, ok := resolvePorts(svc, pod)
			if !ok {
				continue
			}
			g := group{addressType: addressType, ports: ports}
			if byKey[g.key()] == nil {
				byKey[g.key()] = &g
			}
			ep := endpointFor(svc, pod, ip, zoneOf)
			byKey[g.key()].endpoints = append(byKey[g.key()].endpoints, ep)
		}
	}
	var out []group
	for _, g := range byKey {
		slices.SortFunc(g.endpoints, func(a, b api.Endpoint) int {
			return cmp.Or(cmp.Compare(a.Addresses[0], b.Addresses[0]), cmp.Compare(a.TargetRef.Name, b.TargetRef.Name))
		})
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b group) int { return cmp.Compare(a.key(), b.key()) })
	return out
}

// addressTypes are the Service's IP families as address types: IPv4
// unless spec.ipFamilies says otherwise.
func addressTypes(svc *api.Service) []string {
	if len(svc.Spec.IPFamilies) == 0 {
		return []string{api.AddressTypeIPv4}
	}
	return svc.Spec.IPFamilies // IPv4 and IPv6 are both family and address type names
}

// podIP is the pod's address of the given type, or "".
func podIP(pod *api.Pod, addressType string) string {
	ips := []string{pod.Status.PodIP}
	for _, ip := range pod.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	for _, ip := range ips {
		parsed := net.ParseIP(ip)
		if parsed == nil {
			continue
		}
		if isV4 := parsed.To4() != nil; isV4 == (addressType == api.AddressTypeIPv4) {
			return ip
		}
	}
	return ""
}

// resolvePorts resolves every service port in pod. A pod that resolves
// none of them is left out (ok false), unless the Service has no ports.
func resolvePorts(svc *api.Service, pod *api.Pod) (ports []api.EndpointSlicePort, ok bool) {
	if len(svc.Spec.Ports) == 0 {
		return nil, true
	}
	for _, sp := range svc.Spec.Ports {
		n, found := controller.ResolveTargetPort(sp, pod)
		if !found {
			continue // this pod does not serve this port
		}
		ports = append(ports, api.EndpointSlicePort{
			Name: api.String(sp.Name), Protocol: api.String(controller.ProtocolOf(sp.Protocol)), Port: api.Int32(n)})
	}
	slices.SortFunc(ports, func(a, b api.EndpointSlicePort) int { return cmp.Compare(*a.Name, *b.Name) })
	return ports, len(ports) > 0
}

// endpointFor is the pod's endpoint, with the conditions a proxy reads.
func endpointFor(svc *api.Service, pod *api.Pod, ip string, zoneOf func(string) string) api.Endpoint {
	serving := controller.IsPodReady(pod)
	terminating := pod.DeletionTimestamp != nil
	ready := svc.Spec.PublishNotReadyAddresses || (serving && !terminating)
	ep := api.Endpoint{
		Addresses:  []string{ip},
		Conditions: api.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
		TargetRef:  &api.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	if pod.Spec.NodeName != "" {
		ep.NodeName = api.String(pod.Spec.NodeName)
		if zone := zoneOf(pod.Spec.NodeName); zone != "" {
			ep.Zone = api.String(zone)
		}
	}
	if h := controller.PodHostname(svc, pod); h != "" {
		ep.Hostname = api.String(h)
	}
	return ep
}

// chunks cuts endpoints into slices' worth. Kubernetes' reconciler packs
// new endpoints into the fullest slices to change as few as possible
// (pkg/controller/endpointslice/reconciler.go); kubelab refills in order,
// which may rewrite more slices when a pod in the middle goes.
func chunks(endpoints []api.Endpoint) [][]api.Endpoint {
	if len(endpoints) == 0 {
		return [][]api.Endpoint{nil}
	}
	var out [][]api.Endpoint
	for len(endpoints) > 0 {
		n := min(len(endpoints), maxEndpointsPerSlice)
		out = append(out, endpoints[:n])
		endpoints = endpoints[n:]
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(i *int32) int32 {
	if i == nil {
		return 0
	}
	return *i
}
