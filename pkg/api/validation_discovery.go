package api

import (
	"fmt"
	"net"
	"strings"
)

// validateEndpointSlice checks an EndpointSlice as Kubernetes'
// ValidateEndpointSlice does: a known address type, addresses of that
// type, and the limits that keep one slice small (1000 endpoints of at
// most 100 addresses, 100 ports with unique names).
func validateEndpointSlice(s *EndpointSlice) ErrorList {
	errs := validateObjectMeta(&s.ObjectMeta, true, IsDNS1123Subdomain, "")
	switch {
	case s.AddressType == "":
		errs = append(errs, required("addressType", ""))
	case !oneOf(s.AddressType, AddressTypes...):
		errs = append(errs, notSupported("addressType", s.AddressType, AddressTypes...))
	}
	errs = append(errs, validateSliceEndpoints(s.Endpoints, s.AddressType)...)
	errs = append(errs, validateSlicePorts(s.Ports)...)
	return errs
}

func validateSliceEndpoints(endpoints []Endpoint, addressType string) ErrorList {
	var errs ErrorList
	p := fieldPath("endpoints")
	if len(endpoints) > MaxEndpointsPerSlice {
		errs = append(errs, tooMany(p, len(endpoints), MaxEndpointsPerSlice))
	}
	for i, ep := range endpoints {
		ip := p.index(i)
		ap := ip.child("addresses")
		switch {
		case len(ep.Addresses) == 0:
			errs = append(errs, required(ap, "must contain at least 1 address"))
		case len(ep.Addresses) > MaxAddressesPerEndpoint:
			errs = append(errs, tooMany(ap, len(ep.Addresses), MaxAddressesPerEndpoint))
		}
		for j, a := range ep.Addresses {
			if msg := addressError(a, addressType); msg != "" {
				errs = append(errs, invalid(ap.index(j), a, msg))
			}
		}
		if ep.Hostname != nil {
			errs = append(errs, check(ip.child("hostname"), *ep.Hostname, IsDNS1123Label(*ep.Hostname))...)
		}
		if ep.NodeName != nil {
			errs = append(errs, check(ip.child("nodeName"), *ep.NodeName, IsDNS1123Subdomain(*ep.NodeName))...)
		}
	}
	return errs
}

// addressError says why a is not an address of addressType, or "".
func addressError(a, addressType string) string {
	parsed := net.ParseIP(a)
	switch addressType {
	case AddressTypeIPv4:
		if parsed == nil || strings.Contains(a, ":") {
			return "must be a valid IPv4 address"
		}
	case AddressTypeIPv6:
		if parsed == nil || !strings.Contains(a, ":") {
			return "must be a valid IPv6 address"
		}
	case AddressTypeFQDN:
		if msgs := IsDNS1123Subdomain(a); len(msgs) > 0 {
			return msgs[0]
		}
	}
	return ""
}

func validateSlicePorts(ports []EndpointSlicePort) ErrorList {
	var errs ErrorList
	p := fieldPath("ports")
	if len(ports) > MaxPortsPerSlice {
		errs = append(errs, tooMany(p, len(ports), MaxPortsPerSlice))
	}
	names := map[string]bool{}
	for i, port := range ports {
		pp := p.index(i)
		name := ""
		if port.Name != nil {
			name = *port.Name
		}
		if name != "" {
			errs = append(errs, check(pp.child("name"), name, IsDNS1123Label(name))...)
		}
		if names[name] {
			errs = append(errs, duplicate(pp.child("name"), name))
		}
		names[name] = true
		if port.Protocol == nil {
			errs = append(errs, required(pp.child("protocol"), ""))
		} else {
			errs = append(errs, validateProtocol(*port.Protocol, pp.child("protocol"))...)
		}
		if port.Port != nil {
			errs = append(errs, validatePortNumber(pp.child("port"), *port.Port)...)
		}
		if port.AppProtocol != nil {
			errs = append(errs, check(pp.child("appProtocol"), *port.AppProtocol, IsQualifiedName(*port.AppProtocol))...)
		}
	}
	return errs
}

// validateEndpointSliceUpdate keeps addressType: readers key their
// handling of every address on it.
func validateEndpointSliceUpdate(n, o *EndpointSlice) ErrorList {
	if n.AddressType != o.AddressType {
		return ErrorList{invalid("addressType", n.AddressType, "field is immutable")}
	}
	return nil
}

// tooMany is Kubernetes' field.TooMany: "Too many: 1001: must have at
// most 1000 items".
func tooMany(p fieldPath, n, max int) *FieldError {
	return &FieldError{Type: ErrorTypeTooMany, Field: string(p), BadValue: n,
		Detail: fmt.Sprintf("must have at most %d items", max)}
}
