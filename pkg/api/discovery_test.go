package api

import (
	"fmt"
	"testing"
)

func validEndpointSlice() *EndpointSlice {
	s := &EndpointSlice{
		ObjectMeta:  ObjectMeta{Name: "web-x7k2p", Namespace: "default", Labels: map[string]string{LabelServiceName: "web"}},
		AddressType: AddressTypeIPv4,
		Endpoints: []Endpoint{{Addresses: []string{"10.244.1.5"},
			Conditions: EndpointConditions{Ready: Bool(true)}, NodeName: String("node1"), Hostname: String("web-0")}},
		Ports: []EndpointSlicePort{{Name: String("http"), Port: Int32(8080), AppProtocol: String("http")}},
	}
	SetDefaults(s)
	return s
}

func TestValidateEndpointSlice(t *testing.T) {
	many := func(n int) []Endpoint {
		eps := make([]Endpoint, n)
		for i := range eps {
			eps[i] = Endpoint{Addresses: []string{fmt.Sprintf("10.244.%d.%d", i/250, i%250+1)}}
		}
		return eps
	}
	tests := []struct {
		name   string
		mutate func(*EndpointSlice)
		want   []string
	}{
		{"valid", func(*EndpointSlice) {}, nil},
		{"an empty slice, the controller's placeholder", func(s *EndpointSlice) { s.Endpoints, s.Ports = nil, nil }, nil},
		{"no address type", func(s *EndpointSlice) { s.AddressType = "" }, []string{"addressType: Required value"}},
		{"unknown address type", func(s *EndpointSlice) { s.AddressType = "IP" },
			[]string{`addressType: Unsupported value: "IP": supported values: "IPv4", "IPv6", "FQDN"`}},
		{"an IPv6 address in an IPv4 slice", func(s *EndpointSlice) { s.Endpoints[0].Addresses = []string{"fd00::1"} },
			[]string{`endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address`}},
		{"an IPv6 slice", func(s *EndpointSlice) {
			s.AddressType = AddressTypeIPv6
			s.Endpoints[0].Addresses = []string{"fd00::1"}
		}, nil},
		{"an FQDN slice", func(s *EndpointSlice) {
			s.AddressType = AddressTypeFQDN
			s.Endpoints[0].Addresses = []string{"db.example.com"}
		}, nil},
		{"an endpoint without addresses", func(s *EndpointSlice) { s.Endpoints[0].Addresses = nil },
			[]string{"endpoints[0].addresses: Required value: must contain at least 1 address"}},
		{"1000 endpoints", func(s *EndpointSlice) { s.Endpoints = many(1000) }, nil},
		{"1001 endpoints", func(s *EndpointSlice) { s.Endpoints = many(1001) },
			[]string{"endpoints: Too many: 1001: must have at most 1000 items"}},
		{"101 ports", func(s *EndpointSlice) {
			s.Ports = nil
			for i := range 101 {
				s.Ports = append(s.Ports, EndpointSlicePort{Name: String(fmt.Sprintf("p%d", i)), Protocol: String("TCP"), Port: Int32(int32(i + 1))})
			}
		}, []string{"ports: Too many: 101: must have at most 100 items"}},
		{"duplicate port names", func(s *EndpointSlice) { s.Ports = append(s.Ports, s.Ports[0]) },
			[]string{`ports[1].name: Duplicate value: "http"`}},
		{"bad port", func(s *EndpointSlice) { s.Ports[0].Port = Int32(70000) },
			[]string{"ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive"}},
		{"bad protocol", func(s *EndpointSlice) { s.Ports[0].Protocol = String("HTTP") },
			[]string{`ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"`}},
		{"bad hostname", func(s *EndpointSlice) { s.Endpoints[0].Hostname = String("web.0") },
			[]string{`endpoints[0].hostname: Invalid value: "web.0": ` + dnsLabelMsg}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validEndpointSlice()
			tt.mutate(s)
			checkErrors(t, Validate(s), tt.want)
		})
	}
}

func TestEndpointSliceAddressTypeIsImmutable(t *testing.T) {
	old := validEndpointSlice()
	changed := validEndpointSlice()
	changed.AddressType, changed.Endpoints = AddressTypeFQDN, []Endpoint{{Addresses: []string{"db.example.com"}}}
	checkErrors(t, ValidateUpdate(changed, old), []string{`addressType: Invalid value: "FQDN": field is immutable`})
	checkErrors(t, ValidateUpdate(validEndpointSlice(), old), nil)
}
