package endpoints

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

// This file is the pure part of the controller: from a Service and its
// pods to the subsets of its Endpoints. Nothing here reads a cache or
// writes to the apiserver.

// subsetsFor returns the subsets of svc's Endpoints, given the pods that
// match its selector, in normal form (see normalize).
func subsetsFor(svc *api.Service, pods []*api.Pod) []api.EndpointSubset {
	publishAll := svc.Spec.PublishNotReadyAddresses
	bySet := map[string]*api.EndpointSubset{} // portsKey → subset
	for _, pod := range pods {
		if !inEndpoints(pod, publishAll) {
			continue
		}
		ports, ok := resolvePorts(svc, pod)
		if !ok {
			continue
		}
		key := portsKey(ports)
		s := bySet[key]
		if s == nil {
			s = &api.EndpointSubset{Ports: ports}
			bySet[key] = s
		}
		addr := addressOf(svc, pod)
		if publishAll || controller.IsPodReady(pod) {
			s.Addresses = append(s.Addresses, addr)
		} else {
			s.NotReadyAddresses = append(s.NotReadyAddresses, addr)
		}
	}
	var out []api.EndpointSubset
	for _, s := range bySet {
		out = append(out, *s)
	}
	return normalize(out)
}

// inEndpoints reports whether pod belongs in any Endpoints at all: it has
// an address, it is not on its way out (unless the Service publishes
// every address), and it has not finished.
func inEndpoints(pod *api.Pod, publishAll bool) bool {
	switch {
	case pod.Status.PodIP == "":
		return false
	case pod.DeletionTimestamp != nil && !publishAll:
		return false
	case pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed:
		return false // its containers are gone; nothing answers at the IP
	}
	return true
}

// resolvePorts resolves every service port in pod. A pod that resolves
// none of them is left out (ok false), unless the Service has no ports at
// all (a headless Service used only for DNS).
func resolvePorts(svc *api.Service, pod *api.Pod) (ports []api.EndpointPort, ok bool) {
	if len(svc.Spec.Ports) == 0 {
		return nil, true
	}
	for _, sp := range svc.Spec.Ports {
		n, found := controller.ResolveTargetPort(sp, pod)
		if !found {
			continue // this pod does not serve this port
		}
		ports = append(ports, api.EndpointPort{Name: sp.Name, Port: n, Protocol: sp.Protocol})
	}
	return ports, len(ports) > 0
}

// addressOf is the pod's entry in an Endpoints: its IP, where it runs, and
// a reference back to it.
func addressOf(svc *api.Service, pod *api.Pod) api.EndpointAddress {
	addr := api.EndpointAddress{
		IP:        pod.Status.PodIP,
		TargetRef: &api.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	if pod.Spec.NodeName != "" {
		addr.NodeName = api.String(pod.Spec.NodeName)
	}
	addr.Hostname = controller.PodHostname(svc, pod)
	return addr
}

// portsKey identifies a set of resolved ports: pods with the same key share
// a subset.
func portsKey(ports []api.EndpointPort) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = fmt.Sprintf("%s/%s/%d", p.Name, controller.ProtocolOf(p.Protocol), p.Port)
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// normalize sorts subsets into one canonical order, in place: addresses by
// IP, ports by name, subsets by their ports. Two Endpoints with the same
// content then compare equal however they were built, which is what lets
// a resync write nothing.
func normalize(subsets []api.EndpointSubset) []api.EndpointSubset {
	byIP := func(a, b api.EndpointAddress) int {
		return cmp.Or(cmp.Compare(a.IP, b.IP), cmp.Compare(refName(a), refName(b)))
	}
	byName := func(a, b api.EndpointPort) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol))
	}
	for i := range subsets {
		slices.SortFunc(subsets[i].Addresses, byIP)
		slices.SortFunc(subsets[i].NotReadyAddresses, byIP)
		slices.SortFunc(subsets[i].Ports, byName)
	}
	slices.SortFunc(subsets, func(a, b api.EndpointSubset) int {
		return cmp.Compare(portsKey(a.Ports), portsKey(b.Ports))
	})
	if len(subsets) == 0 {
		return nil
	}
	return subsets
}

func refName(a api.EndpointAddress) string {
	if a.TargetRef == nil {
		return ""
	}
	return a.TargetRef.Name
}

// sameSubsets compares two normalized lists by their wire form, so that an
// empty list and a missing one are the same.
func sameSubsets(a, b []api.EndpointSubset) bool {
	x, _ := json.Marshal(normalize(a))
	y, _ := json.Marshal(normalize(b))
	return string(x) == string(y)
}
