package dns

import (
	"slices"
	"strings"

	"github.com/miekg/dns"

	"kubelab/pkg/api"
)

// The objects of the tests, built the way the apiserver and the
// controllers would leave them.

func meta(ns, name string) api.ObjectMeta { return api.ObjectMeta{Namespace: ns, Name: name} }

func clusterIPService(ns, name, ip string, ports ...api.ServicePort) *api.Service {
	return &api.Service{ObjectMeta: meta(ns, name), Spec: api.ServiceSpec{
		Type: api.ServiceTypeClusterIP, ClusterIP: ip, ClusterIPs: []string{ip}, Ports: ports}}
}

func headlessService(ns, name string, ports ...api.ServicePort) *api.Service {
	return clusterIPService(ns, name, api.ClusterIPNone, ports...)
}

func externalService(ns, name, target string) *api.Service {
	return &api.Service{ObjectMeta: meta(ns, name), Spec: api.ServiceSpec{
		Type: api.ServiceTypeExternalName, ExternalName: target}}
}

func port(name, protocol string, n int32) api.ServicePort {
	return api.ServicePort{Name: name, Protocol: protocol, Port: n}
}

// addr is an endpoint address: "10.244.1.5" or "db-0=10.244.1.5" for one
// with a hostname.
func addr(s string) api.EndpointAddress {
	if host, ip, ok := strings.Cut(s, "="); ok {
		return api.EndpointAddress{IP: ip, Hostname: host}
	}
	return api.EndpointAddress{IP: s}
}

func endpoints(ns, name string, ready, notReady []string, ports ...api.EndpointPort) *api.Endpoints {
	s := api.EndpointSubset{Ports: ports}
	for _, a := range ready {
		s.Addresses = append(s.Addresses, addr(a))
	}
	for _, a := range notReady {
		s.NotReadyAddresses = append(s.NotReadyAddresses, addr(a))
	}
	return &api.Endpoints{ObjectMeta: meta(ns, name), Subsets: []api.EndpointSubset{s}}
}

// pod is a pod in phase, Ready when it is Running.
func pod(ns, name, hostname, subdomain, phase, ip string) *api.Pod {
	ready := api.ConditionFalse
	if phase == api.PodRunning {
		ready = api.ConditionTrue
	}
	return &api.Pod{ObjectMeta: meta(ns, name),
		Spec: api.PodSpec{Hostname: hostname, Subdomain: subdomain},
		Status: api.PodStatus{Phase: phase, PodIP: ip,
			Conditions: []api.PodCondition{{Type: api.PodReady, Status: ready}}}}
}

// rrs prints records one a line, tabs as spaces, sorted, so that tests
// compare text.
func rrs(records []dns.RR) []string {
	var out []string
	for _, rr := range records {
		out = append(out, strings.Join(strings.Fields(rr.String()), " "))
	}
	slices.Sort(out)
	return out
}
