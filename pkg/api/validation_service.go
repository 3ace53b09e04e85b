package api

import (
	"fmt"
	"strings"
)

// Service and Endpoints validation.

var serviceTypes = []string{ServiceTypeClusterIP, ServiceTypeExternalName, ServiceTypeLoadBalancer, ServiceTypeNodePort}

func validateService(svc *Service) ErrorList {
	errs := validateObjectMeta(&svc.ObjectMeta, true, IsDNS1035Label, "")
	spec, p := &svc.Spec, fieldPath("spec")
	typ := spec.Type
	if typ != "" && !oneOf(typ, serviceTypes...) {
		errs = append(errs, notSupported(p.child("type"), typ, serviceTypes...))
	}
	external := typ == ServiceTypeNodePort || typ == ServiceTypeLoadBalancer
	headless := spec.ClusterIP == ClusterIPNone

	if typ == ServiceTypeExternalName {
		switch {
		case spec.ExternalName == "":
			errs = append(errs, required(p.child("externalName"), ""))
		default:
			name := strings.TrimSuffix(spec.ExternalName, ".")
			errs = append(errs, check(p.child("externalName"), spec.ExternalName, IsDNS1123Subdomain(name))...)
		}
		if spec.ClusterIP != "" {
			errs = append(errs, forbidden(p.child("clusterIP"), "may not be set for ExternalName services"))
		}
	} else if len(spec.Ports) == 0 && !headless {
		errs = append(errs, required(p.child("ports"), ""))
	}

	switch {
	case spec.ClusterIP == "" || typ == ServiceTypeExternalName:
	case headless:
		if typ != "" && typ != ServiceTypeClusterIP {
			errs = append(errs, invalid(p.child("clusterIP"), spec.ClusterIP, fmt.Sprintf("may not be set to 'None' for %s services", typ)))
		}
	case !isValidIP(spec.ClusterIP):
		errs = append(errs, invalid(p.child("clusterIP"), spec.ClusterIP, ipErrorDetail))
	}
	for i, ip := range spec.ClusterIPs {
		if ip != ClusterIPNone && !isValidIP(ip) {
			errs = append(errs, invalid(p.child("clusterIPs").index(i), ip, ipErrorDetail))
		}
	}
	if len(spec.ClusterIPs) > 0 && spec.ClusterIP != "" && spec.ClusterIPs[0] != spec.ClusterIP {
		errs = append(errs, invalid(p.child("clusterIPs").index(0), spec.ClusterIPs[0], "must match `clusterIP`"))
	}
	for i, ip := range spec.ExternalIPs {
		if !isValidIP(ip) {
			errs = append(errs, invalid(p.child("externalIPs").index(i), ip, ipErrorDetail))
		}
	}

	errs = append(errs, validateServicePorts(spec.Ports, typ, p.child("ports"))...)
	errs = append(errs, validateLabels(spec.Selector, p.child("selector"))...)
	errs = append(errs, validateSessionAffinity(spec, p)...)
	errs = append(errs, validateIPFamilies(spec, p)...) // service_ipfamilies.go

	if etp := spec.ExternalTrafficPolicy; etp != "" {
		if !oneOf(etp, "Cluster", "Local") {
			errs = append(errs, notSupported(p.child("externalTrafficPolicy"), etp, "Cluster", "Local"))
		} else if etp == "Local" && !external {
			errs = append(errs, invalid(p.child("externalTrafficPolicy"), etp, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"))
		}
	}
	if itp := spec.InternalTrafficPolicy; itp != "" && !oneOf(itp, "Cluster", "Local") {
		errs = append(errs, notSupported(p.child("internalTrafficPolicy"), itp, "Cluster", "Local"))
	}
	if hc := spec.HealthCheckNodePort; hc < 0 || hc > 65535 {
		errs = append(errs, invalid(p.child("healthCheckNodePort"), hc, "must be between 0 and 65535, inclusive"))
	}
	return errs
}

func validateServicePorts(ports []ServicePort, typ string, p fieldPath) ErrorList {
	var errs ErrorList
	names := map[string]bool{}
	seen := map[string]bool{}
	nodePorts := map[string]bool{}
	for i, sp := range ports {
		pp := p.index(i)
		switch {
		case sp.Name == "" && len(ports) > 1:
			errs = append(errs, required(pp.child("name"), ""))
		case sp.Name == "":
		case names[sp.Name]:
			errs = append(errs, duplicate(pp.child("name"), sp.Name))
		default:
			errs = append(errs, check(pp.child("name"), sp.Name, IsDNS1123Label(sp.Name))...)
		}
		names[sp.Name] = true
		errs = append(errs, validatePortNumber(pp.child("port"), sp.Port)...)
		errs = append(errs, validateProtocol(sp.Protocol, pp.child("protocol"))...)
		if !sp.TargetPort.IsZero() {
			errs = append(errs, validatePortNumOrName(pp.child("targetPort"), sp.TargetPort)...)
		}
		key := fmt.Sprintf("%d/%s", sp.Port, sp.Protocol)
		if seen[key] {
			errs = append(errs, duplicate(pp, key))
		}
		seen[key] = true
		if sp.NodePort != 0 {
			switch {
			case typ != ServiceTypeNodePort && typ != ServiceTypeLoadBalancer:
				t := typ
				if t == "" {
					t = ServiceTypeClusterIP
				}
				errs = append(errs, forbidden(pp.child("nodePort"), fmt.Sprintf("may not be used when `type` is '%s'", t)))
			case sp.NodePort < 0 || sp.NodePort > 65535:
				errs = append(errs, invalid(pp.child("nodePort"), sp.NodePort, "must be between 0 and 65535, inclusive"))
			}
			nk := fmt.Sprintf("%d/%s", sp.NodePort, sp.Protocol)
			if nodePorts[nk] {
				errs = append(errs, duplicate(pp.child("nodePort"), sp.NodePort))
			}
			nodePorts[nk] = true
		}
	}
	return errs
}

func validateSessionAffinity(spec *ServiceSpec, p fieldPath) ErrorList {
	var errs ErrorList
	switch spec.SessionAffinity {
	case "", "None":
		if spec.SessionAffinityConfig != nil && spec.SessionAffinityConfig.ClientIP != nil {
			errs = append(errs, forbidden(p.child("sessionAffinityConfig"), "must not be set when `sessionAffinity` is None"))
		}
	case "ClientIP":
		c := spec.SessionAffinityConfig
		if c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
			if t := *c.ClientIP.TimeoutSeconds; t <= 0 || t > 86400 {
				errs = append(errs, invalid(p.child("sessionAffinityConfig").child("clientIP").child("timeoutSeconds"), t,
					"must be greater than 0 and less than or equal to 86400"))
			}
		}
	default:
		errs = append(errs, notSupported(p.child("sessionAffinity"), spec.SessionAffinity, "ClientIP", "None"))
	}
	return errs
}

func validateEndpoints(ep *Endpoints) ErrorList {
	errs := validateObjectMeta(&ep.ObjectMeta, true, IsDNS1123Subdomain, "")
	for i, ss := range ep.Subsets {
		sp := fieldPath("subsets").index(i)
		for _, list := range []struct {
			name  string
			addrs []EndpointAddress
		}{{"addresses", ss.Addresses}, {"notReadyAddresses", ss.NotReadyAddresses}} {
			for j, a := range list.addrs {
				ap := sp.child(list.name).index(j)
				// Kubernetes also forbids loopback addresses here. kubelab
				// allows them: on the one-host node the apiserver listens on
				// 127.0.0.1 only, and the kubernetes Endpoints must say so.
				if !isValidIP(a.IP) {
					errs = append(errs, invalid(ap.child("ip"), a.IP, ipErrorDetail))
				}
				if a.Hostname != "" {
					errs = append(errs, check(ap.child("hostname"), a.Hostname, IsDNS1123Label(a.Hostname))...)
				}
				if a.NodeName != nil && *a.NodeName != "" {
					errs = append(errs, check(ap.child("nodeName"), *a.NodeName, IsDNS1123Subdomain(*a.NodeName))...)
				}
			}
		}
		names := map[string]bool{}
		for j, port := range ss.Ports {
			pp := sp.child("ports").index(j)
			switch {
			case port.Name == "" && len(ss.Ports) > 1:
				errs = append(errs, required(pp.child("name"), ""))
			case port.Name == "":
			case names[port.Name]:
				errs = append(errs, duplicate(pp.child("name"), port.Name))
			default:
				errs = append(errs, check(pp.child("name"), port.Name, IsDNS1123Label(port.Name))...)
			}
			names[port.Name] = true
			errs = append(errs, validatePortNumber(pp.child("port"), port.Port)...)
			errs = append(errs, validateProtocol(port.Protocol, pp.child("protocol"))...)
		}
	}
	return errs
}
