package controller

import (
	"cmp"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// This file is what the Endpoints and EndpointSlice controllers share:
// which Services a pod serves, and on which of its ports.

// ServicesSelecting returns the keys of the Services in pod's namespace
// whose selector matches its labels. services needs the IndexNamespace
// index.
func ServicesSelecting(services Lister, pod *api.Pod) []string {
	var keys []string
	for _, o := range services.ByIndex(IndexNamespace, pod.Namespace) {
		svc := o.(*api.Service)
		if len(svc.Spec.Selector) > 0 && api.SelectorFromSet(svc.Spec.Selector).Matches(pod.Labels) {
			keys = append(keys, client.KeyOf(svc))
		}
	}
	return keys
}

// ResolveTargetPort resolves a Service port's targetPort in one pod, for
// the Endpoints and EndpointSlice controllers alike: a number is itself; a
// name is the container port of that name and protocol, which may differ
// from pod to pod (that is the point of naming it). ok is false when the
// pod has no such port: it does not serve this Service port.
func ResolveTargetPort(sp api.ServicePort, pod *api.Pod) (port int32, ok bool) {
	tp := sp.TargetPort
	switch {
	case tp.IsZero():
		return sp.Port, true // the apiserver defaults it to the port, but be safe
	case !tp.IsString:
		return tp.IntVal, true
	}
	for _, c := range pod.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == tp.StrVal && ProtocolOf(cp.Protocol) == ProtocolOf(sp.Protocol) {
				return cp.ContainerPort, true
			}
		}
	}
	return 0, false
}

// ProtocolOf is p, or TCP when p is empty, as the defaults would make it.
func ProtocolOf(p string) string { return cmp.Or(p, "TCP") }

// PodHostname is the hostname a pod has under svc, or "": a pod that
// names this (headless) Service as its subdomain gets a DNS name of its
// own, hostname.service.namespace.svc.
func PodHostname(svc *api.Service, pod *api.Pod) string {
	if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name {
		return pod.Spec.Hostname
	}
	return ""
}
