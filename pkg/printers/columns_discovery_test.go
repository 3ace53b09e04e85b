package printers

import (
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

func TestEndpointSliceColumns(t *testing.T) {
	created := api.Time{Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	now := created.Add(90 * time.Second)
	ep := func(ips ...string) api.Endpoint { return api.Endpoint{Addresses: ips} }
	port := func(name string, n int32) api.EndpointSlicePort {
		return api.EndpointSlicePort{Name: api.String(name), Protocol: api.String("TCP"), Port: api.Int32(n)}
	}
	slice := func(ports []api.EndpointSlicePort, eps ...api.Endpoint) *api.EndpointSlice {
		return &api.EndpointSlice{ObjectMeta: api.ObjectMeta{Name: "web-x7k2p", CreationTimestamp: created},
			AddressType: "IPv4", Ports: ports, Endpoints: eps}
	}
	tests := []struct {
		name string
		obj  *api.EndpointSlice
		row  []string
	}{
		{"two endpoints, one port", slice([]api.EndpointSlicePort{port("", 8080)}, ep("10.244.1.5"), ep("10.244.2.7")),
			[]string{"web-x7k2p", "IPv4", "8080", "10.244.1.5,10.244.2.7", "90s"}},
		{"more than three of each are counted",
			slice([]api.EndpointSlicePort{port("a", 1), port("b", 2), port("c", 3), port("d", 4)},
				ep("10.0.0.1"), ep("10.0.0.2"), ep("10.0.0.3"), ep("10.0.0.4"), ep("10.0.0.5")),
			[]string{"web-x7k2p", "IPv4", "1,2,3 + 1 more...", "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...", "90s"}},
		{"an empty slice", slice(nil), []string{"web-x7k2p", "IPv4", "<unset>", "<unset>", "90s"}},
		{"a port without a number shows its name",
			slice([]api.EndpointSlicePort{{Name: api.String("http")}}, ep("10.0.0.1")),
			[]string{"web-x7k2p", "IPv4", "http", "10.0.0.1", "90s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := headers(Columns("EndpointSlice")), "NAME,ADDRESSTYPE,PORTS,ENDPOINTS,AGE"; got != want {
				t.Errorf("headers %s, want %s", got, want)
			}
			if got := rowText(t, tt.obj, now); strings.Join(got, "|") != strings.Join(tt.row, "|") {
				t.Errorf("row %q, want %q", got, tt.row)
			}
		})
	}
}

func TestFormatEndpointSlices(t *testing.T) {
	ready := func(ip string, ok bool) api.Endpoint {
		return api.Endpoint{Addresses: []string{ip}, Conditions: api.EndpointConditions{Ready: &ok}}
	}
	ports := []api.EndpointSlicePort{
		{Name: api.String("http"), Port: api.Int32(8080)},
		{Name: api.String("metrics"), Port: api.Int32(9090)},
	}
	tests := []struct {
		name     string
		slices   []*api.EndpointSlice
		portName string
		want     string
	}{
		{"no slices", nil, "http", "<none>"},
		{"an empty slice prints nothing", []*api.EndpointSlice{{AddressType: "IPv4"}}, "http", ""},
		{"ready endpoints of the named port only",
			[]*api.EndpointSlice{{Ports: ports, Endpoints: []api.Endpoint{ready("10.0.0.1", true), ready("10.0.0.2", false),
				{Addresses: []string{"10.0.0.3"}}}}},
			"http", "10.0.0.1:8080,10.0.0.3:8080"},
		{"across slices, three and a count",
			[]*api.EndpointSlice{
				{Ports: ports, Endpoints: []api.Endpoint{ready("10.0.0.1", true), ready("10.0.0.2", true)}},
				{Ports: ports, Endpoints: []api.Endpoint{ready("10.0.0.3", true), ready("10.0.0.4", true), ready("10.0.0.5", true)}}},
			"metrics", "10.0.0.1:9090,10.0.0.2:9090,10.0.0.3:9090 + 2 more..."},
		{"a headless service without ports lists addresses",
			[]*api.EndpointSlice{{Endpoints: []api.Endpoint{ready("10.0.0.1", true)}}}, "", "10.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatEndpointSlices(tt.slices, tt.portName); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
